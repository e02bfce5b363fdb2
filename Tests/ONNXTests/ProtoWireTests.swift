import Foundation
import ONNX
import Testing

@Suite("Protobuf wire format")
struct ProtoWireTests {
    /// One field of each kind the ONNX writer uses, with the bytes protobuf defines for it.
    static func sample() -> (ProtoMessage, [UInt8]) {
        var nested = ProtoMessage()
        nested.int(1, 1)
        var m = ProtoMessage()
        m.int(1, 150)
        m.string(2, "testing")
        m.int(3, -1)
        m.float(4, 1.5)
        m.packedInts(5, [3, 270, 86942])
        m.message(6, nested)
        m.stream(7, count: 3) { out in [UInt8]([1, 2, 3]).withUnsafeBytes { out.append($0) } }
        let golden: [UInt8] = [
            0x08, 0x96, 0x01,                                                  // 1: varint 150
            0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,              // 2: "testing"
            0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,  // 3: int64 -1, ten bytes
            0x25, 0x00, 0x00, 0xc0, 0x3f,                                      // 4: fixed32 1.5
            0x2a, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05,                    // 5: packed 3, 270, 86942
            0x32, 0x02, 0x08, 0x01,                                            // 6: message {1: 1}
            0x3a, 0x03, 0x01, 0x02, 0x03,                                      // 7: streamed bytes
        ]
        return (m, golden)
    }

    @Test("each field kind encodes to the bytes protobuf defines")
    func goldenBytes() throws {
        let (m, golden) = Self.sample()
        #expect(try m.encoded() == golden)
        #expect(m.encodedSize == golden.count)
    }

    @Test("the reader gives back every field that was written")
    func roundTrip() throws {
        let (m, _) = Self.sample()
        let r = try ProtoReader(Data(try m.encoded()))
        #expect(try r.int(1) == 150)
        #expect(try r.string(2) == "testing")
        #expect(try r.int(3) == -1)
        #expect(try r.float(4) == 1.5)
        #expect(try r.ints(5) == [3, 270, 86942])
        #expect(try r.message(6)?.int(1) == 1)
        #expect(try r.byteRanges(7).map { Array(r.data[$0]) } == [[1, 2, 3]])
    }

    @Test("a stream that writes other than the promised byte count is an error, not a corrupt file")
    func streamCountChecked() {
        var m = ProtoMessage()
        m.stream(1, count: 4) { out in [UInt8]([1, 2]).withUnsafeBytes { out.append($0) } }
        #expect(throws: ONNXError.self) { try m.encoded() }
    }

    @Test("malformed bytes fail with the offset where reading stopped", arguments: [
        ([0x08, 0x96], 1, "varint runs past the end"),             // varint cut short
        ([0x08, 0x01, 0x12, 0x05, 0x61], 2, "claims 5 bytes"),    // length past the end
        ([0x08, 0x01, 0x0b], 2, "wire type 3"),                   // start-group: not used by ONNX
        ([0x00, 0x01], 0, "field number 0"),                      // field 0 does not exist
        ([0x0d, 0x00, 0x00], 1, "4-byte value"),                  // fixed32 cut short
    ] as [([UInt8], Int, String)])
    func malformed(bytes: [UInt8], offset: Int, reason: String) {
        do {
            _ = try ProtoReader(Data(bytes))
            Issue.record("\(bytes) parsed")
        } catch let ONNXError.malformed(at, why) {
            #expect(at == offset)
            #expect(why.contains(reason), "\(why)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
