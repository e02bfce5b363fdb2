import PipeCore

extension ExportStage {
    /// The file format, and so the tool that loads it.
    public enum Format: String, ParamChoice {
        /// A Hugging Face folder (config.json, model.safetensors, tokenizer.json): transformers.
        case hf
        /// A PEFT adapter folder (adapter_config.json, adapter_model.safetensors): peft.
        case peft
        /// An ONNX decoder with KV cache inputs and outputs (a folder with model.onnx): onnxruntime.
        case onnx

        /// Whether the export is a folder rather than one file.
        var isFolder: Bool { true }
    }

    public struct Params: StageParams {
        @Param(required: true, doc: "hf: a Hugging Face folder; peft: the adapter as a PEFT folder; onnx: a folder with model.onnx.")
        public var format: Format = .hf
        @Param(type: .path, required: true, doc: "Where to write it, relative to the manifest (a file or a folder, by format); restored if deleted, rewritten when stale.")
        public var path = "out/model"
        @Param(doc: "peft: how adapter_config.json names the base model — a Hugging Face id or a path relative to where the adapter is loaded (default: the base model's file or folder name).")
        public var baseModel: String? = nil

        public init() {}
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        if params.path.isEmpty { issues.append(ManifestIssue(.root.key("path"), "give where to write the export")) }
        if let base = params.baseModel, params.format != .peft {
            issues.append(ManifestIssue(.root.key("base_model"), "base_model \"\(base)\" applies to format \"peft\" only"))
        }
        return issues
    }
}
