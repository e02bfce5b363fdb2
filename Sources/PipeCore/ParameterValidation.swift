import JSON

extension ParamType {
    /// Checks `value`, appending an issue per problem; returns the value with defaults filled in
    /// (nil when it is unusable).
    func validate(_ value: JSONValue, at path: JSONPath, into issues: inout [ManifestIssue]) -> JSONValue? {
        func reject() -> JSONValue? {
            issues.append(ManifestIssue(path, "expected \(expectation), got \(shown(value))"))
            return nil
        }
        switch self {
        case let .integer(min, max):
            guard let int = value.intValue else { return reject() }
            if let min, int < min { return reject() }
            if let max, int > max { return reject() }
            return value
        case let .number(min, max, exclusiveMin):
            guard let number = value.doubleValue else { return reject() }
            if let min, exclusiveMin ? number <= min : number < min { return reject() }
            if let max, number > max { return reject() }
            return value
        case let .string(choices):
            guard let text = value.stringValue else { return reject() }
            if let choices, !choices.contains(text) {
                issues.append(
                    ManifestIssue(path, "expected \(expectation), got \(shown(value))\(didYouMean(text, choices))"))
                return nil
            }
            return value
        case .boolean:
            return value.boolValue == nil ? reject() : value
        case .path:
            guard let text = value.stringValue, !text.isEmpty else { return reject() }
            return value
        case let .array(element, minCount):
            guard let items = value.arrayValue, items.count >= minCount else { return reject() }
            let checked = items.enumerated().map { element.validate($1, at: path.index($0), into: &issues) }
            return checked.contains { $0 == nil } ? nil : .array(checked.compactMap { $0 })
        case let .map(valueType):
            guard let members = value.objectValue else { return reject() }
            let checked = members.map {
                (key: $0.key, value: valueType.validate($0.value, at: path.key($0.key), into: &issues))
            }
            return checked.contains { $0.value == nil } ? nil : .object(checked.map { (key: $0.key, value: $0.value!) })
        case let .record(fields):
            guard value.objectValue != nil else { return reject() }
            return validateRecord(value, fields: fields, at: path, into: &issues)
        case let .anyOf(types):
            for type in types {
                var scratch: [ManifestIssue] = []
                if let ok = type.validate(value, at: path, into: &scratch), scratch.isEmpty { return ok }
            }
            // Report against the alternative of the same JSON shape when there is one.
            if let sameShape = types.first(where: { $0.accepts(shapeOf: value) }) {
                return sameShape.validate(value, at: path, into: &issues)
            }
            return reject()
        case .json:
            return value
        }
    }

    func accepts(shapeOf value: JSONValue) -> Bool {
        switch (self, value) {
        case (.integer, .number), (.number, .number), (.string, .string), (.path, .string), (.boolean, .bool),
             (.array, .array), (.map, .object), (.record, .object), (.json, _): return true
        case let (.anyOf(types), _): return types.contains { $0.accepts(shapeOf: value) }
        default: return false
        }
    }
}

/// Validates an object against known fields: unknown keys (with "did you mean"), missing required
/// keys, each value's type; fills defaults. Returns nil if anything was wrong.
func validateRecord(
    _ value: JSONValue, fields: [ParameterSpec], at path: JSONPath, into issues: inout [ManifestIssue]
) -> JSONValue? {
    let members = value.objectValue ?? []
    let names = fields.map(\.name)
    let before = issues.count
    var out: [(key: String, value: JSONValue)] = []
    for member in members where !names.contains(member.key) {
        issues.append(
            ManifestIssue(path.key(member.key), "unknown param \"\(member.key)\"\(didYouMean(member.key, names))"))
    }
    for field in fields {
        if let given = value[field.name] {
            if let checked = field.type.validate(given, at: path.key(field.name), into: &issues) {
                out.append((key: field.name, value: checked))
            }
        } else if let fallback = field.defaultValue {
            out.append((key: field.name, value: fallback))
        } else if field.required {
            issues.append(ManifestIssue(path.key(field.name), "missing required param (\(field.type.expectation))"))
        }
    }
    return issues.count == before ? .object(out) : nil
}
