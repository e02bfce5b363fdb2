import Tokenizer

/// The chat rendering a model was trained on, as its tokenized dataset recorded it; a trained
/// adapter or model carries it so that prompts are later rendered exactly as in training.
public struct TrainedChat: Codable, Sendable, Equatable {
    /// A template name (`chatml`, `llama3`, `alpaca`, `plain`).
    public var template: String
    /// The system text written before conversations without their own ("" for none).
    public var systemPrompt: String

    public init(template: String, systemPrompt: String) {
        self.template = template
        self.systemPrompt = systemPrompt
    }

    enum CodingKeys: String, CodingKey {
        case template
        case systemPrompt = "system_prompt"
    }

    /// The template, with this tokenizer's EOS text.
    public func chatTemplate(for tokenizer: BPETokenizer) throws -> ChatTemplate {
        try tokenizer.chatTemplate(named: template).withSystemPrompt(systemPrompt)
    }
}
