import Datasets
import Foundation
import JSON
import Llama
import ModelArtifacts
import ModelExport
import PipeCore

/// `quantize`: a model (or an adapter, merged into its base first) stored as a GGUF file of the chosen
/// precision inside the artifact, kept in its blocks: `evaluate`, `generate`, `export` and `train`
/// (`method: qlora`) read it as they read any model. Its `pipe show` reports the size before and after
/// and, with a tokenized dataset wired in, the perplexity before and after — the quality cost of the type.
public struct QuantizeStage: Stage {
    public static let kind = "quantize"
    public static let version = 1
    public static let summary =
        "Quantizes a model (adapters merged) to a GGUF precision kept in blocks; "
        + "reports size and perplexity before and after."
    public static let inputs: [InputPort] = [
        InputPort("model", accepts: ["model", "adapter"], doc: "The model, or an adapter (merged into its base)."),
        InputPort(
            "dataset", accepts: ["tokens"], optional: true,
            doc: "Tokenized examples whose perplexity is measured before and after."),
        InputPort("base", accepts: ["model"], optional: true,
                  doc: "For an adapter trained on a model from this cache (quantize, merge or full training): "
                      + "that model."),
    ]

    public init() {}

    public static func outputType(for params: Params) -> ArtifactType { "model" }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let input = try inputs.require("model")
        let source = try Self.sourceArtifact(input.folder)
        let loaded = try openModelArtifact(in: input.folder, manifestFolder: context.manifestFolder,
                                           baseFolder: inputs["base"]?.folder)
        let examples = try inputs["dataset"].map { try Self.examples(in: $0.folder, split: params.split) } ?? []
        let padToken = Int32(loaded.tokenizer.specialTokens.pad ?? loaded.tokenizer.specialTokens.eos ?? 0)
        func perplexity(_ model: LlamaModel) throws -> Double? {
            guard !examples.isEmpty else { return nil }
            return exp(try model.meanLoss(of: examples, batchSize: params.batchSize, padToken: padToken))
        }
        let before = try perplexity(loaded.model)
        context.progress(1, of: 3, unit: "steps", note: "quantizing to \(params.type.rawValue)")
        let out = context.outputFolder
        let file = out.appendingPathComponent(ModelArtifact.quantizedFile)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try GGUFExport.writeModel(
            loaded.model, tokenizer: loaded.tokenizer, template: loaded.chatTemplate, type: params.type,
            name: input.producer, to: file)
        let artifact = try ModelLoader.describe(quantizedIn: out, from: source.model)
        try artifact.write(to: out)
        context.progress(2, of: 3, unit: "steps", note: "measuring")
        let after = try before == nil ? nil : perplexity(LlamaModel.load(contentsOf: file))
        let sizeBefore = try source.bytes(
            input.folder, manifestFolder: context.manifestFolder, parameters: loaded.model.parameterCount)
        let sizeAfter = try Self.fileSize(file)
        var lines = ["\(params.type.rawValue) of \(input.producer): \(Self.mb(sizeBefore)) -> \(Self.mb(sizeAfter))"
                     + String(format: " (%.2fx the size)", Double(sizeAfter) / Double(max(sizeBefore, 1)))]
        if let before, let after {
            lines.append(
                String(
                    format: "perplexity on %@: %.4f -> %.4f (%+.3f%%)", params.split, before, after,
                    100 * (after / before - 1)))
        }
        lines.append(
            "tensor types: "
                + artifact.summary.tensorTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", "))
        var json: [(key: String, value: JSONValue)] = [
            ("type", .string(params.type.rawValue)), ("bytes_before", .number(Double(sizeBefore))),
            ("bytes_after", .number(Double(sizeAfter))),
        ]
        if let before, let after {
            json += [("perplexity_before", .number(before)), ("perplexity_after", .number(after))]
        }
        try context.writeSummary(
            markdown: lines.joined(separator: "\n") + "\n\n" + artifact.summaryText, json: .object(json))
        context.say(lines[0] + (lines.count > 2 ? "; " + lines[1] : ""))
    }

    /// The model the input holds (its base, for an adapter) and how many bytes it is stored in.
    struct Source {
        let model: ModelArtifact
        let adapterFolder: URL?

        func bytes(_ folder: URL, manifestFolder: URL, parameters: Int) throws -> Int {
            var total: Int
            switch model.format {
            case .gguf, .huggingFace: total = model.files.reduce(0) { $0 + $1.bytes }
            case .quantized:
                total = try QuantizeStage.fileSize(folder.appendingPathComponent(ModelArtifact.quantizedFile))
            case .embedded:
                total = try QuantizeStage.folderSize(folder.appendingPathComponent(ModelArtifact.weightsFolder))
            case .initialized: total = parameters * MemoryLayout<Float>.size
            }
            if let adapterFolder { total += try QuantizeStage.folderSize(adapterFolder) }
            return total
        }
    }

    static func sourceArtifact(_ folder: URL) throws -> Source {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(AdapterArtifact.fileName).path) {
            return Source(model: try AdapterArtifact.read(from: folder).base,
                          adapterFolder: folder.appendingPathComponent(AdapterArtifact.peftFolder))
        }
        return Source(model: try ModelArtifact.read(from: folder), adapterFolder: nil)
    }

    static func examples(in folder: URL, split: String) throws -> [TrainingExample] {
        let tokens = try TokenizedDataset.read(from: folder)
        let chosen = tokens.splits[split] ?? tokens.splits["train"] ?? []
        return chosen.map { TrainingExample(tokens: $0.tokens, labels: $0.labels) }
    }

    static func fileSize(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    }

    static func folderSize(_ url: URL) throws -> Int {
        try FileManager.default.subpathsOfDirectory(atPath: url.path).reduce(0) { total, name in
            let attributes = try FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path)
            return total
                + ((attributes[.type] as? FileAttributeType) == .typeRegular ? (attributes[.size] as? Int) ?? 0 : 0)
        }
    }

    static func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
}
