// Why a model or adapter could not be exported as GGUF, each case saying what to change.

/// A failure to export a model or a LoRA adapter as a GGUF file.
public enum GGUFExportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// llama.cpp has no architecture for this model type.
    case unsupportedArchitecture(String)
    /// A linear layer exists neither as float32 weights nor as quantized blocks.
    case missingWeights(tensor: String)
    /// A tensor could not be quantized or written (`reason` from the GGUF writer).
    case tensor(name: String, reason: String)
    /// The LoRA scale cannot be expressed as llama.cpp's `adapter.lora.alpha` (it reads alpha 0 as scale 1).
    case unrepresentableLoRAScale(Float)
    /// The adapter was made for a model of another shape than `config`.
    case adapterShapeMismatch(String)
    /// The tokenizer has more tokens than the model's embedding has rows.
    case vocabularyMismatch(tokens: Int, embeddingRows: Int)
    /// The file could not be written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupportedArchitecture(type):
            return "cannot export a \"\(type)\" model as GGUF: llama, mistral and qwen2 models can be exported"
        case let .missingWeights(tensor):
            return "the model holds no weights for \(tensor) (neither float32 nor quantized); reload it from its file"
        case let .tensor(name, reason):
            return "cannot write tensor \(name): \(reason)"
        case let .unrepresentableLoRAScale(scale):
            return "the adapter's scale \(scale) cannot be written for llama.cpp, which reads alpha 0 as scale 1; "
                + "give the adapter a non-zero lora_alpha"
        case let .adapterShapeMismatch(reason):
            return "the adapter does not fit the base model: \(reason); "
                + "export it with the config of the model it was trained on"
        case let .vocabularyMismatch(tokens, rows):
            return "the tokenizer has \(tokens) tokens but the model's embedding only \(rows) rows; "
                + "export with the tokenizer the model was made with"
        case let .io(path, reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
