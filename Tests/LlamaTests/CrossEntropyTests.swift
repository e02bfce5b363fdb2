import Foundation
import Testing
import Llama

@Suite("Cross-entropy rows")
struct CrossEntropyTests {
    /// Rows of normal-ish logits from a fixed linear congruential sequence.
    static func logits(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 20_000) / 2000  // [-10, 10)
        }
    }

    @Test("loss and dlogits match a double-precision softmax, ignored rows are zero, and the bytes do not depend on the split")
    func rows() {
        let N = 30, V = 5003, scale: Float = 0.25
        let x = Self.logits(N * V, seed: 9)
        let targets: [Int32] = (0..<N).map { $0 % 5 == 4 ? -1 : Int32(($0 * 977) % V) }
        var grad = x, losses = [Float](repeating: 7, count: N)
        crossEntropyRowsForwardBackward(&grad, &losses, targets, N, V, scale: scale, backward: true)
        var maxLoss = 0.0, maxGrad = 0.0
        for n in 0..<N {
            let row = x[n * V..<(n + 1) * V].map(Double.init)
            let m = row.max()!
            let sum = row.reduce(0) { $0 + exp($1 - m) }
            if targets[n] < 0 {
                #expect(losses[n] == 0 && grad[n * V..<(n + 1) * V].allSatisfy { $0 == 0 })
                continue
            }
            let t = Int(targets[n])
            maxLoss = max(maxLoss, abs(Double(losses[n]) - (m + log(sum) - row[t])))
            for i in 0..<V {
                let expected = Double(scale) * (exp(row[i] - m) / sum - (i == t ? 1 : 0))
                maxGrad = max(maxGrad, abs(Double(grad[n * V + i]) - expected))
            }
        }
        #expect(maxLoss < 1e-5 && maxGrad < 1e-7)

        // row by row (each call too small for the pool)
        var gradRows = x, lossRows = [Float](repeating: 7, count: N)
        for n in 0..<N {
            gradRows.withUnsafeMutableBufferPointer { g in
                lossRows.withUnsafeMutableBufferPointer { l in
                    crossEntropyRowsForwardBackward(g.baseAddress! + n * V, l.baseAddress! + n, [targets[n]], 1, V,
                                                    scale: scale, backward: true)
                }
            }
        }
        #expect(gradRows == grad && lossRows == losses)

        var forwardOnly = x, lossForward = [Float](repeating: 7, count: N)
        crossEntropyRowsForwardBackward(&forwardOnly, &lossForward, targets, N, V, scale: scale, backward: false)
        #expect(lossForward == losses && forwardOnly == x)
    }
}
