import Datasets
import Foundation
import JSON
import ModelArtifacts
import PipeCore

/// Turns what a program left in `{output}` into the artifact of the declared type.
enum CommandOutput {
    static func finish(_ type: CommandStage.Output, from folder: URL, into output: URL, stage: String) throws {
        switch type {
        case .files: try moveContents(of: folder, into: output)
        case .dataset: try writeDataset(from: folder, into: output, stage: stage)
        case .model: try writeModel(from: folder, into: output)
        }
    }

    private static func moveContents(of folder: URL, into output: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            try FileManager.default.moveItem(
                at: folder.appendingPathComponent(name), to: output.appendingPathComponent(name))
        }
    }

    /// Reads each split file (`<split>.jsonl`, one JSON object per line) and writes the records in
    /// the dataset artifact's canonical form. `dataset.json`, if the program wrote one, names the
    /// format and the splits, and its counts must hold; without it every `.jsonl` file is a split
    /// (train first, then by name) and the format is detected from the first record, as `load` does.
    static func writeDataset(from folder: URL, into output: URL, stage: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        if let stray = names.filter({ !$0.hasSuffix(".jsonl") && $0 != DatasetInfo.fileName }).sorted().first {
            throw CommandError.badOutput(
                "\(stage): {output} holds \(stray), which is not part of a dataset (one <split>.jsonl file per "
                    + "split and optionally \(DatasetInfo.fileName)); declare \"output\": \"files\" to keep any files")
        }
        var shape: RecordShape?
        var splits: [(name: String, count: Int?)]
        if names.contains(DatasetInfo.fileName) {
            let info: DatasetInfo
            do { info = try DatasetInfo.read(from: folder) } catch {
                throw StageError.badData(file: "\(stage)/\(DatasetInfo.fileName)", line: nil, message: "\(error)")
            }
            shape = info.shape
            splits = info.splits.map { ($0.name, $0.count) }
            let listed = Set(info.splits.map(\.file))
            if let stray = names.filter({ $0.hasSuffix(".jsonl") && !listed.contains($0) }).sorted().first {
                throw CommandError.badOutput(
                    "\(stage): {output} holds \(stray), which \(DatasetInfo.fileName) does not list as a split")
            }
        } else {
            let files = names.filter { $0.hasSuffix(".jsonl") }.sorted {
                $0 == "train.jsonl" || ($1 != "train.jsonl" && $0 < $1)
            }
            splits = files.map { (name: String($0.dropLast(".jsonl".count)), count: Int?.none) }
            if let bad = splits.first(where: { !SplitInfo.isValidName($0.name) }) {
                throw CommandError.badOutput(
                    "\(stage): \(bad.name).jsonl: split names are letters, digits, '_' or '-'")
            }
        }
        guard !splits.isEmpty else {
            throw CommandError.badOutput(
                "\(stage): the program wrote no split files into {output} (a dataset is one <split>.jsonl file "
                    + "per split, e.g. train.jsonl, one JSON object per line)")
        }
        var writer: DatasetWriter?
        var total = 0
        for split in splits {
            let file = SplitInfo.fileName(for: split.name)
            let shown = "\(stage)/\(file)"
            let data: Data
            do { data = try Data(contentsOf: folder.appendingPathComponent(file)) } catch {
                throw StageError.badData(file: shown, line: nil, message: "cannot read: \(error.localizedDescription)")
            }
            var scanner = LineScanner(data)
            var count = 0
            while let (line, bytes) = scanner.next() {
                do {
                    let parsed = try LineScanner.parseRecord(bytes)
                    let recordShape = shape ?? RecordShape.detect(fields: parsed.fieldNames)
                    let record = try recordShape.normalize(parsed)
                    if writer == nil {
                        shape = recordShape
                        writer = try DatasetWriter(folder: output, shape: recordShape)
                        for each in splits { try writer?.addSplit(each.name) }
                    }
                    try writer?.append(record, to: split.name)
                } catch let problem as RecordProblem {
                    throw StageError.badData(file: shown, line: line, message: problem.message)
                }
                count += 1
            }
            if let promised = split.count, promised != count {
                throw StageError.badData(
                    file: "\(stage)/\(DatasetInfo.fileName)", line: nil,
                    message: "split \"\(split.name)\" promises \(promised) records, \(file) has \(count)")
            }
            total += count
        }
        guard let writer, total > 0 else {
            throw CommandError.badOutput("\(stage): the program's split files hold no records")
        }
        _ = try writer.finish()
    }

    /// Keeps `model.gguf` (weights and tokenizer) as the artifact's own GGUF, described in `model.json`.
    static func writeModel(from folder: URL, into output: URL) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        guard names == ["model.gguf"] else {
            throw CommandError.badOutput(
                "a model output is one file, model.gguf (a GGUF with its tokenizer) in {output}; the program wrote "
                    + (names.isEmpty ? "nothing" : names.joined(separator: ", ")))
        }
        let file = output.appendingPathComponent(ModelArtifact.quantizedFile)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: folder.appendingPathComponent("model.gguf"), to: file)
        let artifact = try ModelLoader.describe(ggufIn: output, recordedAs: ModelArtifact.quantizedFile)
        try artifact.write(to: output)
        try Data(artifact.summaryText.utf8).write(to: output.appendingPathComponent(ArtifactSummary.markdownFile))
    }
}
