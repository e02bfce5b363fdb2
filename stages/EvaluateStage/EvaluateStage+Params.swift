import PipeCore
import Tokenizer

extension EvaluateStage {
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("prompts", .array(of: .string()), default: [], doc: "Questions to answer, e.g. the seed's test questions."),
        ParameterSpec("chat", .boolean, default: true, doc: "Wrap each prompt as a user turn in the chat template (else the prompt is raw text, special tokens parsed)."),
        ParameterSpec("template", .string(choices: ["auto"] + ChatTemplate.Kind.allCases.map(\.rawValue)), default: "auto",
                      doc: "Chat template for prompts: auto uses the tokenized dataset's, else the model's own."),
        ParameterSpec("system", .string(), doc: "System prompt for chat prompts."),
        ParameterSpec("max_new_tokens", .integer(min: 1, max: 4096), default: 64, doc: "Longest answer."),
        ParameterSpec("temperature", .number(min: 0, max: 10), default: 0, doc: "Sampling temperature; 0 is greedy."),
        ParameterSpec("top_k", .integer(min: 0), default: 0, doc: "Sample among the k most likely tokens (0: all)."),
        ParameterSpec("top_p", .number(min: 0, max: 1, exclusiveMin: true), default: 1, doc: "Nucleus sampling threshold."),
        ParameterSpec("repetition_penalty", .number(min: 0, exclusiveMin: true), default: 1, doc: "Penalty > 1 for tokens already in the context."),
        ParameterSpec("seed", .integer(min: 0), default: 0, doc: "Sampling seed."),
        ParameterSpec("stop", .array(of: .string()), default: [], doc: "Stop strings, e.g. [\"[END]\"]; the answer is cut before them."),
        ParameterSpec("split", .string(), default: "eval", doc: "Split of the tokenized dataset for loss and reference metrics (falls back to train if absent)."),
        ParameterSpec("batch_size", .integer(min: 1, max: 256), default: 8, doc: "Sequences per forward pass for the loss."),
        ParameterSpec("references", .integer(min: 0), default: 10,
                      doc: "How many examples of the split to answer and score against their reference (exact match, ROUGE-L, BLEU-4)."),
        ParameterSpec("compare_base", .boolean, default: true, doc: "For an adapter, also evaluate the base model, side by side."),
    ]

    public struct Params: Decodable, Sendable {
        public var prompts: [String]
        public var chat: Bool
        public var template: String
        public var system: String?
        public var maxNewTokens: Int
        public var temperature: Double
        public var topK: Int
        public var topP: Double
        public var repetitionPenalty: Double
        public var seed: UInt64
        public var stop: [String]
        public var split: String
        public var batchSize: Int
        public var references: Int
        public var compareBase: Bool

        enum CodingKeys: String, CodingKey {
            case prompts, chat, template, system, temperature, seed, stop, split, references
            case maxNewTokens = "max_new_tokens"
            case topK = "top_k"
            case topP = "top_p"
            case repetitionPenalty = "repetition_penalty"
            case batchSize = "batch_size"
            case compareBase = "compare_base"
        }
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        params.prompts.isEmpty && params.references == 0
            ? [ManifestIssue(.root.key("prompts"), "nothing to generate: give prompts, or references > 0 with a tokenized dataset")] : []
    }
}
