import Foundation
import GGUF
import Testing

/// The fused block dot products against the naive twin: dequantize, then sum in Double.
@Suite("Quantized dot products")
struct DotTests {
    static func naiveDot(_ type: GGMLType, _ bytes: [UInt8], _ x: [Float]) throws -> (value: Double, scale: Double) {
        let w = try dequantize(bytes, as: type, count: x.count)
        var sum = 0.0, magnitude = 0.0
        for i in 0 ..< x.count {
            sum += Double(w[i]) * Double(x[i])
            magnitude += abs(Double(w[i]) * Double(x[i]))
        }
        return (sum, magnitude)
    }

    /// Deterministic pseudo-random floats in [-1, 1).
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0 ..< n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    @Test("dotRow equals the naive dot of the dequantized row",
          arguments: [GGMLType.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K])
    func dotMatchesNaive(type: GGMLType) throws {
        let file = try GGUFFile(contentsOf: Fixtures.reference.appendingPathComponent("quant/blocks.gguf"))
        let name = type == .f32 ? "src" : "q.\(type.name)"
        let tensor = try #require(file.tensor(named: name))
        let bytes = file.withBytes(of: tensor) { [UInt8]($0) }
        let x = Self.values(tensor.rowLength, seed: 7)
        for r in 0 ..< tensor.rowCount {
            let row = Array(bytes[r * tensor.rowByteCount ..< (r + 1) * tensor.rowByteCount])
            let ours = try row.withUnsafeBytes { w in
                try x.withUnsafeBufferPointer { try dotRow(type, bytes: w.baseAddress!, $0.baseAddress!, count: x.count) }
            }
            let (reference, scale) = try Self.naiveDot(type, row, x)
            #expect(abs(Double(ours) - reference) <= 1e-5 * scale + 1e-6, "\(type) row \(r): \(ours) vs \(reference)")
        }
    }

    @Test("matVec over a demo-model matrix equals the naive product")
    func matVecOnDemoModel() throws {
        let file = try GGUFFile(contentsOf: Fixtures.demoModel)
        for name in ["blk.0.attn_q.weight", "token_embd.weight"] {
            let t = try #require(file.tensor(named: name))
            let rows = min(t.rowCount, 64)
            let x = Self.values(t.rowLength, seed: 3)
            var y = [Float](repeating: 0, count: rows)
            try x.withUnsafeBufferPointer { xp in
                try y.withUnsafeMutableBufferPointer { yp in
                    try matVec(t.type, weights: file.pointer(of: t), rows: rows, columns: t.rowLength, xp.baseAddress!, into: yp.baseAddress!)
                }
            }
            let w = try file.floats(of: t)
            for r in 0 ..< rows {
                var sum = 0.0, scale = 0.0
                for c in 0 ..< t.rowLength {
                    sum += Double(w[r * t.rowLength + c]) * Double(x[c])
                    scale += abs(Double(w[r * t.rowLength + c]) * Double(x[c]))
                }
                #expect(abs(Double(y[r]) - sum) <= 1e-5 * scale + 1e-6, "\(name) row \(r)")
            }
        }
    }

    @Test("a row that is not whole blocks is refused")
    func refusesPartialBlocks() {
        let x = [Float](repeating: 1, count: 40)
        let w = [UInt8](repeating: 0, count: 40)
        #expect(throws: GGUFError.self) {
            try w.withUnsafeBytes { wp in try x.withUnsafeBufferPointer { try dotRow(.q4_0, bytes: wp.baseAddress!, $0.baseAddress!, count: 40) } }
        }
    }
}
