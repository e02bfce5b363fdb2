// The errors of the Llama module: each says what is wrong and where.

/// Why a Llama model could not be configured, loaded or run.
public enum LlamaError: Error, CustomStringConvertible, Equatable {
    /// A configuration value is missing or out of range (`key`: what was wrong).
    case invalidConfig(key: String, reason: String)
    /// The architecture named in a file is not a Llama-family one this module runs.
    case unsupportedArchitecture(String)
    /// A checkpoint lacks a tensor the model needs.
    case missingTensor(name: String, file: String)
    /// A checkpoint tensor has the wrong number of elements for the configuration.
    case shapeMismatch(name: String, expected: [Int], elementCount: Int)
    /// A file could not be read or parsed.
    case unreadableFile(path: String, reason: String)
    /// A token id is not in the vocabulary.
    case tokenOutOfRange(token: Int, vocabSize: Int)
    /// Inputs do not fit the buffers or the model (e.g. more tokens than the context).
    case invalidInput(String)
    /// A LoRA adapter does not fit the model or is malformed.
    case invalidAdapter(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfig(key, reason):
            return "model configuration: \(key): \(reason)"
        case let .unsupportedArchitecture(name):
            return "unsupported architecture \"\(name)\" (supported: llama, mistral, qwen2)"
        case let .missingTensor(name, file):
            return "\(file): missing tensor \(name)"
        case let .shapeMismatch(name, expected, count):
            return "tensor \(name): expected shape \(expected) "
                + "(\(expected.reduce(1, *)) elements), found \(count) elements"
        case let .unreadableFile(path, reason):
            return "\(path): \(reason)"
        case let .tokenOutOfRange(token, vocabSize):
            return "token id \(token) is outside the vocabulary (0..<\(vocabSize))"
        case let .invalidInput(reason):
            return reason
        case let .invalidAdapter(path, reason):
            return "adapter \(path): \(reason)"
        }
    }
}
