import Datasets
import Foundation
import ModelArtifacts
import JSON
import PipeCore

/// `load`: a data file into a `dataset` artifact (or, with the model issue, a base model into a `model`).
///
/// A dataset load reads the file row by row (JSON array elements, JSONL lines, CSV records or
/// text lines), applies `fields` and `defaults`, settles the shape (`format`, or detected from
/// the first good row), puts each record in the shape's canonical form and streams it into the
/// artifact's split file. A bad row stops the stage with `file:line: message`, or with
/// `on_error: "skip"` is counted and listed in `dataset.json`.
public struct LoadStage: Stage {
    public static let kind = "load"
    public static let version = 2
    public static let summary =
        "Loads a dataset from JSON, JSONL, CSV or text into records "
        + "of one shape (alpaca, completion, messages, text, records)"
    public static let inputs: [InputPort] = []

    public init() {}

    /// The one place the output type is decided: the model half plugs in here.
    public static func outputType(for params: Params) -> ArtifactType {
        params.model != nil ? "model" : "dataset"
    }

    public static func externalFiles(for params: Params, in folder: URL) -> [ExternalFile] {
        if let dataset = params.dataset {
            return [ExternalFile(name: dataset, url: resolvePath(dataset, in: folder), param: .root.key("dataset"))]
        }
        // A model's files: the GGUF file, or each file of a Hugging Face folder, or the tokenizer of an init.
        let (path, param, tokenizerOnly): (String, JSONPath, Bool)
        switch params.model {
        case let .path(given)?: (path, param, tokenizerOnly) = (given, .root.key("model"), false)
        case let .initialize(_, tokenizer, _)?:
            (path, param, tokenizerOnly) = (tokenizer, .root.key("model").key("tokenizer"), true)
        case nil: return []
        }
        let url = resolvePath(path, in: folder)
        guard let (_, files) = try? ModelLoader.sourceFiles(url, tokenizerOnly: tokenizerOnly), !files.isEmpty else {
            return [ExternalFile(name: path, url: url, param: param)]
        }
        return files.map { name, file in
            ExternalFile(name: files.count == 1 && file == url ? path : "\(path)/\(name)", url: file, param: param)
        }
    }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        if let model = params.model {
            let artifact: ModelArtifact
            switch model {
            case let .path(path):
                artifact = try ModelLoader.describe(context.resolve(path), recordedAs: path)
            case let .initialize(spec, tokenizer, seed):
                artifact = try ModelLoader.describe(
                    initializing: spec, tokenizer: context.resolve(tokenizer), recordedAs: tokenizer,
                    seed: seed)
            }
            try artifact.write(to: context.outputFolder)
            try context.writeSummary(markdown: artifact.summaryText)
            context.say(
                "\(artifact.config.modelType), \(artifact.config.layerCount) layers, "
                    + "\(artifact.summary.parameters.formatted()) parameters, \(artifact.format.rawValue)")
            return
        }
        guard let path = params.dataset else {
            throw StageError.failed("give \"dataset\" or \"model\"")
        }
        let url = context.resolve(path)
        let data: Data
        // Read, not mapped: a file someone truncates while it loads must not crash the run.
        do { data = try Data(contentsOf: url) } catch {
            throw StageError.badData(
                file: path, line: nil, message: "cannot read the file: \(error.localizedDescription)")
        }
        let fileType: FileType
        if let given = params.fileType.fixed {
            fileType = given
        } else if let detected = FileType.detect(path: path, data: data) {
            fileType = detected
        } else {
            throw StageError.badData(
                file: path, line: nil,
                message: "cannot tell the file type from its extension; set file_type to "
                    + "one of \(FileType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let info = try Self.load(
            data, fileType: fileType, path: path, params: params, into: context.outputFolder, context: context)
        var note =
            "\(info.totalCount) \(info.shape.rawValue) record\(info.totalCount == 1 ? "" : "s") into \(params.split)"
        if info.skipped.count > 0 {
            note += ", \(info.skipped.count) bad row\(info.skipped.count == 1 ? "" : "s") skipped"
        }
        context.say(note)
    }

    /// Streams the rows of `data` into a dataset artifact in `folder`.
    static func load(
        _ data: Data, fileType: FileType, path: String, params: Params, into folder: URL, context: StageContext?
    ) throws -> DatasetInfo {
        var source: RowSource
        do { source = try RowSource(data: data, type: fileType) } catch {
            throw StageError.badData(file: path, line: error.line, message: error.message)
        }
        let mapping = FieldMapping(columns: params.fields, defaults: params.defaults)
        let roles = params.roleMap
        var shape = params.shape
        var writer: DatasetWriter?
        var skipped = SkippedRows()
        var written = 0
        var rows = 0

        func reject(_ line: Int, _ problem: RecordProblem) throws {
            guard params.skipBadRows else { throw StageError.badData(file: path, line: line, message: problem.message) }
            skipped.add("\(path):\(line): \(problem.message)")
        }

        while params.limit.map({ written < $0 }) ?? true {
            let next: Row?
            do { next = try source.next() } catch {
                throw StageError.badData(file: path, line: error.line, message: error.message)
            }
            guard let row = next else { break }
            rows += 1
            if rows % 4096 == 0 {
                try context?.checkCancellation()
                context?.progress(min(source.offset, data.count) >> 10, of: max(1, data.count >> 10), unit: "KB")
            }
            let record: Record
            do {
                let mapped = try mapping.apply(try row.record.get())
                let rowShape = shape ?? RecordShape.detect(fields: mapped.fieldNames)
                record = try rowShape.normalize(mapped, roles: roles)
                if shape == nil { shape = rowShape }
            } catch {
                try reject(row.line, error)
                continue
            }
            if writer == nil, let shape {
                writer = try DatasetWriter(folder: folder, shape: shape)
                try writer?.addSplit(params.split)
            }
            try writer?.append(record, to: params.split)
            written += 1
        }
        guard let writer, written > 0 else {
            let reason = skipped.count > 0 ? " (\(skipped.count) bad rows skipped; first: \(skipped.examples[0]))" : ""
            throw StageError.badData(file: path, line: nil, message: "no records in the file\(reason)")
        }
        writer.skipped = skipped
        return try writer.finish()
    }
}
