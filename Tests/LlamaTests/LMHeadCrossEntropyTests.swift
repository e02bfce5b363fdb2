import Testing
@testable import Llama
import Tensor

@Suite("Chunked LM head cross-entropy")
struct LMHeadCrossEntropyTests {
    /// The unfused path: all (K, V) logits, their loss and gradient, then the head's backward.
    static func unfused(x: [Float], W: [Float], targets: [Int32], K: Int, C: Int, V: Int, scale: Float)
        -> (losses: [Float], dx: [Float], dW: [Float]) {
        var logits = [Float](repeating: 0, count: K * V), losses = [Float](repeating: 0, count: K)
        matmulForward(&logits, x, W, nil, K, C, V)
        crossEntropyRowsForwardBackward(&logits, &losses, targets, K, V, scale: scale, backward: true)
        var dx = [Float](repeating: 0, count: K * C), dW = [Float](repeating: 0, count: V * C)
        matmulBackward(&dx, &dW, nil, logits, x, W, K, C, V)
        return (losses, dx, dW)
    }

    @Test("losses and the x and W gradients equal the unfused path's for any chunk size (odd K, one row, one chunk)",
          arguments: [(K: 7, chunk: 3), (K: 1, chunk: 128), (K: 9, chunk: 1), (K: 12, chunk: 4), (K: 5, chunk: 128)])
    func matchesUnfused(K: Int, chunk: Int) {
        let C = 11, V = 301, scale: Float = 0.3
        var rng = Xoshiro256(seed: UInt64(K * 1000 + chunk))
        let x = (0..<(K * C)).map { _ in rng.normal(mean: 0, std: 1) }
        let W = (0..<(V * C)).map { _ in rng.normal(mean: 0, std: 0.5) }
        let targets = (0..<K).map { _ in Int32(rng.next() % UInt64(V)) }
        let expected = Self.unfused(x: x, W: W, targets: targets, K: K, C: C, V: V, scale: scale)

        var losses = [Float](repeating: 0, count: K), dx = [Float](repeating: 7, count: K * C)
        var dW = [Float](repeating: 0, count: V * C), logits = [Float](repeating: 0, count: min(K, chunk) * V)
        lmHeadCrossEntropy(&losses, dx: &dx, dW: &dW, x, W, targets, K, C, V, scale: scale,
                           logits: &logits, chunkRows: min(K, chunk))
        #expect(maxAbsDiff(losses, expected.losses) < 1e-5, "losses, K \(K) chunk \(chunk)")
        #expect(maxAbsDiff(dx, expected.dx) < 1e-5, "dx, K \(K) chunk \(chunk)")
        #expect(maxAbsDiff(dW, expected.dW) < 1e-5, "dW, K \(K) chunk \(chunk)")

        var forwardOnly = [Float](repeating: 0, count: K)
        lmHeadCrossEntropy(&forwardOnly, dx: nil, dW: nil, x, W, targets, K, C, V, scale: nil,
                           logits: &logits, chunkRows: min(K, chunk))
        #expect(forwardOnly == losses, "the forward alone gives the same losses")
    }

    @Test("a vocabulary of a multiple of 1024 (rows of the chunk padded apart), and the head in bfloat16")
    func paddedAndBFloat16() {
        let K = 5, C = 11, V = 1024, chunk = 3, scale: Float = 0.3
        #expect(crossEntropyLogitStride(V) > V && crossEntropyLogitStride(301) == 301)
        var rng = Xoshiro256(seed: 77)
        let x = (0..<(K * C)).map { _ in rng.normal(mean: 0, std: 1) }
        let W = (0..<(V * C)).map { _ in rng.normal(mean: 0, std: 0.5) }
        let targets = (0..<K).map { _ in Int32(rng.next() % UInt64(V)) }
        let expected = Self.unfused(x: x, W: W, targets: targets, K: K, C: C, V: V, scale: scale)
        var losses = [Float](repeating: 0, count: K), dx = [Float](repeating: 7, count: K * C)
        var dW = [Float](repeating: 0, count: V * C)
        var logits = [Float](repeating: 0, count: chunk * crossEntropyLogitStride(V))
        lmHeadCrossEntropy(&losses, dx: &dx, dW: &dW, x, W, targets, K, C, V, scale: scale,
                           logits: &logits, chunkRows: chunk)
        #expect(maxAbsDiff(losses, expected.losses) < 1e-5)
        #expect(maxAbsDiff(dx, expected.dx) < 1e-5)
        #expect(maxAbsDiff(dW, expected.dW) < 1e-5)

        let head = BFloat16Matrix(rows: V, columns: C, from: W)
        lmHeadCrossEntropy(&losses, dx: &dx, dW: nil, x, W, bfloat16: head, targets, K, C, V, scale: scale,
                           logits: &logits, chunkRows: chunk)
        func relative(_ a: [Float], _ b: [Float]) -> Float {
            let d = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +), n = b.map { $0 * $0 }.reduce(0, +)
            return (d / n).squareRoot()
        }
        #expect(relative(losses, expected.losses) < 1e-2, "\(losses) vs \(expected.losses)")
        #expect(relative(dx, expected.dx) < 2e-2)
        #expect(losses != expected.losses, "the bfloat16 head was not used")
    }
}
