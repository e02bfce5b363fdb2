import JSON

/// The manifest's JSON Schema (draft 2020-12), generated from the registered stage kinds so editors
/// can complete and check manifests. Written once: from the same specs that validate.
public enum ManifestSchema {
    public static func make(_ registry: StageRegistry) -> JSONValue {
        let stageVariants: [JSONValue] = registry.sortedKinds.map { kind in
            let ports: [(key: String, value: JSONValue)] = kind.inputs.filter { !$0.anyName }.map { port in
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
                        value: inputsSchema(kind, ports: ports)
                    ),
                    (key: "params", value: recordSchema(kind.parameters)),
                    (key: "resources", value: resourcesSchema),
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
                "executor": executorSchema,
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

    /// A stage's `resources`: what its Slurm job asks for.
    static var resourcesSchema: JSONValue {
        var schema = recordSchema(StageResources.fields).objectValue ?? []
        schema.append((key: "description", value: "What the stage's Slurm job asks for (not part of the cache key)."))
        return .object(schema)
    }

    /// The top-level `executor`: local, or Slurm with its partition and account.
    static var executorSchema: JSONValue {
        var schema = recordSchema(ExecutorSettings.fields).objectValue ?? []
        schema.append((key: "description", value: "Where stages run; `pipe run --executor` overrides the kind."))
        return .object(schema)
    }

    /// A kind's `inputs` object: its named ports, and for a kind with an `anyName` port, any other name.
    static func inputsSchema(_ kind: StageKind, ports: [(key: String, value: JSONValue)]) -> JSONValue {
        guard let port = kind.inputs.first(where: \.anyName) else {
            return ["type": "object", "properties": .object(ports), "additionalProperties": false]
        }
        return [
            "type": "object", "properties": .object(ports),
            "propertyNames": ["pattern": "^[A-Za-z0-9_-]{1,64}$"],
            "additionalProperties": [
                "type": "string",
                "description": .string("\(port.doc) (a stage id producing \(port.acceptsDescription))"),
            ],
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
