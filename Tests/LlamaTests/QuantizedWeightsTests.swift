import Foundation
import Testing
import GGUF
import Llama
import Tensor

@Suite("Quantized weights from ggml blocks")
struct QuantizedWeightsTests {
    @Test("repacked Q4_0, Q4_1 and Q8_0 blocks dequantize exactly as GGUF does", arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func repackMatchesGGML(type: GGMLType) throws {
        var rng = Xoshiro256(seed: 5)
        let rows = 6, columns = 96
        let values = (0..<(rows * columns)).map { _ in rng.normal() }
        let bytes = try quantize(values, as: type)
        let expected = try dequantize(bytes, as: type, count: values.count)
        let m = try #require(bytes.withUnsafeBytes { QuantizedWeights.repack(type, bytes: $0.baseAddress!, rows: rows, columns: columns) })
        // ggml's block size (Q4_0 gains its offset: 20 bytes like Q4_1)
        #expect(m.rowBytes == columns / 32 * (type == .q4_0 ? 20 : type.bytesPerBlock))
        var row = [Float](repeating: 0, count: columns)
        for r in 0..<rows {
            m.dequantizeRow(r, into: &row)
            #expect(row == Array(expected[(r * columns)..<((r + 1) * columns)]), "row \(r)")
        }
        #expect(bytes.withUnsafeBytes { QuantizedWeights.repack(.q4_K, bytes: $0.baseAddress!, rows: 1, columns: 256) } == nil)
    }
}
