import Foundation
import ONNX
import Testing
import TestSupport

@Suite("ONNX model files")
struct ONNXFileTests {
    /// y = x + c, with x (n) float and c = [2] an initializer.
    static func addGraph() -> ONNXGraph {
        var g = ONNXGraph(name: "g")
        let x = g.input("x", .float, [.named("n")])
        let c = g.initializer(ONNXTensor(name: "c", floats: [2]))
        g.op("Add", [x, c], named: "y")
        g.output("y", .float, [.named("n")])
        return g
    }

    /// onnxruntime 1.32 runs these bytes: x = [1, 5] gives y = [3, 7].
    static let golden: [UInt8] = [
        0x08, 0x08, 0x12, 0x04, 0x70, 0x69, 0x70, 0x65,                    // ir_version 8, producer "pipe"
        0x3a, 0x4d,                                                        // graph (77 bytes)
        0x0a, 0x15, 0x0a, 0x01, 0x78, 0x0a, 0x01, 0x63, 0x12, 0x01, 0x79,  //   node: inputs x, c; output y
        0x1a, 0x05, 0x41, 0x64, 0x64, 0x5f, 0x30, 0x22, 0x03, 0x41, 0x64, 0x64,  // name Add_0, op Add
        0x12, 0x01, 0x67,                                                  //   name "g"
        0x2a, 0x0d, 0x08, 0x01, 0x10, 0x01, 0x42, 0x01, 0x63,              //   initializer: dims [1], FLOAT, "c"
        0x4a, 0x04, 0x00, 0x00, 0x00, 0x40,                                //     raw_data 2.0
        0x5a, 0x10, 0x0a, 0x01, 0x78, 0x12, 0x0b, 0x0a, 0x09, 0x08, 0x01,  //   input x: tensor FLOAT
        0x12, 0x05, 0x0a, 0x03, 0x12, 0x01, 0x6e,                          //     shape [n]
        0x62, 0x10, 0x0a, 0x01, 0x79, 0x12, 0x0b, 0x0a, 0x09, 0x08, 0x01,  //   output y: tensor FLOAT
        0x12, 0x05, 0x0a, 0x03, 0x12, 0x01, 0x6e,                          //     shape [n]
        0x42, 0x04, 0x0a, 0x00, 0x10, 0x11,                                // opset_import: domain "", 17
    ]

    @Test("a one-node model encodes to the golden bytes")
    func goldenModel() throws {
        #expect(try ONNXFile.encoded(Self.addGraph(), opset: 17) == Self.golden)
    }

    @Test("a written model reads back with its opset, values, node and initializer data")
    func roundTrip() throws {
        let folder = try makeTemporaryFolder("onnx-file")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("add.onnx")
        try ONNXFile.write(Self.addGraph(), to: url, opset: 17, metadata: [("k", "v")])
        let info = try ONNXModelInfo(contentsOf: url)
        #expect(info.irVersion == 8)
        #expect(info.opsets == ["": 17])
        #expect(info.producer == "pipe")
        #expect(info.metadata == ["k": "v"])
        #expect(info.inputs == [.init(name: "x", type: 1, shape: [.named("n")])])
        #expect(info.outputs == [.init(name: "y", type: 1, shape: [.named("n")])])
        #expect(info.nodes == [.init(opType: "Add", domain: "", inputs: ["x", "c"], outputs: ["y"])])
        #expect(info.initializers.map(\.shape) == [[1]])
        #expect(try info.floats(of: "c") == [2])
        #expect(!FileManager.default.fileExists(atPath: url.path + ".data"))
    }

    @Test("bytes that are not an ONNX model are refused")
    func notAModel() throws {
        #expect(throws: ONNXError.malformed(offset: 0, reason: "no ir_version (field 1): not an ONNX model")) {
            try ONNXModelInfo(data: Data([0x12, 0x01, 0x61]))
        }
        #expect(throws: ONNXError.self) { try ONNXModelInfo(data: Data(Self.golden.dropLast(3))) }
    }
}
