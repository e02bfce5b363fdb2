import ModelExport
import PipeCore

extension ExportStage {
    /// The file format, and so the tool that loads it.
    public enum Format: String, ParamChoice {
        /// One GGUF file with the adapters merged, the tokenizer and the chat template: llama.cpp, Ollama.
        case gguf
        /// The adapter alone as llama.cpp's LoRA GGUF, applied over the base with `--lora`.
        case ggufLoRA = "gguf-lora"
        /// A Hugging Face folder (config.json, model.safetensors, tokenizer.json): transformers.
        case hf
        /// A PEFT adapter folder (adapter_config.json, adapter_model.safetensors): peft.
        case peft
        /// An ONNX decoder with KV cache inputs and outputs (a folder with model.onnx): onnxruntime.
        case onnx

        /// Whether the export is a folder rather than one file.
        var isFolder: Bool { self != .gguf && self != .ggufLoRA }
    }

    public struct Params: StageParams {
        @Param(
            required: true,
            doc: "gguf: one llama.cpp file (adapters merged); gguf-lora: the adapter as llama.cpp's LoRA GGUF; "
                + "hf: a Hugging Face folder; peft: the adapter as a PEFT folder; onnx: a folder with model.onnx.")
        public var format: Format = .gguf
        @Param(
            type: .path, required: true,
            doc: "Where to write it, relative to the manifest (a file or a folder, "
                + "by format); restored if deleted, rewritten when stale.")
        public var path = "out/model"
        @Param(
            doc: "gguf: the precision to write (quantized on the way); "
                + "auto keeps the input's (a GGUF's own type, else f32).")
        public var type: AutoOr<QuantizationType> = .auto
        @Param(
            doc: "peft: how adapter_config.json names the base model — a Hugging Face id or a path "
                + "relative to where the adapter is loaded (default: the base model's file or folder name).")
        public var baseModel: String? = nil

        public init() {}
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        if params.path.isEmpty { issues.append(ManifestIssue(.root.key("path"), "give where to write the export")) }
        if params.type != .auto && params.format != .gguf {
            issues.append(ManifestIssue(.root.key("type"), "type applies to format \"gguf\" only"))
        }
        if let base = params.baseModel, params.format != .peft {
            issues.append(
                ManifestIssue(.root.key("base_model"), "base_model \"\(base)\" applies to format \"peft\" only"))
        }
        return issues
    }
}
