import ArgumentParser
import Foundation
import Llama
import ModelArtifacts
import JSON
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
            let options = try ManifestOptions.parse([manifest.path])
            let (pipeline, store, plan) = try options.plan()
            try checkStage(stage, in: pipeline, option: "--adapter")
            guard let key = plan.keys[stage], let entry = store.entry(for: key) else {
                throw ValidationError(
                    "stage \"\(stage)\" of \(manifest.lastPathComponent) has no cached artifact; "
                        + "run `pipe run \(manifest.path) --until \(stage)` first")
            }
            guard entry.type == "adapter" else {
                throw ValidationError(
                    "--adapter \(source): stage \"\(stage)\" produces "
                        + "\(ArtifactType(entry.type).withArticle), not an adapter")
            }
            let folder = try store.makeTemporaryFolder("adapter")
            try? FileManager.default.removeItem(at: folder)
            defer { try? FileManager.default.removeItem(at: folder) }
            try store.unpack(key: key, into: folder)
            adapter = try LoRAAdapter(
                peftFolder: folder.appendingPathComponent(AdapterArtifact.peftFolder), config: config)
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
        let options = try ManifestOptions.parse([manifest.path])
        let (pipeline, store, plan) = try options.plan()
        try checkStage(stage, in: pipeline, option: "--model")
        guard let key = plan.keys[stage], let entry = store.entry(for: key) else {
            throw ValidationError(
                "stage \"\(stage)\" of \(manifest.lastPathComponent) has no cached artifact; "
                    + "run `pipe run \(manifest.path) --until \(stage)` first")
        }
        guard entry.type == "model" || entry.type == "adapter" else {
            throw ValidationError(
                "stage \"\(stage)\" produces \(ArtifactType(entry.type).withArticle), not a model or adapter")
        }
        let folder = try store.makeTemporaryFolder("model")
        try? FileManager.default.removeItem(at: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.unpack(key: key, into: folder)
        // An adapter trained on a model from the cache (quantized, merged, fully trained) opens over it.
        var baseFolder: URL?
        if entry.type == "adapter", let adapter = try? AdapterArtifact.read(from: folder),
           adapter.base.format == .quantized || adapter.base.format == .embedded {
            let base = try store.makeTemporaryFolder("base")
            try? FileManager.default.removeItem(at: base)
            try store.unpack(key: adapter.baseKey, into: base)
            baseFolder = base
        }
        defer { if let baseFolder { try? FileManager.default.removeItem(at: baseFolder) } }
        return try openModelArtifact(in: folder, manifestFolder: manifest.deletingLastPathComponent(),
                                     baseFolder: baseFolder)
    }
}
