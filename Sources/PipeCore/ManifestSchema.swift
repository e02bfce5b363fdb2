import JSON

/// The manifest's JSON Schema (draft 2020-12), generated from the registered stage kinds so editors
/// can complete and check manifests. Written once: from the same specs that validate.
public enum ManifestSchema {
    public static func make(_ registry: StageRegistry) -> JSONValue {
        let stageVariants: [JSONValue] = registry.sortedKinds.map { kind in
            let ports: [(key: String, value: JSONValue)] = kind.inputs.map { port in
                (
                    key: port.name,
                    value: port.multiple
                        ? [
                            "anyOf": [
                                ["type": "string"], ["type": "array", "items": ["type": "string"], "minItems": 1],
                            ],
                            "description": .string("\(port.doc) (stage ids producing \(port.acceptsDescription))"),
                        ]
                        : [
                            "type": "string",
                            "description": .string("\(port.doc) (a stage id producing \(port.acceptsDescription))"),
                        ]
                )
            }
            return [
                "type": "object",
                "description": .string(kind.summary),
                "properties": .object([
                    (key: "kind", value: ["const": .string(kind.kind)]),
                    (key: "description", value: ["type": "string"]),
                    (
                        key: "inputs",
                        value: ["type": "object", "properties": .object(ports), "additionalProperties": false]
                    ),
                    (key: "params", value: recordSchema(kind.parameters)),
                ]),
                "required": ["kind"],
                "additionalProperties": false,
            ]
        }
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "pipe manifest",
            "type": "object",
            "properties": [
                "$schema": ["type": "string"],
                "name": ["type": "string", "description": "The pipeline's name (default: the file name)."],
                "description": ["type": "string"],
                "cache": ["type": "string", "description": "Cache folder, relative to the manifest (default .pipe)."],
                "stages": [
                    "type": "object",
                    "description": "Stage id -> stage.",
                    "minProperties": 1,
                    "additionalProperties": ["oneOf": .array(stageVariants)],
                ],
            ],
            "required": ["stages"],
            "additionalProperties": false,
        ]
    }

    public static func recordSchema(_ fields: [ParameterSpec]) -> JSONValue {
        let properties: [(key: String, value: JSONValue)] = fields.map { field in
            var schema = typeSchema(field.type).objectValue ?? []
            schema.append((key: "description", value: .string(field.doc)))
            if let fallback = field.defaultValue { schema.append((key: "default", value: fallback)) }
            return (key: field.name, value: .object(schema))
        }
        let required = fields.filter(\.required).map { JSONValue.string($0.name) }
        var schema: [(key: String, value: JSONValue)] = [
            (key: "type", value: "object"),
            (key: "properties", value: .object(properties)),
            (key: "additionalProperties", value: false),
        ]
        if !required.isEmpty { schema.append((key: "required", value: .array(required))) }
        return .object(schema)
    }

    static func typeSchema(_ type: ParamType) -> JSONValue {
        switch type {
        case let .integer(min, max):
            var s: [(key: String, value: JSONValue)] = [(key: "type", value: "integer")]
            if let min { s.append((key: "minimum", value: .number(Double(min)))) }
            if let max { s.append((key: "maximum", value: .number(Double(max)))) }
            return .object(s)
        case let .number(min, max, exclusiveMin):
            var s: [(key: String, value: JSONValue)] = [(key: "type", value: "number")]
            if let min { s.append((key: exclusiveMin ? "exclusiveMinimum" : "minimum", value: .number(min))) }
            if let max { s.append((key: "maximum", value: .number(max))) }
            return .object(s)
        case let .string(choices):
            if let choices { return ["type": "string", "enum": .array(choices.map { .string($0) })] }
            return ["type": "string"]
        case .boolean: return ["type": "boolean"]
        case .path: return ["type": "string", "minLength": 1]
        case let .array(element, minCount):
            return ["type": "array", "items": typeSchema(element), "minItems": .number(Double(minCount))]
        case let .map(value): return ["type": "object", "additionalProperties": typeSchema(value)]
        case let .record(fields): return recordSchema(fields)
        case let .anyOf(types): return ["anyOf": .array(types.map(typeSchema))]
        case .json: return [:]
        }
    }
}
