import Foundation
import JSON

/// A stage kind's params: a struct of `@Param` properties whose initial values are the defaults.
///
/// The engine reads the declarations from `Self()` (its mirror, as swift-argument-parser does),
/// validates a manifest's `params` against them, fills the defaults and decodes the struct.
public protocol StageParams: Decodable, Sendable {
    /// Every param at its default.
    init()
}

extension StageParams {
    /// The params as declared, in declaration order.
    public static var specs: [ParameterSpec] { declaredParams().map(\.spec) }

    /// Validates `json` (a manifest's `params` object), fills the defaults and decodes.
    /// Throws `ManifestError.invalid` with every problem, at paths under `path`.
    public static func decode(_ json: JSONValue, at path: JSONPath = .root) throws -> Self {
        var issues: [ManifestIssue] = []
        guard let filled = validateRecord(json, fields: specs, at: path, into: &issues), issues.isEmpty else {
            throw ManifestError.invalid(path: "params", issues: issues)
        }
        return try decodeValidated(filled)
    }

    /// Decodes params that already passed validation, with defaults filled in.
    public static func decodeValidated(_ json: JSONValue) throws -> Self {
        // The manifest names params in snake case; the struct's properties have Swift names.
        let members = declaredParams().map { (key: $0.label, value: json[$0.spec.name] ?? .null) }
        return try JSONValue.object(members).decode(Self.self)
    }

    /// Each param's value as the manifest would write it, by manifest name (absent optionals left out).
    public var values: [String: JSONValue] {
        let names = Dictionary(uniqueKeysWithValues: Self.declaredParams().map { ($0.label, $0.spec.name) })
        var out: [String: JSONValue] = [:]
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, let param = child.value as? ParamDeclaring else { continue }
            let property = label.hasPrefix("_") ? String(label.dropFirst()) : label
            if let name = names[property], let value = param.valueJSON { out[name] = value }
        }
        return out
    }

    static func declaredParams() -> [(label: String, spec: ParameterSpec)] {
        Mirror(reflecting: Self()).children.compactMap { child in
            guard let label = child.label, let declaration = (child.value as? ParamDeclaring)?.declaration else {
                return nil
            }
            let property = label.hasPrefix("_") ? String(label.dropFirst()) : label
            let spec = ParameterSpec(
                declaration.name ?? snakeCase(property), declaration.type, default: declaration.defaultValue,
                required: declaration.required, doc: declaration.doc)
            return (property, spec)
        }
    }
}

/// `maxNewTokens` -> `max_new_tokens`.
func snakeCase(_ name: String) -> String {
    var out = ""
    for character in name {
        if character.isUppercase {
            if !out.isEmpty { out += "_" }
            out += character.lowercased()
        } else {
            out.append(character)
        }
    }
    return out
}
