import PipeCore

extension MergeStage {
    /// What the merge makes.
    public enum Combine: String, ParamChoice {
        /// A model: the adapters folded into the base's weights, W + Σ wᵢ·scaleᵢ·BᵢAᵢ.
        case merged
        /// One adapter whose rank is the sum of the ranks (PEFT's add_weighted_adapter "cat"),
        /// leaving the base untouched.
        case cat
    }

    public struct Params: StageParams {
        @Param(type: .array(of: .number(min: -100, max: 100)),
               doc: "One weight per adapter, in the order of the adapters input; empty: 1 each.")
        public var weights: [Double] = []
        @Param(
            doc: "merged: a model with the adapters folded into the base; "
                + "cat: one adapter of rank Σ r over the same base.")
        public var combine: Combine = .merged

        public init() {}
    }
}
