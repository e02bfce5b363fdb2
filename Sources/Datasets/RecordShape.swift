import JSON

/// The shape of a dataset's records: which fields each record has and what they mean.
///
/// - `alpaca`: `instruction`, `input` (may be empty), `output`, optional `system`.
/// - `completion`: `prompt`, `completion`.
/// - `messages`: `messages`, an array of `{"role": "system"|"user"|"assistant", "content": "..."}`.
/// - `text`: `text`, plain text for language modelling.
/// - `records`: any other fields, kept as they are (e.g. before `augment`'s template maps them).
public enum RecordShape: String, Sendable, CaseIterable, Codable {
    case alpaca, completion, messages, text, records

    /// The fields a record of this shape must have.
    public var requiredFields: [String] {
        switch self {
        case .alpaca: return ["instruction", "output"]
        case .completion: return ["prompt", "completion"]
        case .messages: return ["messages"]
        case .text: return ["text"]
        case .records: return []
        }
    }

    /// The fields of the shape in the order records keep them (`records` keeps the file's own).
    public var canonicalFields: [String] {
        switch self {
        case .alpaca: return ["instruction", "input", "output", "system"]
        case .completion: return ["prompt", "completion"]
        case .messages: return ["messages"]
        case .text: return ["text"]
        case .records: return []
        }
    }

    /// The shape that field names suggest, for `format: "auto"`. In order: `messages` (or ShareGPT's
    /// `conversations`) -> messages; `instruction` and `output` -> alpaca; `prompt` and `completion`
    /// -> completion; `text` -> text; anything else -> records.
    public static func detect(fields: [String]) -> RecordShape {
        let names = Set(fields)
        if names.contains("messages") || names.contains("conversations") { return .messages }
        if names.isSuperset(of: ["instruction", "output"]) { return .alpaca }
        if names.isSuperset(of: ["prompt", "completion"]) { return .completion }
        if names.contains("text") { return .text }
        return .records
    }

    /// The record in this shape's canonical form: shape fields only, in canonical order, with
    /// messages' roles mapped through `roles`. Throws a problem a person can act on.
    public func normalize(_ record: Record, roles: RoleMap = RoleMap()) throws(RecordProblem) -> Record {
        if self == .records { return record }
        if self == .messages { return try normalizeMessages(record, roles: roles) }
        for name in requiredFields where record[name] == nil {
            throw RecordProblem("missing field \"\(name)\" (fields: \(record.fieldNames.joined(separator: ", ")))")
        }
        var out = Record()
        for name in canonicalFields {
            switch record[name] {
            case nil, .null?:
                if self == .alpaca && name == "input" { out[name] = .string("") }
                else if record[name] != nil && requiredFields.contains(name) {
                    throw RecordProblem("field \"\(name)\" is null, expected a string")
                }
            case let .string(text)?: out[name] = .string(text)
            case let other?: throw RecordProblem("field \"\(name)\" should be a string, got \(other.typeName)")
            }
        }
        return out
    }

    private func normalizeMessages(_ record: Record, roles: RoleMap) throws(RecordProblem) -> Record {
        let key = record["messages"] != nil ? "messages" : "conversations"
        guard let list = record[key] else {
            throw RecordProblem("missing field \"messages\" (fields: \(record.fieldNames.joined(separator: ", ")))")
        }
        guard case let .array(items) = list else {
            throw RecordProblem("field \"\(key)\" should be an array of messages, got \(list.typeName)")
        }
        var messages: [JSONValue] = []
        for (i, item) in items.enumerated() {
            guard case .object = item else {
                throw RecordProblem("\(key)[\(i)] should be an object, got \(item.typeName)")
            }
            guard let tag = (item["role"] ?? item["from"])?.stringValue else {
                throw RecordProblem("\(key)[\(i)] has no \"role\" (or ShareGPT \"from\") string")
            }
            guard let role = roles.role(for: tag) else {
                throw RecordProblem(
                    "\(key)[\(i)]: unknown role \"\(tag)\" (known: "
                        + "\(roles.knownTags.joined(separator: ", ")); map it with \"roles\")")
            }
            guard let content = (item["content"] ?? item["value"])?.stringValue else {
                throw RecordProblem("\(key)[\(i)] has no \"content\" (or ShareGPT \"value\") string")
            }
            messages.append(
                .object([(key: "role", value: .string(role.rawValue)), (key: "content", value: .string(content))]))
        }
        if messages.isEmpty { throw RecordProblem("field \"\(key)\" is an empty list of messages") }
        var out = Record()
        out["messages"] = .array(messages)
        return out
    }
}

/// Maps a file's role names (OpenAI's `user`/`assistant`/`system`, ShareGPT's `human`/`gpt`, or
/// anything the manifest's `roles` adds) onto the three roles.
public struct RoleMap: Sendable, Equatable {
    public private(set) var tags: [String: Role]

    public static let standard: [String: Role] = [
        "system": .system, "user": .user, "assistant": .assistant,
        "human": .user, "gpt": .assistant, "bot": .assistant, "model": .assistant,
    ]

    /// The standard names plus `extra` (which wins on a clash).
    public init(_ extra: [String: Role] = [:]) {
        tags = RoleMap.standard.merging(extra) { _, new in new }
    }

    public func role(for tag: String) -> Role? { tags[tag] }

    public var knownTags: [String] { tags.keys.sorted() }
}
