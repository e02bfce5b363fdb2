import Datasets
import Foundation
import Llama
import ModelArtifacts
import JSON
import PipeCore
import Tokenizer

/// `evaluate`: eval loss and perplexity, answers to prompts, and reference metrics, for a model or
/// for an adapter and its base side by side.
///
///     report.json   everything below as data
///     report.md     the same as a table (also show.md, what `pipe show` prints)
///     loss.svg      training and eval loss per step, when the model came from a train stage
public struct EvaluateStage: Stage {
    public static let kind = "evaluate"
    public static let version = 2
    public static let summary =
        "Eval loss, perplexity, generations and reference metrics (exact match, ROUGE-L, BLEU-4), tuned vs base."
    public static let inputs: [InputPort] = [
        InputPort(
            "model", accepts: ["model", "adapter"], doc: "The model, or an adapter (evaluated on its base model)."),
        InputPort(
            "dataset", accepts: ["tokens"], optional: true,
            doc: "A tokenized dataset: its eval split gives the loss and the references."),
        InputPort("base", accepts: ["model"], optional: true,
                  doc: "For an adapter trained on a model from this cache (quantize, merge or full training): "
                      + "that model.")
    ]

    public init() {}

    public static func outputType(for params: Params) -> ArtifactType { "report" }

    /// One model under evaluation: the tuned one, or the base without its adapter.
    struct Variant {
        let name: String
        let adapters: [LoRAAdapter]
    }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let modelFolder = try inputs.require("model").folder
        let loaded = try openModelArtifact(in: modelFolder, manifestFolder: context.manifestFolder,
                                           baseFolder: inputs["base"]?.folder)
        let model = loaded.model, tokenizer = loaded.tokenizer
        let isAdapter = !model.adapters.isEmpty
        var variants = [Variant(name: isAdapter ? "tuned" : "model", adapters: model.adapters)]
        if isAdapter && params.compareBase { variants.insert(Variant(name: "base", adapters: []), at: 0) }

        let tokens = try inputs["dataset"].map { try TokenizedDataset.read(from: $0.folder) }
        let splitName = tokens.map { $0.splits[params.split] != nil ? params.split : "train" } ?? params.split
        let examples = tokens?.splits[splitName] ?? []
        let template = try Self.chatTemplate(params.template, model: loaded, dataset: tokens?.info)
        let options = GenerationOptions(
            maxNewTokens: params.maxNewTokens,
            sampling: SamplingOptions(
                temperature: Float(params.temperature), topK: params.topK, topP: Float(params.topP),
                repetitionPenalty: Float(params.repetitionPenalty), seed: params.seed),
            stopStrings: params.stop)
        let completer = Completer(
            model: model, tokenizer: tokenizer, template: params.chat ? template : nil,
            system: params.system, options: options)
        let references = Array(examples.prefix(params.references).compactMap(ReferenceExample.init))
        let totalWork = variants.count * (params.prompts.count + references.count + (examples.isEmpty ? 0 : 1))
        var done = 0
        func tick(_ note: String) throws {
            done += 1
            try context.checkCancellation()
            context.progress(done, of: totalWork, unit: "tasks", note: note)
        }

        var report = EvaluationReport(split: splitName, examples: examples.count)
        report.classes = params.classes
        for variant in variants {
            model.adapters = variant.adapters
            if !examples.isEmpty {
                let sequences = examples.map { Llama.TrainingExample(tokens: $0.tokens, labels: $0.labels) }
                let loss = try model.meanLoss(
                    of: sequences, batchSize: params.batchSize,
                    padToken: tokens?.info.padID ?? 0)
                report.losses.append((variant.name, loss))
                try tick("\(variant.name) eval loss \(String(format: "%.4f", loss))")
            }
            for prompt in params.prompts {
                let result = try completer.complete(prompt)
                report.generations.append(.init(variant: variant.name, prompt: prompt, result: result))
                try tick("\(variant.name) answered a prompt")
            }
            for reference in references {
                let result = try completer.complete(tokens: reference.prompt)
                let expected = tokenizer.decode(reference.answer.map(Int32.init), renderSpecial: false)
                report.scored.append(
                    .init(
                        variant: variant.name,
                        prompt: tokenizer.decode(reference.prompt.map(Int32.init), renderSpecial: true),
                        reference: expected, answer: result.text))
                try tick("\(variant.name) answered a reference")
            }
        }
        model.adapters = variants.last?.adapters ?? []

        let log = TrainingLog.read(from: modelFolder)
        try report.json.prettyText.write(
            to: context.outputFolder.appendingPathComponent("report.json"), atomically: false, encoding: .utf8)
        let markdown = report.markdown(
            title: "Evaluation of \(inputs["model"]?.producer ?? "model")", hasChart: log != nil)
        try markdown.write(
            to: context.outputFolder.appendingPathComponent("report.md"), atomically: false, encoding: .utf8)
        try context.writeSummary(markdown: markdown, json: report.json)
        if let log {
            let svg = LossChart.svg(
                train: log.log.map { ($0.step, $0.loss) },
                eval: log.log.compactMap { step in step.evalLoss.map { (step.step, $0) } },
                title: "loss of \(inputs["model"]?.producer ?? "training")")
            try svg.write(
                to: context.outputFolder.appendingPathComponent("loss.svg"), atomically: false, encoding: .utf8)
        }
        context.say(
            report.losses.map {
                "\($0.0) eval loss \(String(format: "%.4f", $0.1)) (perplexity \(String(format: "%.2f", exp($0.1))))"
            }.joined(separator: ", "))
    }

    /// The template for chat prompts. auto: the rendering the model was trained on, else the one
    /// the tokenized dataset records, else the model's own template.
    static func chatTemplate(
        _ choice: AutoOr<ChatTemplate.Kind>, model: LoadedModel, dataset: TokenizedInfo?
    ) throws -> ChatTemplate {
        if let kind = choice.fixed { return try model.tokenizer.chatTemplate(named: kind.rawValue) }
        if let trained = model.trainedChat { return trained }
        guard let dataset else { return model.chatTemplate }
        let template = try model.tokenizer.chatTemplate(named: dataset.template)
        return dataset.systemPrompt.map { template.withSystemPrompt($0) } ?? template
    }
}

/// An eval example split into its prompt (masked tokens before the first trained one) and its
/// first answer (the trained run after it).
struct ReferenceExample {
    let prompt: [Int]
    let answer: [Int]

    init?(_ example: TokenizedDataset.Example) {
        guard
            let start = example.labels.indices.dropFirst().first(where: {
                example.labels[$0] != TokenizedDataset.ignoredLabel
            })
        else { return nil }
        var end = start
        while end < example.labels.count, example.labels[end] != TokenizedDataset.ignoredLabel { end += 1 }
        prompt = example.tokens[..<start].map(Int.init)
        answer = example.tokens[start..<end].map(Int.init)
    }
}
