import ArgumentParser
import PipeCore

struct DagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dag", abstract: "Print the pipeline's graph.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, dot, mermaid }

    @OptionGroup var manifest: ManifestOptions

    @Option(name: .long, help: "text, dot (Graphviz) or mermaid.")
    var format: Format = .text

    func run() async throws {
        let pipeline = try manifest.load()
        print(DagRenderer.render(pipeline, format: format.rawValue))
    }
}

/// Draws a pipeline's stages and wires.
enum DagRenderer {
    static func render(_ pipeline: Pipeline, format: String) -> String {
        let order = pipeline.order
        switch format {
        case "dot":
            var lines = ["digraph \"\(pipeline.name)\" {", "  rankdir=LR;", "  node [shape=box];"]
            for id in order {
                guard let stage = pipeline.stage(id) else { continue }
                lines.append("  \"\(id)\" [label=\"\(id)\\n\(stage.kind.kind) -> \(stage.outputType)\"];")
            }
            for id in order {
                for (port, source) in (pipeline.stage(id)?.inputs ?? [:]).sorted(by: { $0.key < $1.key }) {
                    lines.append("  \"\(source)\" -> \"\(id)\" [label=\"\(port)\"];")
                }
            }
            lines.append("}")
            return lines.joined(separator: "\n")
        case "mermaid":
            var lines = ["flowchart LR"]
            func node(_ id: String) -> String {
                "s_" + id.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            }
            for id in order {
                guard let stage = pipeline.stage(id) else { continue }
                lines.append("  \(node(id))[\"\(id)<br/>\(stage.kind.kind)\"]")
            }
            for id in order {
                for (port, source) in (pipeline.stage(id)?.inputs ?? [:]).sorted(by: { $0.key < $1.key }) {
                    lines.append("  \(node(source)) -->|\(port)| \(node(id))")
                }
            }
            return lines.joined(separator: "\n")
        default:
            var lines: [String] = []
            for id in order {
                guard let stage = pipeline.stage(id) else { continue }
                let wires = stage.inputs.sorted(by: { $0.key < $1.key }).map { "\($0.key) <- \($0.value)" }
                let from = wires.isEmpty ? "" : "  (" + wires.joined(separator: ", ") + ")"
                lines.append("\(id) [\(stage.kind.kind) -> \(stage.outputType)]\(from)")
            }
            return lines.joined(separator: "\n")
        }
    }
}
