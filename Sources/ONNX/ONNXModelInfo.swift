// Reading back what an ONNX model file declares (the field numbers of ONNXFile.swift,
// ONNXGraph.swift and ONNXTensor.swift): enough to check an export round-trips.

import Foundation

/// The opsets, inputs, outputs, nodes and initializers of an ONNX model file.
public struct ONNXModelInfo {
    public struct Value: Equatable {
        public let name: String
        public let type: Int
        public let shape: [ONNXDimension]

        public init(name: String, type: Int, shape: [ONNXDimension]) {
            self.name = name
            self.type = type
            self.shape = shape
        }
    }

    public struct Node: Equatable {
        public let opType: String
        public let domain: String
        public let inputs: [String]
        public let outputs: [String]

        public init(opType: String, domain: String, inputs: [String], outputs: [String]) {
            self.opType = opType
            self.domain = domain
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    public struct Initializer: Equatable {
        public enum Location: Equatable {
            /// Byte range of `raw_data` in the model file.
            case inline(Range<Int>)
            /// `length` bytes at `offset` of `file` (relative to the model's folder).
            case external(file: String, offset: Int, length: Int)
        }

        public let name: String
        public let type: Int
        public let shape: [Int]
        public let location: Location
    }

    public let irVersion: Int
    /// Opset version per domain ("" is the default ONNX domain).
    public let opsets: [String: Int]
    public let producer: String
    public let metadata: [String: String]
    public let inputs: [Value]
    public let outputs: [Value]
    public let nodes: [Node]
    public let initializers: [Initializer]
    private let data: Data
    private let folder: URL?

    /// Reads the model at `url` (memory-mapped).
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ONNXError.cannotRead(path: url.path, reason: "\(error)")
        }
        try self.init(data: data, folder: url.deletingLastPathComponent())
    }

    /// Reads a model from its bytes; `folder` is where external data files are looked for.
    public init(data: Data, folder: URL? = nil) throws {
        let data = data.startIndex == 0 ? data : Data(data)
        self.data = data
        self.folder = folder
        let model = try ProtoReader(data)
        guard let ir = try model.int(1) else {
            throw ONNXError.malformed(offset: 0, reason: "no ir_version (field 1): not an ONNX model")
        }
        irVersion = ir
        var opsets: [String: Int] = [:]
        for o in try model.messages(8) { opsets[try o.string(1) ?? ""] = try o.int(2) ?? 0 }
        self.opsets = opsets
        producer = try model.string(2) ?? ""
        var metadata: [String: String] = [:]
        for e in try model.messages(14) { metadata[try e.string(1) ?? ""] = try e.string(2) ?? "" }
        self.metadata = metadata
        guard let graph = try model.message(7) else {
            throw ONNXError.malformed(offset: 0, reason: "no graph (field 7)")
        }
        inputs = try graph.messages(11).map(Self.value)
        outputs = try graph.messages(12).map(Self.value)
        nodes = try graph.messages(1).map { n in
            Node(opType: try n.string(4) ?? "", domain: try n.string(7) ?? "",
                 inputs: try n.strings(1), outputs: try n.strings(2))
        }
        initializers = try graph.messages(5).map(Self.initializer)
    }

    private static func value(_ m: ProtoReader) throws -> Value {
        let tensorType = try m.message(2)?.message(1)
        let dims = try tensorType?.message(2)?.messages(1) ?? []
        return Value(name: try m.string(1) ?? "", type: try tensorType?.int(1) ?? 0, shape: try dims.map { d in
            if let v = try d.int(1) { return .fixed(v) }
            return .named(try d.string(2) ?? "")
        })
    }

    private static func initializer(_ t: ProtoReader) throws -> Initializer {
        let name = try t.string(8) ?? ""
        let location: Initializer.Location
        if try t.int(14) == 1 {
            var entries: [String: String] = [:]
            for e in try t.messages(13) { entries[try e.string(1) ?? ""] = try e.string(2) ?? "" }
            guard let file = entries["location"], let offset = Int(entries["offset"] ?? "0"),
                  let length = Int(entries["length"] ?? "") else {
                throw ONNXError.malformed(offset: t.fields.first?.offset ?? 0,
                                          reason: "external tensor \(name) lacks location, offset or length")
            }
            location = .external(file: file, offset: offset, length: length)
        } else {
            location = .inline(try t.byteRanges(9).last ?? 0..<0)
        }
        return Initializer(name: name, type: try t.int(2) ?? 0, shape: try t.ints(1), location: location)
    }

    public func initializer(named name: String) -> Initializer? { initializers.first { $0.name == name } }

    /// The values of a float32 initializer, from the model file or its external data file.
    public func floats(of name: String) throws -> [Float] {
        guard let t = initializer(named: name) else {
            throw ONNXError.malformed(offset: 0, reason: "no initializer named \(name)")
        }
        guard t.type == ONNXDataType.float.rawValue else {
            throw ONNXError.malformed(offset: 0, reason: "initializer \(name) has data type \(t.type), not float (1)")
        }
        let bytes: Data
        switch t.location {
        case let .inline(range):
            bytes = data[range]
        case let .external(file, offset, length):
            guard let folder else {
                throw ONNXError.cannotRead(path: file, reason: "no folder to look for external data in")
            }
            let url = folder.appendingPathComponent(file)
            let external: Data
            do { external = try Data(contentsOf: url, options: .alwaysMapped) } catch {
                throw ONNXError.cannotRead(path: url.path, reason: "\(error)")
            }
            guard offset >= 0, length >= 0, offset + length <= external.count else {
                throw ONNXError.cannotRead(path: url.path,
                    reason: "tensor \(name) at \(offset) + \(length) is past its \(external.count) bytes")
            }
            bytes = external[offset..<(offset + length)]
        }
        guard bytes.count == t.shape.reduce(1, *) * 4 else {
            throw ONNXError.malformed(offset: 0,
                reason: "initializer \(name) holds \(bytes.count) bytes for shape \(t.shape)")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
    }
}
