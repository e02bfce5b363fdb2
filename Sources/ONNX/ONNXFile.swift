// ONNX model files: a ModelProto holding the graph. Field numbers are onnx.proto's:
//
//     ModelProto          ir_version 1, producer_name 2, producer_version 3, graph 7,
//                         opset_import 8, metadata_props 14 (StringStringEntryProto: key 1, value 2)
//     OperatorSetIdProto  domain 1, version 2
//
// A protobuf message may not exceed 2 GiB, so larger models keep their initializers' data
// in `<file name>.data` beside the model, each tensor at an offset that is a multiple of
// 4096 (so runtimes can map it), small tensors (under 1 KiB) staying inline.

import Foundation

/// Writing an `ONNXGraph` as a model file.
public enum ONNXFile {
    /// protobuf's limit on one message.
    public static let messageLimit = Int(Int32.max)
    static let externalAlignment = 4096
    static let externalMinimumBytes = 1024

    /// Writes `graph` as an ONNX model at `url` (through a temporary name, then renamed).
    /// `externalData`: true puts the initializers' data in `<file name>.data`; nil does so
    /// only when the model would not fit one protobuf message.
    public static func write(_ graph: ONNXGraph, to url: URL, opset: Int, irVersion: Int = 8,
                             producer: String = "pipe", metadata: [(String, String)] = [],
                             externalData: Bool? = nil) throws {
        let inline = model(graph, opset: opset, irVersion: irVersion, producer: producer, metadata: metadata) {
            $0.proto()
        }
        let inlineSize = inline.encodedSize
        if externalData == false && inlineSize > messageLimit { throw ONNXError.tooLargeForOneFile(bytes: inlineSize) }
        let external = externalData ?? (inlineSize > messageLimit)
        let dataURL = URL(fileURLWithPath: url.path + ".data")
        var message = inline
        var written: [URL] = []
        defer { for partial in written { try? FileManager.default.removeItem(at: partial) } }
        if external {
            var offsets: [String: Int] = [:]
            var end = 0
            for t in graph.initializers where t.byteCount >= externalMinimumBytes {
                end = (end + externalAlignment - 1) / externalAlignment * externalAlignment
                offsets[t.name] = end
                end += t.byteCount
            }
            let location = dataURL.lastPathComponent
            message = model(graph, opset: opset, irVersion: irVersion, producer: producer, metadata: metadata) { t in
                offsets[t.name].map { t.externalProto(location: location, offset: $0) } ?? t.proto()
            }
            let partial = partialURL(dataURL)
            written.append(partial)
            let out = try ProtoOutput(file: partial)
            for t in graph.initializers {
                guard let offset = offsets[t.name] else { continue }
                let padding = [UInt8](repeating: 0, count: offset - out.count)
                padding.withUnsafeBytes { out.append($0) }
                try t.write(out)
                guard out.count == offset + t.byteCount else {
                    throw ONNXError.internalInconsistency(
                        "tensor \(t.name) wrote \(out.count - offset) of \(t.byteCount) bytes")
                }
                try out.flushIfFull()
            }
            try out.close()
        }
        let partial = partialURL(url)
        written.append(partial)
        let out = try ProtoOutput(file: partial)
        try message.write(to: out)
        try out.close()
        if external { try replace(dataURL, with: partialURL(dataURL)) }
        else { try? FileManager.default.removeItem(at: dataURL) }  // a stale one from an earlier export
        try replace(url, with: partial)
    }

    /// The ModelProto of `graph` with one opset import of the default domain.
    static func model(_ graph: ONNXGraph, opset: Int, irVersion: Int, producer: String, metadata: [(String, String)],
                      initializer: (ONNXTensor) -> ProtoMessage) -> ProtoMessage {
        var m = ProtoMessage()
        m.int(1, irVersion)
        m.string(2, producer)
        m.message(7, graph.proto(initializer: initializer))
        var opsetImport = ProtoMessage()
        opsetImport.string(1, "")
        opsetImport.int(2, opset)
        m.message(8, opsetImport)
        for (key, value) in metadata {
            var entry = ProtoMessage()
            entry.string(1, key)
            entry.string(2, value)
            m.message(14, entry)
        }
        return m
    }

    /// The ModelProto bytes of a small model (all data inline), in memory.
    public static func encoded(_ graph: ONNXGraph, opset: Int, irVersion: Int = 8,
                               producer: String = "pipe") throws -> [UInt8] {
        try model(graph, opset: opset, irVersion: irVersion, producer: producer, metadata: []) { $0.proto() }.encoded()
    }

    private static func partialURL(_ url: URL) -> URL { URL(fileURLWithPath: url.path + ".partial") }

    private static func replace(_ url: URL, with partial: URL) throws {
        do {
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: partial, to: url)
        } catch {
            throw ONNXError.cannotWrite(path: url.path, reason: "\(error)")
        }
    }
}
