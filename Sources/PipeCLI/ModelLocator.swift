import ArgumentParser
import Foundation
import Llama
import ModelArtifacts
import JSON
import PipeCache
import PipeCore

/// Finds the model a command names: a GGUF file, a Hugging Face folder, or `MANIFEST:STAGE` (a
/// cached model artifact of that manifest's stage).
enum ModelLocator {
    static func open(_ reference: String) throws -> LoadedModel {
        if let (manifest, stage) = splitStageReference(reference) {
            return try openArtifact(manifest: manifest, stage: stage)
        }
        let url = URL(fileURLWithPath: reference).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ValidationError(
                "--model \(reference): no such file or folder (give a GGUF file, "
                    + "a Hugging Face folder or MANIFEST:STAGE)")
        }
        return try ModelLoader.open(url)
    }

    /// `--adapter A[:WEIGHT]`: a PEFT folder or `MANIFEST:STAGE` (a cached adapter artifact), its
    /// update scaled by WEIGHT (default 1).
    static func openAdapter(_ reference: String, config: LlamaConfig) throws -> LoRAAdapter {
        var source = reference
        var weight: Float = 1
        if let colon = reference.lastIndex(of: ":"), let value = Float(reference[reference.index(after: colon)...]),
           value.isFinite {
            source = String(reference[..<colon])
            weight = value
        }
        let adapter: LoRAAdapter
        if let (manifest, stage) = splitStageReference(source) {
            adapter = try withStageArtifact(
                manifest: manifest, stage: stage, option: "--adapter", accepting: ["adapter"]
            ) { folder, _, _ in
                try LoRAAdapter(peftFolder: folder.appendingPathComponent(AdapterArtifact.peftFolder), config: config)
            }
        } else {
            let url = URL(fileURLWithPath: source)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("adapter_config.json").path) else {
                throw ValidationError(
                    "--adapter \(source): not a PEFT adapter folder (no adapter_config.json) nor MANIFEST:STAGE")
            }
            adapter = try LoRAAdapter(peftFolder: url, config: config)
        }
        adapter.scaleUpdate(by: weight)
        return adapter
    }

    /// `path/to/m.json:stage` when the part before the last colon is an existing manifest.
    static func splitStageReference(_ reference: String) -> (URL, String)? {
        guard let colon = reference.lastIndex(of: ":") else { return nil }
        let path = String(reference[..<colon])
        let stage = String(reference[reference.index(after: colon)...])
        guard path.hasSuffix(".json"), !stage.isEmpty, FileManager.default.fileExists(atPath: path) else { return nil }
        return (URL(fileURLWithPath: path).standardizedFileURL, stage)
    }

    static func openArtifact(manifest: URL, stage: String) throws -> LoadedModel {
        try withStageArtifact(manifest: manifest, stage: stage, option: "--model", accepting: ["model", "adapter"]) {
            folder, type, store in
            // An adapter trained on a model from the cache (quantized, merged, fully trained) opens over it.
            let manifestFolder = manifest.deletingLastPathComponent()
            if type == "adapter", let adapter = try? AdapterArtifact.read(from: folder),
               adapter.base.format == .quantized || adapter.base.format == .embedded {
                return try unpacked(adapter.baseKey, from: store, as: "base") { base in
                    try openModelArtifact(in: folder, manifestFolder: manifestFolder, baseFolder: base)
                }
            }
            return try openModelArtifact(in: folder, manifestFolder: manifestFolder)
        }
    }

    /// Runs `body` on the unpacked cached artifact of a manifest's stage (its folder, type and the
    /// store), refusing a stage that is not cached or whose artifact type is not one of `accepting`.
    static func withStageArtifact<R>(manifest: URL, stage: String, option: String, accepting: [String],
                                     _ body: (URL, String, ArtifactStore) throws -> R) throws -> R {
        let options = try ManifestOptions.parse([manifest.path])
        let (pipeline, store, plan) = try options.plan()
        try checkStage(stage, in: pipeline, option: option)
        guard let key = plan.keys[stage], let entry = store.entry(for: key) else {
            throw ValidationError(
                "stage \"\(stage)\" of \(manifest.lastPathComponent) has no cached artifact; "
                    + "run `pipe run \(manifest.path) --until \(stage)` first")
        }
        guard accepting.contains(entry.type) else {
            let wanted = accepting.map { ArtifactType($0).withArticle }.joined(separator: " or ")
            throw ValidationError(
                "\(option) \(manifest.lastPathComponent):\(stage): stage \"\(stage)\" produces "
                    + "\(ArtifactType(entry.type).withArticle), not \(wanted)")
        }
        return try unpacked(key, from: store, as: "model") { folder in try body(folder, entry.type, store) }
    }

    /// Runs `body` on an artifact unpacked into a temporary folder, removed afterwards.
    static func unpacked<R>(_ key: String, from store: ArtifactStore, as prefix: String,
                            _ body: (URL) throws -> R) throws -> R {
        let folder = try store.makeTemporaryFolder(prefix)
        try? FileManager.default.removeItem(at: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.unpack(key: key, into: folder)
        return try body(folder)
    }
}
