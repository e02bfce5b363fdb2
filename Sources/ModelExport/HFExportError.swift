// The errors of the Hugging Face and PEFT exporters: each names what cannot be
// written and what to do about it.

/// Why a model, tokenizer or adapter could not be exported for transformers / PEFT.
public enum HFExportError: Error, CustomStringConvertible, Equatable {
    /// `base_model_name_or_path` would hold an absolute path of this machine.
    case absoluteBaseModel(String)
    /// The base model's name is empty or not one line of text.
    case invalidBaseModel(String)
    /// The tokenizer's pre-tokenizer has no tokenizer.json spelling that transformers runs the same way.
    case unsupportedPreTokenizer(String)
    /// A token id of the vocabulary cannot be written (e.g. the same text at two ids in `model.vocab`).
    case unwritableToken(id: Int, text: String, reason: String)
    /// A merge rule that applies makes or uses a string that is not a token (tokenizer.json cannot say so).
    case unwritableMerge(index: Int, left: String, right: String, reason: String)
    /// A linear layer is kept only quantized and its blocks are missing.
    case missingWeights(tensor: String)
    /// An adapter was made for another model shape than the one being exported.
    case adapterMismatch(String)
    /// The shard size limit is not positive.
    case invalidShardSize(Int)
    /// A file or folder could not be written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .absoluteBaseModel(path):
            return "base model \"\(path)\" is an absolute path of this machine, which another machine cannot open; "
                + "give a model name (e.g. HuggingFaceTB/SmolLM2-135M-Instruct) or a relative path "
                + "(e.g. ../hf, the Hugging Face export of the base)"
        case let .invalidBaseModel(name):
            return "base model \"\(name)\" is not a model name or relative path (it must be one non-empty line)"
        case let .unsupportedPreTokenizer(kind):
            return "pre-tokenizer \(kind) has no tokenizer.json form that transformers runs identically; "
                + "export a model whose tokenizer uses gpt2, llama3, qwen2 or smollm pre-tokenization"
        case let .unwritableToken(id, text, reason):
            return "token \(id) \(text.debugDescription): \(reason)"
        case let .unwritableMerge(index, left, right, reason):
            return "merge rule \(index) (\(left.debugDescription) + \(right.debugDescription)): \(reason); "
                + "export a tokenizer whose merges make tokens only"
        case let .missingWeights(tensor):
            return "tensor \(tensor) is kept only quantized and its blocks are missing: "
                + "load the model with its float32 weights (floatLinearWeights: true)"
        case let .adapterMismatch(reason):
            return "adapter does not fit the model: \(reason)"
        case let .invalidShardSize(bytes):
            return "shard size \(bytes) bytes: expected a positive number of bytes"
        case let .io(path, reason):
            return "\(path): \(reason)"
        }
    }
}
