// The model families this module runs. The raw values are Hugging Face's `model_type` and
// GGUF's `general.architecture`, and are what configurations encode.

/// A Llama-family architecture: Llama, Mistral or Qwen2.
public enum LlamaArchitecture: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case llama, mistral, qwen2

    /// The class `config.json` names in `architectures`.
    public var huggingFaceClass: String {
        switch self {
        case .llama: return "LlamaForCausalLM"
        case .mistral: return "MistralForCausalLM"
        case .qwen2: return "Qwen2ForCausalLM"
        }
    }

    /// The architecture of a Hugging Face class name, nil for classes of other families.
    public init?(huggingFaceClass: String) {
        guard let match = Self.allCases.first(where: { $0.huggingFaceClass == huggingFaceClass }) else { return nil }
        self = match
    }

    /// Whether llama.cpp's converter stores this architecture's q/k rows in its own order
    /// (`LlamaCppRowOrder`); Qwen2 files keep Hugging Face's order (llama.cpp rotates them NEOX-style).
    public var permutesQueryKeyRows: Bool { self != .qwen2 }

    public var description: String { rawValue }
}
