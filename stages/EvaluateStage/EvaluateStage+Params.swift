import PipeCore
import Tokenizer

extension EvaluateStage {
    public struct Params: StageParams {
        @Param(doc: "Questions to answer, e.g. the seed's test questions.")
        public var prompts: [String] = []
        @Param(
            doc:
                "Wrap each prompt as a user turn in the chat template "
                    + "(else the prompt is raw text, special tokens parsed)."
        )
        public var chat = true
        @Param(
            doc:
                "Chat template for prompts: auto uses the rendering the model was "
                    + "trained on, else the tokenized dataset's, else the model's own."
        )
        public var template: AutoOr<ChatTemplate.Kind> = .auto
        @Param(doc: "System prompt for chat prompts.")
        public var system: String? = nil
        @Param(doc: "Longest answer.", range: 1...4096)
        public var maxNewTokens = 64
        @Param(doc: "Sampling temperature; 0 is greedy.", min: 0, max: 10)
        public var temperature = 0.0
        @Param(doc: "Sample among the k most likely tokens (0: all).", range: 0...1_000_000)
        public var topK = 0
        @Param(doc: "Nucleus sampling threshold.", min: 0, max: 1, exclusiveMin: true)
        public var topP = 1.0
        @Param(doc: "Penalty > 1 for tokens already in the context.", min: 0, max: 100, exclusiveMin: true)
        public var repetitionPenalty = 1.0
        @Param(doc: "Sampling seed.")
        public var seed: UInt64 = 0
        @Param(doc: "Stop strings, e.g. [\"[END]\"]; the answer is cut before them.")
        public var stop: [String] = []
        @Param(doc: "Split of the tokenized dataset for loss and reference metrics (falls back to train if absent).")
        public var split = "eval"
        @Param(doc: "Sequences per forward pass for the loss.", range: 1...256)
        public var batchSize = 8
        @Param(
            doc:
                "How many examples of the split to answer and score "
                    + "against their reference (exact match, ROUGE-L, BLEU-4).",
            range: 0...1_000_000)
        public var references = 10
        @Param(
            doc:
                "Class names, e.g. fault types [\"轴承磨损\", \"电机过载\"]: each answered reference's class is the "
                     + "one its reference text names first, and the answer is right when it names that class first "
                     + "too; accuracy is reported per class."
        )
        public var classes: [String] = []
        @Param(doc: "For an adapter, also evaluate the base model, side by side.")
        public var compareBase = true

        public init() {}
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        if params.prompts.isEmpty && params.references == 0 {
            issues.append(
                ManifestIssue(
                    .root.key("prompts"),
                    "nothing to generate: give prompts, or references > 0 with a tokenized dataset"))
        }
        if !params.classes.isEmpty && params.references == 0 {
            issues.append(ManifestIssue(.root.key("classes"), "classes score answered references: give references > 0"))
        }
        if params.classes.contains("") {
            issues.append(ManifestIssue(.root.key("classes"), "a class name must not be empty"))
        }
        if Set(params.classes).count != params.classes.count {
            issues.append(ManifestIssue(.root.key("classes"), "a class is listed twice"))
        }
        return issues
    }
}
