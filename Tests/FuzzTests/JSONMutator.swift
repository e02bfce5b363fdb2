import JSON
import Random

/// A JSON document as the fuzzer edits it: objects keep their order and may hold a key twice,
/// and a leaf may be any raw token (`1e400`, `-0`), even one a strict parser refuses.
indirect enum FuzzJSON {
    case raw(String)
    case string(String)
    case array([FuzzJSON])
    case object([(key: String, value: FuzzJSON)])

    init(_ value: JSONValue) {
        switch value {
        case .null: self = .raw("null")
        case let .bool(flag): self = .raw(flag ? "true" : "false")
        case let .number(number): self = .raw(JSONValue.number(number).compactText)
        case let .string(text): self = .string(text)
        case let .array(items): self = .array(items.map(FuzzJSON.init))
        case let .object(members): self = .object(members.map { (key: $0.key, value: FuzzJSON($0.value)) })
        }
    }

    var text: String {
        switch self {
        case let .raw(token): return token
        case let .string(text): return Self.quoted(text)
        case let .array(items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case let .object(members):
            return "{" + members.map { Self.quoted($0.key) + ": " + $0.value.text }.joined(separator: ", ") + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                guard scalar.value < 0x20 else { out.unicodeScalars.append(scalar); continue }
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }

    /// Every node, depth first; a node's position is its index here.
    var nodeCount: Int {
        switch self {
        case .raw, .string: return 1
        case let .array(items): return 1 + items.reduce(0) { $0 + $1.nodeCount }
        case let .object(members): return 1 + members.reduce(0) { $0 + $1.value.nodeCount }
        }
    }

    /// The node at depth-first position `index`.
    func node(at index: Int) -> FuzzJSON? {
        var remaining = index
        return find(&remaining)
    }

    private func find(_ remaining: inout Int) -> FuzzJSON? {
        if remaining == 0 { return self }
        remaining -= 1
        switch self {
        case .raw, .string: return nil
        case let .array(items):
            for item in items { if let found = item.find(&remaining) { return found } }
        case let .object(members):
            for member in members { if let found = member.value.find(&remaining) { return found } }
        }
        return nil
    }

    /// Replaces the node at depth-first position `index` by what `edit` makes of it.
    mutating func edit(at index: Int, _ edit: (inout FuzzJSON) -> Void) {
        var remaining = index
        _ = apply(&remaining, edit)
    }

    private mutating func apply(_ remaining: inout Int, _ edit: (inout FuzzJSON) -> Void) -> Bool {
        if remaining == 0 { edit(&self); return true }
        remaining -= 1
        switch self {
        case .raw, .string: return false
        case var .array(items):
            for index in items.indices where items[index].apply(&remaining, edit) {
                self = .array(items)
                return true
            }
        case var .object(members):
            for index in members.indices where members[index].value.apply(&remaining, edit) {
                self = .object(members)
                return true
            }
        }
        return false
    }
}

/// Structure-aware mutations of JSON documents: boundary values, deleted and duplicated keys,
/// renamed keys, type swaps and subtrees moved elsewhere. Keeps most documents parseable so
/// that the mutations reach the validators behind the parser.
enum JSONMutator {
    static func mutate(_ document: inout FuzzJSON, _ rng: inout SplitMix64) {
        let count = document.nodeCount
        let target = rng.next(below: count)
        switch rng.next(below: 7) {
        case 0, 1:
            let token = Boundary.token(&rng, invalid: rng.next(below: 10) == 0)
            document.edit(at: target) { $0 = .raw(token) }
        case 2:
            document.edit(at: target) { node in
                guard case var .object(members) = node, !members.isEmpty else { return }
                members.remove(at: rng.next(below: members.count))
                node = .object(members)
            }
        case 3:
            document.edit(at: target) { node in
                guard case var .object(members) = node, !members.isEmpty else { return }
                var copy = members[rng.next(below: members.count)]
                if rng.next(below: 2) == 0 { copy.value = .raw(Boundary.token(&rng, invalid: false)) }
                members.insert(copy, at: rng.next(below: members.count + 1))
                node = .object(members)
            }
        case 4:
            let keys = allKeys(document)
            document.edit(at: target) { node in
                guard case var .object(members) = node, !members.isEmpty, !keys.isEmpty else { return }
                let index = rng.next(below: members.count)
                let renamed = rng.next(below: 4) == 0 ? members[index].key + "_x" : keys[rng.next(below: keys.count)]
                members[index].key = renamed
                node = .object(members)
            }
        case 5:
            document.edit(at: target) { node in swapType(&node, &rng) }
        default:
            guard let subtree = document.node(at: rng.next(below: count)) else { return }
            document.edit(at: target) { $0 = subtree }
        }
    }

    /// A value of another JSON type made from this one: a string's number, an array around it,
    /// an object's values as an array, a number as text.
    static func swapType(_ node: inout FuzzJSON, _ rng: inout SplitMix64) {
        switch node {
        case let .raw(token): node = rng.next(below: 2) == 0 ? .string(token) : .array([node])
        case let .string(text): node = rng.next(below: 2) == 0 ? .raw(text.isEmpty ? "0" : text) : .array([node])
        case let .array(items): node = items.first ?? .object([])
        case let .object(members): node = .array(members.map(\.value))
        }
    }

    static func allKeys(_ document: FuzzJSON) -> [String] {
        switch document {
        case .raw, .string: return []
        case let .array(items): return items.flatMap(allKeys)
        case let .object(members): return members.flatMap { [$0.key] + allKeys($0.value) }
        }
    }
}
