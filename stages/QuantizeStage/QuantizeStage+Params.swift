import ModelExport
import PipeCore

extension QuantizationType: ParamChoice {}

extension QuantizeStage {
    public struct Params: StageParams {
        @Param(
            required: true,
            doc: "Precision: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_m (mixed, as llama-quantize: "
                + "Q6_K for the output and some attn_v/ffn_down) or q6_k; norms and other 1-D tensors stay F32.")
        public var type: QuantizationType = .q8_0
        @Param(
            doc: "With a dataset input: the split whose perplexity is "
                + "measured before and after (falls back to train if absent).")
        public var split = "eval"
        @Param(doc: "Sequences per forward pass for the perplexity.", range: 1...256)
        public var batchSize = 8

        public init() {}
    }
}
