import ArgumentParser
import Datasets
import Foundation
import JSON
import PipeCache
import PipeCore

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a stage's cached artifact: dataset rows, model summary, training log, eval report."
    )

    @OptionGroup var manifest: ManifestOptions

    @Argument(help: "The stage id.")
    var stage: String

    @Option(name: .long, help: "How many rows of a dataset to show.")
    var rows: Int = 5

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let (pipeline, store, plan) = try manifest.plan()
        try checkStage(stage, in: pipeline, option: "STAGE")
        guard let key = plan.keys[stage], let entry = store.entry(for: key) else {
            printError(
                "stage \"\(stage)\" has no cached artifact for its current inputs and params; "
                    + "run `pipe run \(manifest.manifest) --until \(stage)` first")
            throw ExitCodes.failedRun
        }
        let folder = try store.makeTemporaryFolder("show")
        try? FileManager.default.removeItem(at: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try store.unpack(key: key, into: folder)
        } catch {
            printError("\(error)")
            throw ExitCodes.failedRun
        }
        let presentation = try ArtifactPresenter.present(type: entry.type, folder: folder, rows: rows)
        if json {
            let value: JSONValue = [
                "stage": .string(stage), "type": .string(entry.type), "key": .string(key),
                "digest": .string(entry.digest.hex),
                "bytes": .number(Double(entry.bytes)), "content": presentation.json,
            ]
            print(value.prettyText)
        } else {
            print(
                "\(stage) [\(entry.type)] key \(key.prefix(12)) digest \(entry.digest.short) "
                    + "(\(formatBytes(entry.bytes)), \(formatBytes(entry.compressedBytes)) stored)")
            print(presentation.text)
        }
    }
}

/// How `pipe show` renders each artifact type.
enum ArtifactPresenter {
    struct Presentation {
        var text: String
        var json: JSONValue
    }

    static func present(type: String, folder: URL, rows: Int) throws -> Presentation {
        if type == "dataset" {
            return Presentation(
                text: try DatasetPreview.text(of: folder, rows: rows),
                json: try DatasetPreview.json(of: folder, rows: rows))
        }
        // Stages may leave a ready rendering: Markdown (text) and JSON (data).
        let markdown = folder.appendingPathComponent(ArtifactSummary.markdownFile)
        let data = folder.appendingPathComponent(ArtifactSummary.jsonFile)
        if let text = try? String(contentsOf: markdown, encoding: .utf8) {
            var json = (try? JSONParser.parse(Data(contentsOf: data))) ?? .null
            // Token artifacts describe themselves in tokens.json: counts, tokens, cut and dropped per split.
            if type == "tokens", json == .null, let info = try? TokenizedInfo.read(from: folder) {
                json = (try? JSONValue.encode(info)) ?? .null
            }
            return Presentation(text: text, json: json)
        }
        let files = try ArtifactArchive.files(in: folder)
        let text = files.map { "  \($0.path)  \(formatBytes($0.size))" }.joined(separator: "\n")
        let json: JSONValue = .array(files.map { ["path": .string($0.path), "bytes": .number(Double($0.size))] })
        return Presentation(text: text, json: ["files": json])
    }
}

func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
