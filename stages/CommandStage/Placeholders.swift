/// The placeholders of a `command` stage's arguments and env values: `{output}`, the empty folder
/// the program fills, and `{inputs.NAME}`, the unpacked folder of the artifact wired to input NAME.
/// `{{` stands for a literal `{`; every other brace is kept as written (a jq filter's `{a: .b}`).
enum Placeholder: Equatable {
    case output
    case input(String)
}

/// One argument or env value, split into literal text and placeholders.
struct Template: Equatable {
    enum Part: Equatable {
        case text(String)
        case placeholder(Placeholder)
    }

    let parts: [Part]

    /// Splits `text`; a brace group that looks like a misspelt placeholder (`{input.x}`,
    /// `{outputs}`, `{inputs.}`) is an error, so a typo fails validation instead of reaching the program.
    init(parsing text: String) throws(PlaceholderError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if after.first == "{" {
                literal += "{"
                rest = after.dropFirst()
                continue
            }
            guard let close = after.firstIndex(of: "}"), let placeholder = try Self.placeholder(after[..<close]) else {
                literal += "{"
                rest = after
                continue
            }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            parts.append(.placeholder(placeholder))
            rest = after[after.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    /// What is inside a brace pair: a placeholder, nil for text that is not meant as one, or an error
    /// for a near miss.
    private static func placeholder(_ inside: Substring) throws(PlaceholderError) -> Placeholder? {
        if inside == "output" { return .output }
        let head = inside.prefix { $0 != "." }
        let known = ["input", "inputs", "output", "outputs"]
        guard known.contains(String(head)) else { return nil }
        if head == "inputs", inside.count > head.count {
            let name = String(inside.dropFirst(head.count + 1))
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw .malformed("{\(inside)}")
            }
            return .input(name)
        }
        throw .malformed("{\(inside)}")
    }

    var placeholders: [Placeholder] {
        parts.compactMap { if case let .placeholder(p) = $0 { return p } else { return nil } }
    }

    /// The text with each placeholder replaced.
    func expanded(output: String, input: (String) -> String) -> String {
        parts.map { part in
            switch part {
            case let .text(text): return text
            case .placeholder(.output): return output
            case let .placeholder(.input(name)): return input(name)
            }
        }.joined()
    }
}

enum PlaceholderError: Error, CustomStringConvertible, Equatable {
    /// Looks like a placeholder but is not one.
    case malformed(String)

    var description: String {
        switch self {
        case let .malformed(text):
            return "\(text) is not a placeholder: use {output} or {inputs.NAME} (NAME an input of this stage), "
                + "or {{ for a literal brace"
        }
    }
}
