/// A location inside a JSON document, printed the way people write it: `stages.adapter.params.r`,
/// `stages.eval.params.prompts[2]`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible, Comparable {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = JSONPath()

    public func key(_ name: String) -> JSONPath { JSONPath(components + [.key(name)]) }
    public func index(_ i: Int) -> JSONPath { JSONPath(components + [.index(i)]) }

    public var description: String {
        if components.isEmpty { return "(top level)" }
        var out = ""
        for component in components {
            switch component {
            case let .key(k):
                let plain = !k.isEmpty && k.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
                if plain {
                    if !out.isEmpty { out += "." }
                    out += k
                } else {
                    out += "[\"\(k)\"]"
                }
            case let .index(i): out += "[\(i)]"
            }
        }
        return out
    }

    public static func < (a: JSONPath, b: JSONPath) -> Bool { a.description < b.description }
}
