import PipeCore
import Tokenizer

extension TokenizeStage {
    /// What happens to an example longer than `max_length`.
    public enum Truncation: String, ParamChoice { case cut, drop }

    /// Which tokens the loss sees.
    public enum TrainOn: String, ParamChoice {
        /// The answers only; prompts are masked.
        case completion
        /// Every token.
        case all
    }

    public struct Params: StageParams {
        @Param(
            doc: "Chat template: auto (the rendering the model was trained on, "
                + "else its own, else chatml), chatml, llama3, alpaca or plain.")
        public var template: AutoOr<ChatTemplate.Kind> = .auto
        @Param(doc: "System prompt for records without one (default: the template's own, if any; \"\" writes none).")
        public var system: String? = nil
        @Param(doc: "Longest example in tokens.", range: 8...131_072)
        public var maxLength = 512
        @Param(doc: "Longer examples are cut at the end, or dropped.")
        public var truncation: Truncation = .cut
        @Param(doc: "Train on the answers only (prompts masked), or on every token.")
        public var trainOn: TrainOn = .completion
        @Param(
            doc: "Train on sequences of up to max_length tokens packed with several examples, "
                + "each attending only to itself (the eval split stays one per sequence).")
        public var packing = false

        public init() {}
    }
}
