import Foundation

/// Chat templates as plain Swift (no Jinja): ChatML, Llama 3, Alpaca and plain text,
/// chosen by name or recognised in a model's Jinja `chat_template` string.
///
/// ChatML:  `<|im_start|>{role}\n{content}<|im_end|>\n` per message; generation prompt
///          `<|im_start|>assistant\n`; an optional default system turn when the first
///          message is not a system message (SmolLM2's template does this).
/// Llama 3: `<|start_header_id|>{role}<|end_header_id|>\n\n{content, trimmed}<|eot_id|>`;
///          generation prompt `<|start_header_id|>assistant<|end_header_id|>\n\n`. BOS is
///          not written: the tokenizer adds it (as llama.cpp's template does).
/// Alpaca:  `{system}\n\n`, then `### Instruction:\n{user}\n\n` and
///          `### Response:\n{assistant}{EOS}\n\n`; generation prompt `### Response:\n`.
/// Plain:   `{system}\n\n`, `{user}\n`, `{assistant}{EOS}\n`; no generation prompt.
///
/// A conversation that does not start with a system message gets the template's default system
/// turn first, if it has one (for Alpaca, the preamble unless told otherwise).
public struct ChatTemplate: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case chatml, llama3, alpaca, plain
    }

    public var kind: Kind
    /// The system turn written when a conversation does not start with one; "" writes none (nil
    /// too, except in Alpaca, which then writes its preamble).
    public var defaultSystemPrompt: String?
    /// The EOS token's text, which ends an assistant turn in Alpaca and plain.
    public var eosText: String

    public static let alpacaPreamble =
        "Below is an instruction that describes a task. Write a response that appropriately completes the request."

    public init(kind: Kind, defaultSystemPrompt: String? = nil, eosText: String = "") {
        self.kind = kind
        self.defaultSystemPrompt = defaultSystemPrompt
        self.eosText = eosText
    }

    /// A template by name: `chatml`, `llama3` (or `llama-3`), `alpaca`, `plain`.
    public init(named name: String, eosText: String = "") throws {
        switch name.lowercased() {
        case "chatml": self.init(kind: .chatml, eosText: eosText)
        case "llama3", "llama-3": self.init(kind: .llama3, eosText: eosText)
        case "alpaca": self.init(kind: .alpaca, eosText: eosText)
        case "plain", "none": self.init(kind: .plain, eosText: eosText)
        default: throw TokenizerError.unknownChatTemplate(name)
        }
    }

    /// Recognises a Jinja chat template by the markers it writes; nil if none is known.
    public static func detect(jinja: String, eosText: String = "") -> ChatTemplate? {
        if jinja.contains("<|im_start|>") {
            return ChatTemplate(kind: .chatml, defaultSystemPrompt: defaultChatMLSystem(jinja),
                                eosText: eosText)
        }
        if jinja.contains("<|start_header_id|>") { return ChatTemplate(kind: .llama3, eosText: eosText) }
        if jinja.contains("### Instruction") { return ChatTemplate(kind: .alpaca, eosText: eosText) }
        return nil
    }

    /// The literal system text a ChatML template writes itself, as in
    /// `'<|im_start|>system\nYou are ...<|im_end|>\n'`; nil if it only writes messages.
    static func defaultChatMLSystem(_ jinja: String) -> String? {
        guard let start = jinja.range(of: "<|im_start|>system") else { return nil }
        var rest = jinja[start.upperBound...]
        if rest.hasPrefix("\n") { rest = rest.dropFirst() } else if rest.hasPrefix("\\n") {
            rest = rest.dropFirst(2)
        } else { return nil }
        guard let end = rest.range(of: "<|im_end|>") else { return nil }
        let literal = rest[..<end.lowerBound]
        guard !literal.isEmpty, !literal.contains(where: { "'\"{}+".contains($0) }) else { return nil }
        return literal.replacingOccurrences(of: "\\n", with: "\n")
    }

    /// This template with `system` as the system turn of conversations without one: nil keeps the
    /// template's own, "" writes none.
    public func withSystemPrompt(_ system: String?) -> ChatTemplate {
        var template = self
        if let system { template.defaultSystemPrompt = system }
        return template
    }

    /// The system text written for a conversation without a system message ("" for none).
    public var systemPrompt: String {
        defaultSystemPrompt ?? (kind == .alpaca ? Self.alpacaPreamble : "")
    }

    /// The text that ends an assistant turn (train on it so the model learns to stop).
    public var endOfTurn: String {
        switch kind {
        case .chatml: return "<|im_end|>"
        case .llama3: return "<|eot_id|>"
        case .alpaca, .plain: return eosText
        }
    }

    /// What opens the assistant's turn.
    public var generationPrompt: String {
        switch kind {
        case .chatml: return "<|im_start|>assistant\n"
        case .llama3: return "<|start_header_id|>assistant<|end_header_id|>\n\n"
        case .alpaca: return "### Response:\n"
        case .plain: return ""
        }
    }

    /// The conversation as the model sees it; with `addGenerationPrompt` it ends where
    /// the assistant's answer starts.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        let system = messages.isEmpty || messages.first?.role == "system" ? "" : systemPrompt
        switch kind {
        case .chatml:
            if !system.isEmpty { out += "<|im_start|>system\n\(system)<|im_end|>\n" }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        case .llama3:
            if !system.isEmpty {
                out += "<|start_header_id|>system<|end_header_id|>\n\n\(Self.trim(system))<|eot_id|>"
            }
            for m in messages {
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(Self.trim(m.content))<|eot_id|>"
            }
        case .alpaca:
            if !system.isEmpty { out += system + "\n\n" }
            for m in messages {
                switch m.role {
                case "system": out += m.content + "\n\n"
                case "assistant": out += "### Response:\n\(m.content)\(eosText)\n\n"
                default: out += "### Instruction:\n\(m.content)\n\n"
                }
            }
        case .plain:
            if !system.isEmpty { out += system + "\n\n" }
            for m in messages {
                switch m.role {
                case "system": out += m.content + "\n\n"
                case "assistant": out += m.content + eosText + "\n"
                default: out += m.content + "\n"
                }
            }
        }
        if addGenerationPrompt { out += generationPrompt }
        return out
    }

    /// For training: the prompt (everything before the last assistant message, with the
    /// generation prompt), the completion (that message's content as rendered) and the
    /// end-of-turn text. `prompt + completion + endOfTurn` is a prefix of the rendered
    /// conversation; a tokenize stage masks the prompt's tokens.
    public func trainingParts(_ messages: [ChatMessage]) throws
        -> (prompt: String, completion: String, endOfTurn: String)
    {
        guard let last = messages.last else { throw TokenizerError.invalidConversation("no messages") }
        guard last.role == "assistant" else {
            throw TokenizerError.invalidConversation("the last message is '\(last.role)', not 'assistant'")
        }
        let prompt = render(Array(messages.dropLast()), addGenerationPrompt: true)
        let completion = kind == .llama3 ? Self.trim(last.content) : last.content
        return (prompt, completion, endOfTurn)
    }

    /// Jinja's `trim`: strips leading and trailing whitespace.
    static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}

/// One chat message.
public struct ChatMessage: Sendable, Equatable {
    /// `system`, `user` or `assistant` (other roles are written as given).
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

extension BPETokenizer {
    /// The chat template the file declares, if recognised (EOS text filled in).
    public var chatTemplate: ChatTemplate? {
        vocabulary.chatTemplate.flatMap { ChatTemplate.detect(jinja: $0, eosText: eosText) }
    }

    /// A template by name with this tokenizer's EOS text.
    public func chatTemplate(named name: String) throws -> ChatTemplate {
        try ChatTemplate(named: name, eosText: eosText)
    }

    /// The EOS token's text ("" without one).
    public var eosText: String {
        vocabulary.special.eos.flatMap { tokenText($0) } ?? ""
    }
}
