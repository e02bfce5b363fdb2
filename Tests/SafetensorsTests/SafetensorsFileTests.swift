import Foundation
import Safetensors
import Testing

@Suite("Reading and writing safetensors")
struct SafetensorsFileTests {
    @Test("the tiny model's weights read with their shapes, metadata and values")
    func tinyModel() throws {
        let file = try SafetensorsFile(contentsOf: Fixtures.reference.appendingPathComponent("tiny/model.safetensors"))
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensorNames.count == 2 * 9 + 3)
        #expect(file.tensorNames.first == "lm_head.weight")
        let q = try #require(file.info("model.layers.0.self_attn.q_proj.weight"))
        #expect(q.dtype == .f32 && q.shape == [64, 64] && q.byteCount == 64 * 64 * 4)
        #expect(file.info("model.layers.1.self_attn.k_proj.weight")?.shape == [32, 64])
        let norm = try file.floats("model.norm.weight")
        #expect(norm.count == 64 && norm.allSatisfy { $0.isFinite })
        // Raw bytes, read independently, agree with the conversion.
        let data = try file.data("model.norm.weight")
        let first = data.withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
        #expect(first == norm[0])
    }

    @Test("integer tensors read as Int32 and Int64")
    func integers() throws {
        let file = try SafetensorsFile(contentsOf: Fixtures.reference.appendingPathComponent("tiny/reference.safetensors"))
        let ids = try file.int32s("batch.input_ids")
        #expect(ids.count == 32 && ids.allSatisfy { (0 ..< 300).contains($0) })
        #expect(try file.int64s("batch.labels").contains(-100))
        #expect(throws: SafetensorsError.unsupportedConversion(tensor: "batch.input_ids", dtype: .i32, to: "Float")) {
            try file.floats("batch.input_ids")
        }
        #expect(throws: SafetensorsError.tensorNotFound("nope")) { try file.floats("nope") }
    }

    @Test("written files read back with the same tensors, values and metadata; F16/BF16 round to nearest even")
    func roundTrip() throws {
        var writer = SafetensorsWriter()
        writer.metadata = ["format": "pt", "note": "quote \" and\nnewline 咳嗽"]
        let values: [Float] = [0, 1, -2.5, 65504, 1e-8, 3.14159265, -0.0, 1 + 1.0 / 2048]
        try writer.add("w.f32", floats: values, shape: [2, 4])
        try writer.add("w.f16", floats: values, shape: [8], as: .f16)
        try writer.add("w.bf16", floats: values, shape: [4, 2], as: .bf16)
        try writer.add("ids", int32s: [1, -100, 7], shape: [3])
        try writer.add("big", int64s: [1 << 40], shape: [1])
        try writer.add("scalar", floats: [42], shape: [])
        try writer.add("empty", floats: [], shape: [0, 3])
        let url = try Fixtures.temporaryFolder().appendingPathComponent("model.safetensors")
        try writer.write(to: url)
        let bytes = try Data(contentsOf: url)
        #expect(bytes == writer.serialized())
        #expect((8 + bytes.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }) % 8 == 0)

        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.metadata == writer.metadata)
        #expect(file.tensorNames == ["w.f32", "w.f16", "w.bf16", "ids", "big", "scalar", "empty"])
        #expect(try file.floats("w.f32") == values)
        #expect(try file.floats("w.f16") == [0, 1, -2.5, 65504, 0, 3.140625, -0.0, 1])  // 1e-8 underflows; tie to even
        #expect(try file.floats("w.bf16") == [0, 1, -2.5, 65536, 1.0011717677116394e-08, 3.140625, -0.0, 1])
        #expect(try file.int32s("ids") == [1, -100, 7])
        #expect(throws: SafetensorsError.valueOutOfRange(tensor: "big", index: 0)) { try file.int32s("big") }
        #expect(try file.int64s("big") == [1 << 40])
        #expect(file.info("scalar")?.shape == [])
        #expect(try file.floats("scalar") == [42])
        #expect(try file.floats("empty") == [])
        #expect(throws: SafetensorsError.self) { try writer.add("ids", int32s: [1], shape: [1]) }
        #expect(throws: SafetensorsError.self) { try writer.add("bad", floats: [1, 2], shape: [3]) }
        try FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }

    @Test("a sharded folder opens every shard through its index")
    func shardedFolder() throws {
        let folder = try Fixtures.temporaryFolder()
        var first = SafetensorsWriter(), second = SafetensorsWriter()
        try first.add("a", floats: [1, 2], shape: [2])
        try second.add("b", floats: [3], shape: [1])
        try second.add("c", int32s: [4], shape: [1])
        try first.write(to: folder.appendingPathComponent("model-00001-of-00002.safetensors"))
        try second.write(to: folder.appendingPathComponent("model-00002-of-00002.safetensors"))
        let index = """
        {"metadata": {"total_size": 16}, "weight_map": {"a": "model-00001-of-00002.safetensors",
         "b": "model-00002-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}
        """
        try Data(index.utf8).write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        let weights = try SafetensorsFolder(contentsOf: folder)
        #expect(weights.tensorNames == ["a", "b", "c"])
        #expect(weights.files.count == 2)
        #expect(try weights.floats("a") == [1, 2])
        #expect(try weights.floats("b") == [3])
        #expect(try weights.int32s("c") == [4])
        #expect(throws: SafetensorsError.tensorNotFound("d")) { try weights.floats("d") }

        let broken = index.replacingOccurrences(of: "\"c\": \"model-00002", with: "\"c\": \"model-00001")
        try Data(broken.utf8).write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        #expect(throws: SafetensorsError.self) { try SafetensorsFolder(contentsOf: folder) }
        try FileManager.default.removeItem(at: folder)
    }

    @Test("a folder with one model.safetensors opens without an index")
    func singleFileFolder() throws {
        let folder = try Fixtures.temporaryFolder()
        var writer = SafetensorsWriter()
        try writer.add("x", floats: [5], shape: [1])
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        #expect(try SafetensorsFolder(contentsOf: folder).floats("x") == [5])
        try FileManager.default.removeItem(at: folder)
        #expect(throws: SafetensorsError.self) { try SafetensorsFolder(contentsOf: folder) }
    }
}
