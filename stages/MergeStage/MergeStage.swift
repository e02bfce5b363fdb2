import Foundation
import Llama
import ModelArtifacts
import PipeCore

/// `merge`: the seed's "mixed inference" — several adapters of one base, weighted, either folded into
/// the base (a `model`, weights kept in the artifact) or concatenated into one adapter (`cat`).
/// Adapters trained on another base are refused, naming both bases.
public struct MergeStage: Stage {
    public static let kind = "merge"
    public static let version = 1
    public static let summary =
        "Merges weighted LoRA adapters into their base model, or concatenates them into one adapter."
    public static let inputs: [InputPort] = [
        InputPort("model", accepts: ["model"], doc: "The base model the adapters were trained on."),
        InputPort("adapters", accepts: ["adapter"], multiple: true, doc: "The adapters, in the order of `weights`."),
    ]

    public init() {}

    public static func outputType(for params: Params) -> ArtifactType {
        params.combine == .merged ? "model" : "adapter"
    }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let modelInput = try inputs.require("model")
        let adapterInputs = inputs.all("adapters")
        guard !adapterInputs.isEmpty else { throw StageError.missingInput("adapters") }
        let weights = params.weights.isEmpty ? Array(repeating: 1.0, count: adapterInputs.count) : params.weights
        guard weights.count == adapterInputs.count else {
            throw StageError.failed(
                "weights has \(weights.count) entries for \(adapterInputs.count) adapters; give one per adapter")
        }
        let base = try ModelArtifact.read(from: modelInput.folder)
        let described = try adapterInputs.map { try AdapterArtifact.read(from: $0.folder) }
        for (input, adapter) in zip(adapterInputs, described) where adapter.baseKey != modelInput.key {
            throw StageError.failed(
                "adapter \"\(input.producer)\" was trained on "
                    + "\(adapter.base.path) (stage key \(adapter.baseKey.prefix(12))), "
                    + "not on \"\(modelInput.producer)\" (\(base.path), "
                    + "key \(modelInput.key.prefix(12))); merge adapters of one base")
        }
        let loaded = try base.open(in: modelInput.folder, manifestFolder: context.manifestFolder)
        let adapters = try adapterInputs.map {
            try LoRAAdapter(
                peftFolder: $0.folder.appendingPathComponent(AdapterArtifact.peftFolder), config: loaded.model.config)
        }
        // Prompts keep the rendering of the first adapter's training (mixing renderings has no meaning).
        let chat = described.first?.chat
        let out = context.outputFolder
        var lines = ["\(params.combine.rawValue) of \(adapterInputs.count) adapters over \(modelInput.producer):"]
        for (input, weight) in zip(adapterInputs, weights) {
            lines.append("  \(input.producer)  weight \(weight)")
        }
        switch params.combine {
        case .merged:
            for (adapter, weight) in zip(adapters, weights) { adapter.scaleUpdate(by: Float(weight)) }
            loaded.model.adapters = adapters
            try loaded.model.mergeAdapters()
            try loaded.model.saveHuggingFace(to: out.appendingPathComponent(ModelArtifact.weightsFolder))
            var merged = base
            merged.format = .embedded
            merged.seed = nil
            merged.chat = chat
            try merged.write(to: out)
        case .cat:
            let combined = try LoRAAdapter.concatenating(adapters, weights: weights.map(Float.init))
            try combined.savePEFT(
                to: out.appendingPathComponent(AdapterArtifact.peftFolder),
                baseModel: URL(fileURLWithPath: base.path).lastPathComponent)
            try AdapterArtifact(
                base: base, baseKey: modelInput.key, method: "cat", rank: combined.rank, alpha: Double(combined.alpha),
                targets: combined.targets.compactMap(\.moduleName), chat: chat
            ).write(to: out)
            lines.append(
                "rank \(combined.rank), targets \(combined.targets.compactMap(\.moduleName).joined(separator: ", "))")
        }
        try context.writeSummary(markdown: lines.joined(separator: "\n") + "\n")
        context.say(lines.joined(separator: "; "))
    }
}
