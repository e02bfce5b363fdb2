// A Hugging Face weights folder: one `model.safetensors`, or shards listed by
// `model.safetensors.index.json` ({"metadata": {...}, "weight_map": {"<tensor>": "<shard file>"}}).
// Every shard is opened (mapped) once; tensors are looked up by name across shards.

import Foundation

/// The safetensors weights of a folder (single file or sharded), looked up by tensor name.
public struct SafetensorsFolder: Sendable {
    /// The opened files, in shard-name order.
    public let files: [SafetensorsFile]
    /// Tensor names across all shards, sorted.
    public let tensorNames: [String]
    private let owner: [String: Int]

    /// Opens `url`: a folder (with `model.safetensors.index.json`, `model.safetensors`, or other
    /// `.safetensors` files), an index file, or a single `.safetensors` file.
    public init(contentsOf url: URL) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw SafetensorsError.io(path: url.path, reason: "no such file or folder")
        }
        var shardURLs: [URL]
        var expected: [String: String]? = nil
        let index = isFolder.boolValue ? url.appendingPathComponent("model.safetensors.index.json") : url
        if url.pathExtension == "json" || (isFolder.boolValue && manager.fileExists(atPath: index.path)) {
            let map = try Self.readIndex(index)
            expected = map
            let folder = index.deletingLastPathComponent()
            shardURLs = Set(map.values).sorted().map { folder.appendingPathComponent($0) }
        } else if isFolder.boolValue {
            let names = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
            shardURLs = names.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }.sorted()
                .map { url.appendingPathComponent($0) }
            if names.contains("model.safetensors") { shardURLs = [url.appendingPathComponent("model.safetensors")] }
            guard !shardURLs.isEmpty else { throw SafetensorsError.noWeights(path: url.path) }
        } else {
            shardURLs = [url]
        }

        var files: [SafetensorsFile] = []
        var owner: [String: Int] = [:]
        for (i, shard) in shardURLs.enumerated() {
            let file = try SafetensorsFile(contentsOf: shard)
            for name in file.tensorNames {
                guard owner[name] == nil else {
                    throw SafetensorsError.invalidIndex(path: url.path, reason: "tensor \"\(name)\" is in two shards")
                }
                owner[name] = i
            }
            files.append(file)
        }
        if let expected {
            for (name, shard) in expected {
                guard let i = owner[name], shardURLs[i].lastPathComponent == (shard as NSString).lastPathComponent
                else {
                    throw SafetensorsError.invalidIndex(
                        path: index.path,
                        reason: "tensor \"\(name)\" is not in its shard \(shard)")
                }
            }
        }
        self.files = files
        self.owner = owner
        self.tensorNames = owner.keys.sorted()
    }

    private static func readIndex(_ url: URL) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafetensorsError.io(path: url.path, reason: error.localizedDescription)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let weightMap = object["weight_map"] as? [String: Any]
        else {
            throw SafetensorsError.invalidIndex(
                path: url.path, reason: "expected an object with a \"weight_map\" object")
        }
        var map: [String: String] = [:]
        for (name, value) in weightMap {
            guard let shard = value as? String, !shard.contains("/"), shard.hasSuffix(".safetensors") else {
                throw SafetensorsError.invalidIndex(
                    path: url.path, reason: "weight_map.\(name) is not a shard file name")
            }
            map[name] = shard
        }
        return map
    }

    /// The file holding the tensor named `name`.
    public func file(containing name: String) -> SafetensorsFile? { owner[name].map { files[$0] } }

    /// The tensor named `name`, if present.
    public func info(_ name: String) -> SafetensorsTensorInfo? { file(containing: name)?.info(name) }

    /// The elements as Float (see `SafetensorsFile.floats`).
    public func floats(_ name: String) throws -> [Float] { try require(name).floats(name) }

    /// The elements as Int32 (see `SafetensorsFile.int32s`).
    public func int32s(_ name: String) throws -> [Int32] { try require(name).int32s(name) }

    /// The tensor's bytes, zero-copy.
    public func data(_ name: String) throws -> Data { try require(name).data(name) }

    private func require(_ name: String) throws -> SafetensorsFile {
        guard let file = file(containing: name) else { throw SafetensorsError.tensorNotFound(name) }
        return file
    }
}
