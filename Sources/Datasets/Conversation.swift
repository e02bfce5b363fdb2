import JSON

/// Who says a turn of a conversation.
public enum Role: String, Sendable, CaseIterable, Codable {
    case system, user, assistant
}

/// One turn of a conversation.
public struct Turn: Sendable, Equatable {
    public let role: Role
    public let content: String
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// A record as a chat: an optional system prompt and the user/assistant turns, in order.
public struct Conversation: Sendable, Equatable {
    public var system: String?
    public var turns: [Turn]
    public init(system: String? = nil, turns: [Turn]) {
        self.system = system
        self.turns = turns
    }
}

/// What a tokenizer turns into a training example for one record: a conversation (prompt turns
/// and answers) or plain text.
public enum ExampleText: Sendable, Equatable {
    case conversation(Conversation)
    case text(String)
}

extension Record {
    /// The record as a conversation, per its shape:
    /// - alpaca: user = `instruction`, then a newline and `input` when `input` is non-empty;
    ///   assistant = `output`; `system` when present.
    /// - completion: user = `prompt`, assistant = `completion`.
    /// - messages: the leading system messages joined (blank line between) become the system
    ///   prompt, the rest are the turns.
    /// - text and records have no conversation: a `RecordProblem` says what to do.
    public func asConversation(shape: RecordShape) throws(RecordProblem) -> Conversation {
        switch shape {
        case .alpaca:
            let instruction = try string("instruction")
            let input = try optionalString("input") ?? ""
            let user = input.isEmpty ? instruction : instruction + "\n" + input
            let system = try optionalString("system")
            return Conversation(system: system, turns: [Turn(.user, user), Turn(.assistant, try string("output"))])
        case .completion:
            return Conversation(turns: [Turn(.user, try string("prompt")), Turn(.assistant, try string("completion"))])
        case .messages:
            guard case let .array(items)? = self["messages"] else { throw RecordProblem("missing field \"messages\"") }
            var turns: [Turn] = []
            var systems: [String] = []
            for (i, item) in items.enumerated() {
                guard let tag = item["role"]?.stringValue, let role = Role(rawValue: tag),
                      let content = item["content"]?.stringValue
                else { throw RecordProblem("messages[\(i)] is not a {\"role\", \"content\"} message") }
                if role == .system && turns.isEmpty {
                    systems.append(content)
                } else {
                    turns.append(Turn(role, content))
                }
            }
            return Conversation(system: systems.isEmpty ? nil : systems.joined(separator: "\n\n"), turns: turns)
        case .text:
            throw RecordProblem("a text record has no prompt and answer; train on it as plain text")
        case .records:
            throw RecordProblem(
                "a record of fields \(fieldNames.joined(separator: ", ")) is "
                    + "no conversation yet; map it with augment's \"template\" first")
        }
    }

    /// What to train on: a conversation for alpaca/completion/messages, the text for text.
    public func exampleText(shape: RecordShape) throws(RecordProblem) -> ExampleText {
        if shape == .text { return .text(try string("text")) }
        return .conversation(try asConversation(shape: shape))
    }

    private func string(_ name: String) throws(RecordProblem) -> String {
        guard let value = self[name] else { throw RecordProblem("missing field \"\(name)\"") }
        guard case let .string(text) = value else {
            throw RecordProblem("field \"\(name)\" should be a string, got \(value.typeName)")
        }
        return text
    }

    private func optionalString(_ name: String) throws(RecordProblem) -> String? {
        switch self[name] {
        case nil, .null?: return nil
        case let .string(text)?: return text
        case let other?: throw RecordProblem("field \"\(name)\" should be a string, got \(other.typeName)")
        }
    }
}

extension Record {
    /// Characters of text a record holds, what length filters measure: a conversation's system
    /// prompt and turn contents (alpaca's instruction and input joined by a newline), a text
    /// record's text, or, for other records, every string value (keys not counted).
    public func textLength(shape: RecordShape) -> Int {
        if shape == .text, case let .string(text)? = self["text"] { return text.count }
        if let conversation = try? asConversation(shape: shape) {
            return (conversation.system?.count ?? 0) + conversation.turns.reduce(0) { $0 + $1.content.count }
        }
        return fields.reduce(0) { $0 + stringLength($1.value) }
    }
}

private func stringLength(_ value: JSONValue) -> Int {
    switch value {
    case let .string(s): return s.count
    case let .array(items): return items.reduce(0) { $0 + stringLength($1) }
    case let .object(members): return members.reduce(0) { $0 + stringLength($1.value) }
    default: return 0
    }
}
