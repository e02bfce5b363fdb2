import Foundation
import Safetensors
import Testing

@Suite("Malformed safetensors files fail with the right error")
struct MalformedSafetensorsTests {
    /// A file made of an 8-byte length, `header` and `data`, written to a temporary folder and opened.
    static func open(header: String, data: [UInt8] = [], length: UInt64? = nil) throws -> SafetensorsFile {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (length ?? UInt64(header.utf8.count)).littleEndian) { bytes += $0 }
        bytes += header.utf8
        bytes += data
        let url = try Fixtures.temporaryFolder().appendingPathComponent("bad.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data(bytes).write(to: url)
        return try SafetensorsFile(contentsOf: url)
    }

    static let zeros = [UInt8](repeating: 0, count: 16)

    @Test("a well-formed handmade file opens (the baseline)")
    func baseline() throws {
        let file = try Self.open(header: #"{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, data: Self.zeros)
        #expect(try file.floats("t") == [0, 0, 0, 0])
    }

    @Test("a file too short for the header length")
    func tooShort() throws {
        let url = try Fixtures.temporaryFolder().appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: url)
        #expect(throws: SafetensorsError.truncatedHeaderLength(fileSize: 3)) { try SafetensorsFile(contentsOf: url) }
        try FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }

    @Test("a header length past the end of the file")
    func headerPastEnd() {
        #expect(throws: SafetensorsError.headerLengthOutOfRange(length: 1000, fileSize: 8 + 2)) {
            try Self.open(header: "{}", length: 1000)
        }
        #expect(throws: SafetensorsError.headerLengthOutOfRange(length: .max, fileSize: 8 + 2)) {
            try Self.open(header: "{}", length: .max)
        }
    }

    @Test("bad JSON and a header that is not an object")
    func badJSON() {
        #expect(throws: SafetensorsError.self) { try Self.open(header: #"{"t": {"dtype": "F32",, }"#) }
        do { _ = try Self.open(header: #"{"t": {"dtype": "F32",, }"#) } catch let SafetensorsError.invalidHeader(_, offset) {
            #expect(offset == 8)
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: SafetensorsError.invalidHeader(reason: "expected a JSON object", offset: 8)) { try Self.open(header: "[1, 2]") }
        #expect(throws: SafetensorsError.self) { try Self.open(header: #"{"t": {"dtype": "F32", "shape": [1]}}"#) }
    }

    @Test("data offsets out of range or reversed")
    func offsetsOutOfRange() {
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "t", begin: 0, end: 32, dataSize: 16)) {
            try Self.open(header: #"{"t":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}"#, data: Self.zeros)
        }
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "t", begin: 8, end: 4, dataSize: 16)) {
            try Self.open(header: #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: Self.zeros)
        }
    }

    @Test("an unknown dtype")
    func unknownDType() {
        #expect(throws: SafetensorsError.unknownDType("F12", tensor: "t")) {
            try Self.open(header: #"{"t":{"dtype":"F12","shape":[4],"data_offsets":[0,16]}}"#, data: Self.zeros)
        }
    }

    @Test("a shape that disagrees with the byte count")
    func shapeMismatch() {
        #expect(throws: SafetensorsError.byteCountMismatch(tensor: "t", expected: 24, actual: 16)) {
            try Self.open(header: #"{"t":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}"#, data: Self.zeros)
        }
        #expect(throws: SafetensorsError.invalidShape(tensor: "t", reason: "-1 is not a non-negative integer")) {
            try Self.open(header: #"{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,16]}}"#, data: Self.zeros)
        }
        #expect(throws: SafetensorsError.invalidShape(tensor: "t", reason: "element count overflows")) {
            try Self.open(header: #"{"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}}"#, data: Self.zeros)
        }
    }

    @Test("overlapping tensors and a bad __metadata__")
    func overlapAndMetadata() {
        #expect(throws: SafetensorsError.overlappingTensors("a", "b")) {
            try Self.open(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                          data: Self.zeros)
        }
        #expect(throws: SafetensorsError.invalidHeader(reason: "__metadata__.n is not a string", offset: 8)) {
            try Self.open(header: #"{"__metadata__":{"n":1}}"#)
        }
    }

    @Test("every prefix of a valid file fails cleanly, never crashes")
    func everyTruncation() throws {
        var writer = SafetensorsWriter()
        writer.metadata = ["k": "v"]
        try writer.add("a", floats: [1, 2, 3], shape: [3])
        let bytes = writer.serialized()
        _ = try SafetensorsFile(data: bytes)
        for length in 0 ..< bytes.count {
            #expect(throws: SafetensorsError.self, "prefix \(length)") { try SafetensorsFile(data: bytes.prefix(length)) }
        }
    }
}
