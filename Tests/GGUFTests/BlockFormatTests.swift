import Foundation
import GGUF
import Safetensors
import Testing

/// ggml's block formats against `Tests/Fixtures/reference/quant/` (made by ggml's own C code).
@Suite("Block formats match ggml")
struct BlockFormatTests {
    static let blocks = Fixtures.reference.appendingPathComponent("quant/blocks.gguf")
    static let dequantized = Fixtures.reference.appendingPathComponent("quant/dequantized.safetensors")
    static let dequantizedTypes: [GGMLType] = [.f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    @Test("dequantizing each reference tensor gives ggml's floats bit for bit", arguments: dequantizedTypes)
    func dequantizeMatchesGGML(type: GGMLType) throws {
        let file = try GGUFFile(contentsOf: Self.blocks)
        let reference = try SafetensorsFile(contentsOf: Self.dequantized)
        let tensor = try #require(file.tensor(named: "q.\(type.name)"))
        #expect(tensor.type == type)
        #expect(tensor.dimensions == [512, 8])
        let ours = try file.floats(of: tensor)
        let theirs = try reference.floats("deq.\(type.name)")
        #expect(ours.count == theirs.count)
        let mismatches = zip(ours, theirs).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(4).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" })")
    }

    @Test("dequantizing row by row equals dequantizing the whole tensor", arguments: [GGMLType.q4_1, .q6_K, .q8_0])
    func rowByRow(type: GGMLType) throws {
        let file = try GGUFFile(contentsOf: Self.blocks)
        let tensor = try #require(file.tensor(named: "q.\(type.name)"))
        let whole = try file.floats(of: tensor)
        var rows = [Float](repeating: .nan, count: whole.count)
        try rows.withUnsafeMutableBufferPointer { out in
            for r in 0 ..< tensor.rowCount {
                try dequantizeRow(type, bytes: file.pointer(of: tensor) + r * tensor.rowByteCount,
                                  into: out.baseAddress! + r * tensor.rowLength, count: tensor.rowLength)
            }
        }
        #expect(rows == whole)
    }

    @Test("quantizing the source gives ggml's bytes", arguments: [GGMLType.f16, .bf16, .q8_0, .q4_1, .q5_0, .q5_1])
    func quantizeMatchesGGML(type: GGMLType) throws {
        let file = try GGUFFile(contentsOf: Self.blocks)
        let source = try file.floats(named: "src")
        let expected = try file.withBytes(of: #require(file.tensor(named: "q.\(type.name)"))) { [UInt8]($0) }
        let ours = try quantize(source, as: type)
        #expect(ours.count == expected.count)
        let firstDifference = zip(ours, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(ours == expected, "first different byte: \(String(describing: firstDifference))")
    }

    @Test("quantizing to Q4_0 gives ggml's bytes, up to one step in an isolated block")
    func quantizeQ4_0() throws {
        let file = try GGUFFile(contentsOf: Self.blocks)
        let source = try file.floats(named: "src")
        let expected = try file.withBytes(of: #require(file.tensor(named: "q.Q4_0"))) { [UInt8]($0) }
        let ours = try quantize(source, as: .q4_0)
        #expect(ours.count == expected.count)
        var differingBlocks: [Int] = []
        for block in 0 ..< ours.count / 18 {
            let a = ours[block * 18 ..< block * 18 + 18], b = expected[block * 18 ..< block * 18 + 18]
            guard a != b else { continue }
            differingBlocks.append(block)
            // Same scale; every code within one step.
            #expect(a.prefix(2) == b.prefix(2), "block \(block): scale differs")
            for (x, y) in zip(a.dropFirst(2), b.dropFirst(2)) {
                #expect(abs(Int(x & 15) - Int(y & 15)) <= 1 && abs(Int(x >> 4) - Int(y >> 4)) <= 1, "block \(block)")
            }
        }
        #expect(differingBlocks.count <= 1, "blocks differing: \(differingBlocks)")
    }

    @Test("K-quant quantizers give ggml's bytes (and so its error)", arguments: [GGMLType.q4_K, .q5_K, .q6_K])
    func kQuantizers(type: GGMLType) throws {
        let file = try GGUFFile(contentsOf: Self.blocks)
        let source = try file.floats(named: "src")
        let theirs = try file.floats(named: "q.\(type.name)")
        let bytes = try quantize(source, as: type)
        let ours = try dequantize(bytes, as: type, count: source.count)
        func rms(_ v: [Float]) -> Double {
            (zip(v, source).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(source.count)).squareRoot()
        }
        #expect(rms(ours) <= 1.05 * rms(theirs), "RMS \(rms(ours)) vs ggml's \(rms(theirs))")
        let expected = try file.withBytes(of: #require(file.tensor(named: "q.\(type.name)"))) { [UInt8]($0) }
        let differing = (0 ..< bytes.count / type.bytesPerBlock).filter {
            bytes[$0 * type.bytesPerBlock ..< ($0 + 1) * type.bytesPerBlock] != expected[$0 * type.bytesPerBlock ..< ($0 + 1) * type.bytesPerBlock]
        }
        #expect(differing.isEmpty, "\(type): super-blocks differing from ggml's bytes: \(differing)")
    }
}
