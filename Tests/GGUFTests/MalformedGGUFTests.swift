import Foundation
import GGUF
import Testing

/// Hand-assembled GGUF bytes, recording where each field starts so tests can name the offset.
struct RawGGUF {
    var bytes: [UInt8] = []
    var offset: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += s.utf8 }
    mutating func header(version: UInt32 = 3, tensors: UInt64, keys: UInt64) {
        bytes += Array("GGUF".utf8)
        u32(version)
        u64(tensors)
        u64(keys)
    }
    /// A key-value of type uint32.
    mutating func keyU32(_ key: String, _ value: UInt32) { string(key); u32(4); u32(value) }
    /// A tensor info; returns the offsets of its name and of its data-offset field.
    @discardableResult
    mutating func tensorInfo(_ name: String, dims: [UInt64], type: UInt32, dataOffset: UInt64) -> (name: Int, offsetField: Int) {
        let nameAt = offset
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        let field = offset
        u64(dataOffset)
        return (nameAt, field)
    }
    mutating func padData(to alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// Writes the bytes to a temporary file and opens them with the reader.
    func open() throws -> GGUFFile {
        let url = try Fixtures.temporaryFolder().appendingPathComponent("bad.gguf")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data(bytes).write(to: url)
        return try GGUFFile(contentsOf: url)
    }
}

@Suite("Malformed GGUF files fail with the right error and offset")
struct MalformedGGUFTests {
    @Test("a well-formed handmade file opens (the baseline the malformed ones break)")
    func baseline() throws {
        var raw = RawGGUF()
        raw.header(tensors: 1, keys: 1)
        raw.keyU32("answer", 42)
        raw.tensorInfo("t", dims: [4], type: 0, dataOffset: 0)
        raw.padData()
        for v in [Float](arrayLiteral: 1, 2, 3, 4) { raw.u32(v.bitPattern) }
        let file = try raw.open()
        #expect(file.metadata.int("answer") == 42)
        #expect(try file.floats(named: "t") == [1, 2, 3, 4])
    }

    @Test("version 2 files, which share version 3's layout, open")
    func versionTwo() throws {
        var raw = RawGGUF()
        raw.header(version: 2, tensors: 0, keys: 1)
        raw.keyU32("answer", 7)
        let file = try raw.open()
        #expect(file.version == 2 && file.metadata.int("answer") == 7)
    }

