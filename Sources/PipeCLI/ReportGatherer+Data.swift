import Datasets
import Foundation
import JSON
import ModelArtifacts
import PipeCore
import Report

extension ReportGatherer {
    /// How many records or examples a data section shows.
    static let exampleCount = 3
    /// Fields whose text is what a model is trained to produce; the others are its prompt.
    static let trainedFields: Set<String> = ["output", "completion", "response", "answer", "chosen"]

    func dataset(_ stage: Pipeline.Stage) throws -> DatasetSection? {
        try withArtifact(stage.id) { folder in
            let preview = try DatasetPreview.json(of: folder, rows: Self.exampleCount)
            let splits = (preview["splits"]?.arrayValue ?? []).map {
                DatasetSection.Split(name: $0["name"]?.stringValue ?? "", count: $0["count"]?.intValue ?? 0)
            }
            var examples: [DatasetSection.Example] = []
            for (split, rows) in preview["rows"]?.objectValue ?? [] {
                for row in rows.arrayValue ?? [] where examples.count < Self.exampleCount {
                    examples.append(DatasetSection.Example(split: split, pieces: Self.pieces(of: row)))
                }
            }
            var notes: [String] = []
            if let skipped = preview["skipped"]?["count"]?.intValue { notes.append("\(skipped) rows skipped") }
            return DatasetSection(
                stage: stage.id, kind: stage.kind.kind, format: preview["format"]?.stringValue ?? "",
                splits: splits, examples: examples, notes: notes)
        }
    }

    /// A record's fields as prompt or trained text; chat messages by role (the assistant's trained).
    static func pieces(of record: JSONValue) -> [DatasetSection.Piece] {
        var pieces: [DatasetSection.Piece] = []
        for (name, value) in record.objectValue ?? [] {
            if let messages = value.arrayValue, messages.allSatisfy({ $0["content"] != nil || $0["value"] != nil }) {
                for message in messages {
                    let role = message["role"]?.stringValue ?? message["from"]?.stringValue ?? "?"
                    let text = message["content"]?.stringValue ?? message["value"]?.stringValue ?? ""
                    let trained = role == "assistant" || role == "gpt"
                    pieces.append(.init(role: trained ? .trained : .prompt, label: role, text: text))
                }
                continue
            }
            let text = value.stringValue ?? value.compactText
            pieces.append(.init(role: trainedFields.contains(name) ? .trained : .prompt, label: name, text: text))
        }
        return pieces
    }

    func tokens(_ stage: Pipeline.Stage) throws -> DatasetSection? {
        let tokenizer = try? self.tokenizer(of: stage)
        return try withArtifact(stage.id) { folder in
            let info = try TokenizedInfo.read(from: folder)
            // Nil when the token files were too big to unpack for a report (see `keeping`).
            let data = try? TokenizedDataset.read(from: folder)
            let splits = info.splits.map {
                DatasetSection.Split(
                    name: $0.name, count: $0.examples, tokens: $0.tokens, trainedTokens: $0.trainedTokens,
                    cut: $0.truncated, dropped: $0.dropped)
            }
            let lengths = info.splits.flatMap { (data?.splits[$0.name] ?? []).map(\.tokens.count) }
            var examples: [DatasetSection.Example] = []
            var notes = [
                "template \(info.template), train_on \(info.trainOn)" + (info.packing == true ? ", packed" : "")
            ]
            if data == nil {
                notes.append("token lengths and examples not shown: the token files are too large for a report")
            } else if let data, let tokenizer {
                for split in info.splits {
                    for example in (data.splits[split.name] ?? []).prefix(Self.exampleCount - examples.count) {
                        examples.append(
                            .init(split: split.name, pieces: Self.pieces(of: example, tokenizer: tokenizer)))
                    }
                }
            } else {
                notes.append("examples not shown: the model stage's tokenizer could not be opened")
            }
            return DatasetSection(
                stage: stage.id, kind: stage.kind.kind, format: "tokens", splits: splits, lengths: lengths,
                maxLength: info.maxLength, examples: examples, notes: notes)
        }
    }

    /// The tokenizer of the model a tokenize stage read.
    func tokenizer(of stage: Pipeline.Stage) throws -> (([Int32]) -> String)? {
        guard let source = stage.inputs["model"] else { return nil }
        let artifact = try withArtifact(source) { try ModelArtifact.read(from: $0) }
        guard let artifact else { return nil }
        let tokenizer = try ModelLoader.openTokenizer(artifact.sourceURL(relativeTo: pipeline.folder))
        return { tokenizer.decode($0, renderSpecial: true) }
    }

    /// An example's text in runs of masked (prompt) and trained tokens, as `pipe show` marks them.
    static func pieces(
        of example: TokenizedDataset.Example, tokenizer: ([Int32]) -> String
    ) -> [DatasetSection.Piece] {
        var pieces: [DatasetSection.Piece] = []
        var run: [Int32] = []
        var masked: Bool?
        func flush() {
            guard let masked, !run.isEmpty else { return }
            pieces.append(.init(role: masked ? .prompt : .trained, text: tokenizer(run)))
            run = []
        }
        for (token, label) in zip(example.tokens, example.labels) {
            let isMasked = label == TokenizedDataset.ignoredLabel
            if isMasked != masked {
                flush()
                masked = isMasked
            }
            run.append(token)
        }
        flush()
        return pieces
    }
}
