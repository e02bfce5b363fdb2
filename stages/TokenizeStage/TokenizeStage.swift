import Datasets
import Foundation
import ModelArtifacts
import JSON
import PipeCore
import Tokenizer

/// `tokenize`: a dataset and a model's tokenizer into token ids with loss labels.
///
/// Chat-shaped records (alpaca, completion, messages) are rendered with a chat template; the
/// prompt is masked unless `train_on` is `all`, and every answer ends with the template's
/// end-of-turn token (`<|im_end|>` for ChatML), which is what generation stops on. Text records are
/// trained on whole, ending with EOS. Examples longer than `max_length` are cut at the end (or
/// dropped with `truncation: drop`); examples with nothing left to train on are dropped and counted.
/// With `packing`, training puts several train-split examples into each sequence of up to
/// `max_length` tokens, each attending only to itself (positions restart per example); without it
/// each example is its own sequence, padded per batch (batches grouped by length by default).
public struct TokenizeStage: Stage {
    public static let kind = "tokenize"
    public static let version = 2
    public static let summary =
        "Renders records with a chat template and tokenizes them, masking prompts from the loss."
    public static let inputs: [InputPort] = [
        InputPort("dataset", accepts: ["dataset"], doc: "The records to tokenize."),
        InputPort("model", accepts: ["model"], doc: "The model whose tokenizer (and chat template) to use."),
    ]

    public init() {}

    public static func outputType(for params: Params) -> ArtifactType { "tokens" }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let datasetFolder = try inputs.require("dataset").folder
        let modelFolder = try inputs.require("model").folder
        let loaded = try ModelArtifact.read(from: modelFolder)
        // A model stored in the artifact (a quantize or command stage's GGUF) carries its own tokenizer.
        let root = loaded.format == .quantized
            ? modelFolder.appendingPathComponent(ModelArtifact.quantizedFile)
            : loaded.sourceURL(relativeTo: context.manifestFolder)
        let tokenizer = try ModelLoader.openTokenizer(root)
        // auto: the rendering the model was trained on, else its own template, else ChatML.
        let named = try params.template.fixed.map { try tokenizer.chatTemplate(named: $0.rawValue) }
            ?? loaded.chat?.chatTemplate(for: tokenizer) ?? tokenizer.chatTemplate
            ?? ChatTemplate(kind: .chatml, eosText: tokenizer.eosText)
        // A system param replaces the template's default; "" means none.
        let template = named.withSystemPrompt(params.system)
        let encoder = ExampleEncoder(tokenizer: tokenizer, template: template, maxLength: params.maxLength,
                                     trainOnAll: params.trainOn == .all, dropTooLong: params.truncation == .drop)
        let info = try DatasetInfo.read(from: datasetFolder)
        var splits: [String: [TokenizedDataset.Example]] = [:]
        var summaries: [TokenizedInfo.Split] = []
        var done = 0
        for split in info.splits {
            var examples: [TokenizedDataset.Example] = []
            var truncated = 0, dropped = 0, line = 0
            try Dataset.forEachRecord(in: datasetFolder, split: split.name) { record in
                line += 1
                let example: ExampleText
                do { example = try record.exampleText(shape: info.shape) } catch {
                    throw StageError.badData(
                        file: "\(split.name).jsonl (from \(inputs["dataset"]?.producer ?? "dataset"))", line: line,
                        message: "\(error)")
                }
                switch try encoder.encode(example) {
                case let .kept(encoded, wasCut):
                    examples.append(encoded)
                    if wasCut { truncated += 1 }
                case .dropped:
                    dropped += 1
                }
                done += 1
                if done % 256 == 0 {
                    try context.checkCancellation()
                    context.progress(done, of: info.totalCount, unit: "records")
                }
            }
            splits[split.name] = examples
            summaries.append(
                TokenizedInfo.Split(
                    name: split.name, examples: examples.count, tokens: examples.reduce(0) { $0 + $1.tokens.count },
                    trainedTokens: examples.reduce(0) {
                        $0 + $1.labels.dropFirst().filter { $0 != TokenizedDataset.ignoredLabel }.count
                    },
                    longest: examples.map(\.tokens.count).max() ?? 0, truncated: truncated, dropped: dropped))
        }
        guard summaries.contains(where: { $0.examples > 0 }) else {
            throw StageError.failed(
                "no example left to train on "
                    + "(\(summaries.map { "\($0.name): \($0.dropped) dropped" }.joined(separator: ", "))); "
                    + "raise max_length or check the records")
        }
        let padID = tokenizer.specialTokens.pad ?? tokenizer.specialTokens.eos ?? 0
        let tokenized = TokenizedDataset(
            info: TokenizedInfo(
                splits: summaries, template: template.kind.rawValue,
                systemPrompt: template.systemPrompt, maxLength: params.maxLength, trainOn: params.trainOn.rawValue,
                vocabularySize: tokenizer.vocabularySize, padID: padID,
                packing: params.packing),
            splits: splits)
        try tokenized.write(to: context.outputFolder)
        try context.writeSummary(markdown: Self.preview(tokenized, tokenizer: tokenizer))
        context.say(
            summaries.map {
                "\($0.name): \($0.examples) examples, \($0.tokens) tokens "
                    + "(\($0.trainedTokens) trained), \($0.truncated) cut, \($0.dropped) dropped"
            }.joined(separator: "; "))
    }

    /// Counts, token statistics and the first example with its masked part in ⟦ ⟧.
    static func preview(_ data: TokenizedDataset, tokenizer: BPETokenizer) -> String {
        var out = "template: \(data.info.template), max_length \(data.info.maxLength), train_on \(data.info.trainOn)"
            + (data.info.packing == true ? ", packed for training" : "") + "\n"
        for split in data.info.splits {
            let mean = split.examples > 0 ? Double(split.tokens) / Double(split.examples) : 0
            out += String(
                format: "%@: %d examples, %d tokens (%d trained), mean %.1f, longest %d, %d cut, %d dropped\n",
                split.name, split.examples, split.tokens, split.trainedTokens, mean, split.longest, split.truncated,
                split.dropped)
        }
        guard let first = data.info.splits.lazy.compactMap({ data.splits[$0.name]?.first }).first else { return out }
        out += "\nfirst example (masked from the loss in ⟦ ⟧):\n"
        var masked: Bool?
        var run: [Int32] = []
        func flush() {
            guard !run.isEmpty else { return }
            let text = tokenizer.decode(run, renderSpecial: true)
            out += masked == true ? "⟦\(text)⟧" : text
            run = []
        }
        for (token, label) in zip(first.tokens, first.labels) {
            let isMasked = label == TokenizedDataset.ignoredLabel
            if isMasked != masked { flush(); masked = isMasked }
            run.append(token)
        }
        flush()
        return out + "\n"
    }
}
