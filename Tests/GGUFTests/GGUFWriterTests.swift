import Foundation
import GGUF
import Testing

@Suite("Writing GGUF files")
struct GGUFWriterTests {
    @Test("every value type, nested arrays and tensors round-trip through a file")
    func roundTrip() throws {
        var writer = try GGUFWriter()
        let values: [(String, GGUFValue)] = [
            ("general.architecture", .string("llama")),
            ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(65000)), ("i16", .int16(-300)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-7)), ("f32", .float32(1.5)), ("yes", .bool(true)),
            ("u64", .uint64(1 << 40)), ("i64", .int64(-(1 << 40))), ("f64", .float64(-2.25)),
            ("unicode 名前", .string("咳嗽 ✓")),
            ("empty", .array(elementType: .float32, [])),
            ("strings", .array(elementType: .string, [.string("a"), .string(""), .string("<|im_end|>")])),
            ("nested", .array(elementType: .array, [
                .array(elementType: .int32, [.int32(1), .int32(2)]),
                .array(elementType: .string, [.string("x")]),
            ])),
        ]
        for (key, value) in values { try writer.set(key, value) }
        let source = (0 ..< 64).map { Float($0) * 0.25 - 3 }
        try writer.addTensor(name: "a", floats: source, dimensions: [32, 2])
        try writer.addTensor(name: "b.q8", floats: source, dimensions: [64], as: .q8_0)
        try writer.addTensor(name: "c.bytes", type: .i8, dimensions: [3], data: Data([1, 2, 255]))
        try writer.addTensor(name: "d", floats: source, dimensions: [32, 2], as: .f16)

        let url = try Fixtures.temporaryFolder().appendingPathComponent("round.gguf")
        try writer.write(to: url)
        let file = try GGUFFile(contentsOf: url)
        #expect(file.version == 3)
        #expect(file.metadataKeys == values.map(\.0))
        for (key, value) in values { #expect(file.metadata[key] == value, "\(key)") }
        #expect(file.tensors.map(\.name) == ["a", "b.q8", "c.bytes", "d"])
        #expect(try file.floats(named: "a") == source)
        #expect(try file.floats(named: "d") == source)  // all exactly representable in half
        #expect(try file.withBytes(of: #require(file.tensor(named: "b.q8"))) { [UInt8]($0) } == (try quantize(source, as: .q8_0)))
        #expect(try file.floats(named: "c.bytes") == [1, 2, -1])
        #expect(file.tensors.allSatisfy { $0.fileOffset % 32 == 0 })
        #expect(try Data(contentsOf: url) == writer.serialized())
        try FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }

    @Test("rewriting tiny-f32.gguf from what was read gives llama.cpp's file byte for byte")
    func rewriteTinyIsIdentical() throws {
        let url = Fixtures.reference.appendingPathComponent("tiny/gguf/tiny-f32.gguf")
        let original = try GGUFFile(contentsOf: url)
        var writer = try GGUFWriter(alignment: original.alignment)
        try writer.setMetadata(from: original)
        for tensor in original.tensors {
            try writer.addTensor(name: tensor.name, type: tensor.type, dimensions: tensor.dimensions, data: original.data(of: tensor))
        }
        #expect(try writer.serialized() == Data(contentsOf: url))
    }

    @Test("rewriting the demo model gives its file byte for byte")
    func rewriteDemoModelIsIdentical() throws {
        let original = try GGUFFile(contentsOf: Fixtures.demoModel)
        var writer = try GGUFWriter(alignment: original.alignment)
        try writer.setMetadata(from: original)
        for tensor in original.tensors {
            try writer.addTensor(name: tensor.name, type: tensor.type, dimensions: tensor.dimensions, data: original.data(of: tensor))
        }
        let url = try Fixtures.temporaryFolder().appendingPathComponent("demo.gguf")
        try writer.write(to: url)
        #expect(try Data(contentsOf: url, options: .alwaysMapped) == (try Data(contentsOf: Fixtures.demoModel, options: .alwaysMapped)))
        try FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }

    @Test("a non-default alignment is written as general.alignment and honoured")
    func customAlignment() throws {
        var writer = try GGUFWriter(alignment: 64)
        try writer.addTensor(name: "x", floats: [1, 2, 3], dimensions: [3])
        try writer.addTensor(name: "y", floats: [4], dimensions: [1])
        let file = try GGUFFile(data: writer.serialized())
        #expect(file.alignment == 64)
        #expect(file.metadata["general.alignment"] == .uint32(64))
        #expect(file.tensor(named: "y")?.offset == 64)
        #expect(try file.floats(named: "y") == [4])
    }

    @Test("the writer refuses duplicate keys, duplicate tensors, wrong sizes and mixed arrays")
    func writerRefusesBadInput() throws {
        var writer = try GGUFWriter()
        try writer.set("k", .uint8(1))
        #expect(throws: GGUFError.self) { try writer.set("k", .uint8(2)) }
        #expect(throws: GGUFError.self) { try writer.set("mixed", .array(elementType: .int32, [.int32(1), .string("x")])) }
        try writer.addTensor(name: "t", floats: [1, 2], dimensions: [2])
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "t", floats: [1, 2], dimensions: [2]) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "u", type: .f32, dimensions: [3], data: Data(count: 8)) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "v", floats: [Float](repeating: 0, count: 16), dimensions: [16], as: .q8_0) }
        #expect(throws: GGUFError.self) { try GGUFWriter(alignment: 24) }
    }

    @Test("a tensor produced while the file is written gives the same file as its bytes given up front")
    func producedTensors() throws {
        let values: [Float] = (0..<64).map { Float($0) / 7 - 3 }
        let bytes = try quantize(values, as: .q8_0)
        var given = try GGUFWriter()
        try given.addTensor(name: "a", floats: [1, 2, 3], dimensions: [3])
        try given.addTensor(name: "q", type: .q8_0, dimensions: [32, 2], data: Data(bytes))
        var produced = try GGUFWriter()
        try produced.addTensor(name: "a", type: .f32, dimensions: [3]) { out in
            for (i, v) in [Float(1), 2, 3].enumerated() { out.storeBytes(of: v, toByteOffset: 4 * i, as: Float.self) }
        }
        try produced.addTensor(name: "q", type: .q8_0, dimensions: [32, 2]) { out in
            #expect(out.count == bytes.count)
            out.copyBytes(from: bytes)
        }
        #expect(try produced.serialized() == given.serialized())
        struct Refused: Error {}
        try produced.addTensor(name: "bad", type: .f32, dimensions: [1]) { _ in throw Refused() }
        let folder = try Fixtures.temporaryFolder()
        #expect(throws: GGUFError.self) { try produced.write(to: folder.appendingPathComponent("x.gguf")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        try FileManager.default.removeItem(at: folder)
    }
}
