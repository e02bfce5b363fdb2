import ArgumentParser
import JSON
import PipeCore

struct StagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages", abstract: "List the stage kinds with their ports and params.")

    @Argument(help: "Only this kind.")
    var kind: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let registry = StageCatalog.registry
        var kinds = registry.sortedKinds
        if let kind {
            guard let one = registry[kind] else {
                let names = kinds.map(\.kind)
                throw ValidationError(
                    "unknown stage kind "
                        + "\"\(kind)\"\(closestMatch(to: kind, in: names).map { " (did you mean \"\($0)\"?)" } ?? ""); "
                        + "kinds: \(names.joined(separator: ", "))")
            }
            kinds = [one]
        }
        if json {
            let value: JSONValue = .array(kinds.map(Self.describe))
            print(value.prettyText)
            return
        }
        for (index, kind) in kinds.enumerated() {
            if index > 0 { print("") }
            print("\(kind.kind) (version \(kind.version)): \(kind.summary)")
            if !kind.inputs.isEmpty {
                print("  inputs:")
                for port in kind.inputs {
                    print(
                        "    \(port.name): \(port.acceptsDescription)\(port.multiple ? " (one or more)" : "")"
                            + "\(port.anyName ? " (any number, any names)" : port.optional ? " (optional)" : "")"
                            + " — \(port.doc)")
                }
            }
            print("  params:")
            for line in Self.paramLines(kind.parameters, indent: "    ") { print(line) }
        }
    }

    static func paramLines(_ params: [ParameterSpec], indent: String) -> [String] {
        var lines: [String] = []
        for param in params {
            var line = "\(indent)\(param.name): \(param.type.expectation)"
            if let fallback = param.defaultValue {
                line += " = \(fallback.compactText)"
            } else if param.required {
                line += " (required)"
            }
            lines.append(line)
            lines.append("\(indent)    \(param.doc)")
            if case let .record(fields) = param.type { lines += paramLines(fields, indent: indent + "    ") }
        }
        return lines
    }

    static func describe(_ kind: StageKind) -> JSONValue {
        [
            "kind": .string(kind.kind),
            "version": .number(Double(kind.version)),
            "summary": .string(kind.summary),
            "inputs": .array(kind.inputs.map { port in
                var members: [(key: String, value: JSONValue)] = [
                    ("name", .string(port.name)), ("accepts", .array(port.accepts.map { .string($0.name) })),
                    ("optional", .bool(port.optional)), ("doc", .string(port.doc)),
                ]
                if port.multiple { members.append(("multiple", true)) }
                if port.anyName { members.append(("any_name", true)) }
                return .object(members)
            }),
            "params": ManifestSchema.recordSchema(kind.parameters),
        ]
    }
}

struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Print the manifest's JSON Schema (for editors).")

    func run() async throws {
        print(ManifestSchema.make(StageCatalog.registry).prettyText)
    }
}