    @Test("a missing file and a folder fail as I/O errors naming the path")
    func ioErrors() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("nope.gguf")
        #expect(throws: GGUFError.io(path: missing.path, reason: "No such file or directory")) { try GGUFFile(contentsOf: missing) }
        #expect(throws: GGUFError.io(path: folder.path, reason: "is a folder, not a regular file")) { try GGUFFile(contentsOf: folder) }
    }

    @Test("a FIFO or a device is refused without being opened, so nothing blocks")
    func specialFiles() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("model.gguf")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        // Opening a FIFO for reading blocks until a writer appears; holding one open here keeps a
        // reader that opens it anyway (as the reader did before the fix) from hanging the test.
        let writer = open(fifo.path, O_RDWR | O_NONBLOCK)
        defer { close(writer) }
        #expect(throws: GGUFError.io(path: fifo.path, reason: "is a FIFO (named pipe), not a regular file")) { try GGUFFile(contentsOf: fifo) }
        #expect(throws: GGUFError.io(path: "/dev/zero", reason: "is a character device, not a regular file")) {
            try GGUFFile(contentsOf: URL(fileURLWithPath: "/dev/zero"))
        }
    }

    @Test("bad magic")
    func badMagic() {
        var raw = RawGGUF()
        raw.bytes += Array("GGUX".utf8)
        raw.u32(3); raw.u64(0); raw.u64(0)
        #expect(throws: GGUFError.badMagic(found: 0x5855_4747, offset: 0)) { try raw.open() }
    }

    @Test("unsupported versions 1 and 4")
    func unsupportedVersion() {
        for version: UInt32 in [1, 4] {
            var raw = RawGGUF()
            raw.header(version: version, tensors: 0, keys: 0)
            #expect(throws: GGUFError.unsupportedVersion(version, offset: 4)) { try raw.open() }
        }
    }

    @Test("an empty file and a truncated header")
    func truncatedHeader() {
        #expect(throws: GGUFError.truncated(what: "magic", offset: 0, needed: 4, available: 0)) { try RawGGUF().open() }
        var raw = RawGGUF()
        raw.bytes += Array("GGUF".utf8)
        raw.u32(3)
        raw.u32(0)  // half of the tensor count
        #expect(throws: GGUFError.truncated(what: "tensor count", offset: 8, needed: 8, available: 4)) { try raw.open() }
    }

    @Test("a metadata string cut off by the end of the file")
    func truncatedString() {
        var raw = RawGGUF()
        raw.header(tensors: 0, keys: 1)
        raw.string("general.name"); raw.u32(8)
        let stringAt = raw.offset
        raw.u64(100)
        raw.bytes += Array("only a few".utf8)
        #expect(throws: GGUFError.truncated(what: "string value of general.name", offset: stringAt + 8, needed: 100, available: 10)) {
            try raw.open()
        }
    }

    @Test("an absurd string length")
    func absurdStringLength() {
        var raw = RawGGUF()
        raw.header(tensors: 0, keys: 1)
        let keyAt = raw.offset
        raw.u64(1 << 62)
        raw.bytes += Array(repeating: 65, count: 20)
        #expect(throws: GGUFError.absurdLength(what: "key of metadata entry 0", length: 1 << 62, offset: keyAt)) { try raw.open() }
    }

    @Test("an absurd array count, and a count larger than the rest of the file")
    func absurdArrayCount() {
        var raw = RawGGUF()
        raw.header(tensors: 0, keys: 1)
        raw.string("tokenizer.ggml.tokens"); raw.u32(9); raw.u32(8)
        let countAt = raw.offset
        raw.u64(1 << 40)
        #expect(throws: GGUFError.absurdCount(what: "array element (tokenizer.ggml.tokens)", count: 1 << 40, offset: countAt)) {
            try raw.open()
        }
        var short = RawGGUF()
        short.header(tensors: 0, keys: 1)
        short.string("scores"); short.u32(9); short.u32(6)
        short.u64(1000)
        short.u32(0)
        let end = short.offset - 4
        #expect(throws: GGUFError.truncated(what: "1000 array element (scores) entries", offset: end, needed: 4000, available: 4)) {
            try short.open()
        }
    }

    @Test("an absurd tensor count")
    func absurdTensorCount() {
        var raw = RawGGUF()
        raw.header(tensors: 1 << 50, keys: 0)
        #expect(throws: GGUFError.absurdCount(what: "tensor", count: 1 << 50, offset: 8)) { try raw.open() }
    }

    @Test("a duplicate key")
    func duplicateKey() {
        var raw = RawGGUF()
        raw.header(tensors: 0, keys: 2)
        raw.keyU32("llama.block_count", 30)
        let secondAt = raw.offset
        raw.keyU32("llama.block_count", 31)
        #expect(throws: GGUFError.duplicateKey("llama.block_count", offset: secondAt)) { try raw.open() }
    }

    @Test("an unknown value type, at top level and inside an array")
    func unknownValueType() {
        var raw = RawGGUF()
        raw.header(tensors: 0, keys: 1)
        raw.string("k")
        let typeAt = raw.offset
        raw.u32(13); raw.u32(0)
        #expect(throws: GGUFError.unknownValueType(13, key: "k", offset: typeAt)) { try raw.open() }
        var array = RawGGUF()
        array.header(tensors: 0, keys: 1)
        array.string("a"); array.u32(9)
        let elementTypeAt = array.offset
        array.u32(99); array.u64(0)
        #expect(throws: GGUFError.unknownValueType(99, key: "a", offset: elementTypeAt)) { try array.open() }
    }

    @Test("arrays nested too deep")
    func nestingTooDeep() throws {
        var raw = RawGGUF()
        raw.header(tensors: 0, keys: 1)
        raw.string("deep"); raw.u32(9)
        for _ in 0 ..< 20 { raw.u32(9); raw.u64(1) }
        raw.u32(0); raw.u64(0)
        #expect(throws: GGUFError.nestingTooDeep(key: "deep", offset: 4 + 4 + 8 + 8 + 12 + 4 + 8 * 12)) { try raw.open() }
    }

    @Test("an unknown tensor type")
    func unknownTensorType() {
        var raw = RawGGUF()
        raw.header(tensors: 1, keys: 0)
        raw.string("t"); raw.u32(1); raw.u64(32)
        let typeAt = raw.offset
        raw.u32(4)  // Q4_2, removed from ggml
        raw.u64(0)
        raw.padData()
        raw.bytes += [UInt8](repeating: 0, count: 128)
        #expect(throws: GGUFError.unknownTensorType(4, tensor: "t", offset: typeAt)) { try raw.open() }
    }

    @Test("invalid dimensions: none, five, and a row that is not whole blocks")
    func invalidDimensions() {
        for dims: [UInt64] in [[], [1, 1, 1, 1, 1], [33]] {
            var raw = RawGGUF()
            raw.header(tensors: 1, keys: 0)
            raw.string("t")
            let dimsAt = raw.offset
            raw.u32(UInt32(dims.count))
            for d in dims { raw.u64(d) }
            raw.u32(8); raw.u64(0)
            raw.padData()
            raw.bytes += [UInt8](repeating: 0, count: 64)
            #expect(throws: GGUFError.self) { try raw.open() }
            do { _ = try raw.open() } catch let GGUFError.invalidDimensions(tensor, _, offset) {
                #expect(tensor == "t" && offset == dimsAt)
            } catch { Issue.record("unexpected \(error)") }
        }
    }

    @Test("a misaligned tensor offset")
    func misalignedOffset() {
        var raw = RawGGUF()
        raw.header(tensors: 1, keys: 0)
        let at = raw.tensorInfo("t", dims: [4], type: 0, dataOffset: 16)
        raw.padData()
        raw.bytes += [UInt8](repeating: 0, count: 64)
        #expect(throws: GGUFError.misalignedTensorOffset(tensor: "t", tensorOffset: 16, alignment: 32, offset: at.offsetField)) {
            try raw.open()
        }
    }

    @Test("a bad general.alignment")
    func badAlignment() {
        var raw = RawGGUF()
        raw.header(tensors: 0, keys: 1)
        raw.keyU32("general.alignment", 24)
        #expect(throws: GGUFError.badMetadata(key: "general.alignment", reason: "expected a power-of-two integer, got 24", offset: 8)) {
            try raw.open()
        }
    }

    @Test("tensor data past the end of the file, and an offset that overflows")
    func dataPastEnd() {
        for dataOffset: UInt64 in [0, UInt64.max - 31] {
            var raw = RawGGUF()
            raw.header(tensors: 1, keys: 0)
            let at = raw.tensorInfo("t", dims: [64], type: 0, dataOffset: dataOffset)
            raw.padData()
            raw.bytes += [UInt8](repeating: 0, count: 100)  // 256 needed
            let end = dataOffset == 0 ? 256 : UInt64.max
            #expect(throws: GGUFError.tensorOutOfRange(tensor: "t", start: dataOffset, end: end, dataSize: 100, offset: at.offsetField)) {
                try raw.open()
            }
        }
    }

    @Test("overlapping tensors")
    func overlapping() {
        var raw = RawGGUF()
        raw.header(tensors: 2, keys: 0)
        raw.tensorInfo("a", dims: [16], type: 0, dataOffset: 0)
        let b = raw.tensorInfo("b", dims: [16], type: 0, dataOffset: 32)
        raw.padData()
        raw.bytes += [UInt8](repeating: 0, count: 128)
        #expect(throws: GGUFError.overlappingTensors("a", "b", offset: b.offsetField)) { try raw.open() }
    }

    @Test("a duplicate tensor name")
    func duplicateTensorName() {
        var raw = RawGGUF()
        raw.header(tensors: 2, keys: 0)
        raw.tensorInfo("w", dims: [4], type: 0, dataOffset: 0)
        let second = raw.tensorInfo("w", dims: [4], type: 0, dataOffset: 32)
        raw.padData()
        raw.bytes += [UInt8](repeating: 0, count: 64)
        #expect(throws: GGUFError.duplicateTensorName("w", offset: second.name)) { try raw.open() }
    }

    @Test("invalid UTF-8 in a key and a non-0/1 bool")
    func invalidUTF8AndBool() {
        var raw = RawGGUF()
        raw.header(tensors: 0, keys: 1)
        raw.u64(2)
        let bytesAt = raw.offset
        raw.bytes += [0xC3, 0x28]
        raw.u32(0); raw.u8(0)
        #expect(throws: GGUFError.invalidUTF8(what: "key of metadata entry 0", offset: bytesAt)) { try raw.open() }
        var bool = RawGGUF()
        bool.header(tensors: 0, keys: 1)
        bool.string("b"); bool.u32(7)
        let at = bool.offset
        bool.u8(2)
        #expect(throws: GGUFError.badMetadata(key: "b", reason: "bool byte 2 is neither 0 nor 1", offset: at)) { try bool.open() }
    }

    @Test("every prefix of a valid file fails cleanly, never crashes")
    func everyTruncation() throws {
        var writer = try GGUFWriter()
        try writer.set("general.architecture", .string("llama"))
        try writer.set("tokens", .array(elementType: .string, [.string("a"), .string("bc")]))
        try writer.set("nested", .array(elementType: .array, [.array(elementType: .uint8, [.uint8(1)])]))
        try writer.addTensor(name: "t", floats: [Float](repeating: 1, count: 32), dimensions: [32], as: .q8_0)
        let bytes = try writer.serialized()
        let file = try GGUFFile(data: bytes)
        let t = try #require(file.tensor(named: "t"))
        // Padding after the last tensor is optional; any shorter prefix is broken.
        #expect(try GGUFFile(data: bytes.prefix(t.fileOffset + t.byteCount)).tensors.count == 1)
        for length in 0 ..< t.fileOffset + t.byteCount {
            #expect(throws: GGUFError.self, "prefix \(length)") { try GGUFFile(data: bytes.prefix(length)) }
        }
    }
}
