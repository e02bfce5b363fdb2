import Foundation
import JSON
import PipeCLI
import PipeCore
import Testing

/// Every integer param of every stage kind turns numbers no `Int` holds into an issue at its JSON
/// path (issue 10, item 2): the conversions behind validation never trap.
@Suite("Integer params refuse numbers beyond Int")
struct IntegerParamRangeTests {
    /// The integer params of a kind, one level into records, as JSON paths under `params`.
    func integerPaths(_ specs: [ParameterSpec], under path: [String] = []) -> [[String]] {
        specs.flatMap { spec -> [[String]] in
            switch spec.type {
            case .integer: return [path + [spec.name]]
            case let .record(fields) where path.isEmpty: return integerPaths(fields, under: [spec.name])
            default: return []
            }
        }
    }

    func issues(kind: String, params: JSONValue) -> [String] {
        let stage = JSONValue.object([("kind", .string(kind)), ("params", params)])
        let manifest = JSONValue.object([("stages", .object([("s", stage)]))])
        do {
            _ = try ManifestLoader(registry: StageCatalog.registry)
                .load(Data(manifest.compactText.utf8), url: URL(fileURLWithPath: "/nonexistent/m.json"))
            return []
        } catch let error as ManifestError {
            return error.issues.map(\.path.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test("1e19, -1e19 and 2^63 at any integer param are issues at that param",
          arguments: [1e19, -1e19, 9_223_372_036_854_775_808.0, 1e308])
    func hugeIntegersAreIssues(_ number: Double) {
        for kind in StageCatalog.registry.sortedKinds {
            for path in integerPaths(kind.parameters) {
                var value = JSONValue.number(number)
                for key in path.reversed() { value = .object([(key, value)]) }
                let expected = "stages.s.params." + path.joined(separator: ".")
                #expect(issues(kind: kind.kind, params: value).contains(expected), "\(kind.kind) \(expected)")
            }
        }
    }
}
