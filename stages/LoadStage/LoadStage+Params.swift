import Datasets
import ModelArtifacts
import JSON
import PipeCore

extension LoadStage {
    /// `load`'s params, declared once: the specs feed validation, defaults, `pipe stages` and the
    /// schema; `Params` decodes the validated result. Keep the two in step.
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("dataset", .path,
                      doc: "Data file (relative to the manifest): a JSON array, JSONL, CSV/TSV with a header row, or text (one record per non-empty line). Its content is part of the cache key."),
        ParameterSpec("model", .anyOf([.path, .record([
                          ParameterSpec("init", .record([
                              ParameterSpec("layers", .integer(min: 1, max: 256), required: true, doc: "Transformer blocks."),
                              ParameterSpec("width", .integer(min: 2, max: 65536), required: true, doc: "Hidden size."),
                              ParameterSpec("heads", .integer(min: 1, max: 512), required: true, doc: "Query heads (width / heads is the head size, even)."),
                              ParameterSpec("kv_heads", .integer(min: 1, max: 512), doc: "Key/value heads (grouped-query attention); default: heads."),
                              ParameterSpec("ffn", .integer(min: 1, max: 262144), required: true, doc: "SwiGLU inner size."),
                              ParameterSpec("rope_theta", .number(min: 0, exclusiveMin: true), doc: "RoPE base; default 10000."),
                              ParameterSpec("max_positions", .integer(min: 1), doc: "Context length; default 2048."),
                              ParameterSpec("tie_embeddings", .boolean, doc: "Share the embedding with the output head; default true."),
                          ]), required: true, doc: "The architecture of a model with random weights (training from scratch)."),
                          ParameterSpec("tokenizer", .path, required: true, doc: "A GGUF file, Hugging Face folder or tokenizer.json whose tokenizer the new model uses."),
                          ParameterSpec("seed", .integer(min: 0), default: 0, doc: "Seed of the random weights."),
                      ])]),
                      doc: "Base model: a GGUF file or Hugging Face folder (referenced by content digest, never copied into the cache), or {\"init\": {...}, \"tokenizer\": path} for random weights. Give exactly one of dataset and model."),
        ParameterSpec("format", .string(choices: ["auto"] + RecordShape.allCases.map(\.rawValue)), default: "auto",
                      doc: "Record shape: alpaca (instruction/input/output), completion (prompt/completion), messages (role/content or ShareGPT from/value), text, or records (fields kept as they are). auto detects it from the first row's fields after `fields` and `defaults`."),
        ParameterSpec("file_type", .string(choices: ["auto"] + FileType.allCases.map(\.rawValue)), default: "auto",
                      doc: "How to read the file; auto goes by the extension (.json, .jsonl, .csv, .tsv, .txt)."),
        ParameterSpec("fields", .map(of: .string()), default: .object([]),
                      doc: "The shape's field names mapped to the file's own columns, e.g. {\"input\": \"sensor_data\", \"output\": \"diagnosis\"}."),
        ParameterSpec("defaults", .map(of: .string()), default: .object([]),
                      doc: "Constant fields for rows that lack them, e.g. {\"instruction\": \"设备故障诊断\"}."),
        ParameterSpec("roles", .map(of: .string(choices: Role.allCases.map(\.rawValue))), default: .object([]),
                      doc: "For messages: the file's role names mapped to system/user/assistant (human/gpt and user/assistant/system are known already)."),
        ParameterSpec("split", .string(), default: "train",
                      doc: "The split the file's records go to."),
        ParameterSpec("limit", .integer(min: 1),
                      doc: "Keep only the first this many records."),
        ParameterSpec("on_error", .string(choices: ["fail", "skip"]), default: "fail",
                      doc: "A bad row fails the stage with its file and line, or is skipped, counted and reported in dataset.json."),
    ]

    public struct Params: Decodable, Sendable {
        public var dataset: String?
        public var model: ModelParam?
        public var format: String
        public var fileType: String
        public var fields: [String: String]
        public var defaults: [String: String]
        public var roles: [String: String]
        public var split: String
        public var limit: Int?
        public var onError: String

        enum CodingKeys: String, CodingKey {
            case dataset, model, format
            case fileType = "file_type"
            case fields, defaults, roles, split, limit
            case onError = "on_error"
        }

        /// The record shape, or nil for `auto`.
        var shape: RecordShape? { RecordShape(rawValue: format) }
        var skipBadRows: Bool { onError == "skip" }
        var roleMap: RoleMap { RoleMap(roles.compactMapValues(Role.init(rawValue:))) }
    }

    /// `model`: a path, or a config to initialise from.
    public enum ModelParam: Decodable, Sendable {
        case path(String)
        case initialize(ModelInitSpec, tokenizer: String, seed: UInt64)

        enum CodingKeys: String, CodingKey { case `init`, tokenizer, seed }

        public init(from decoder: Decoder) throws {
            if let path = try? decoder.singleValueContainer().decode(String.self) {
                self = .path(path)
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self = .initialize(try container.decode(ModelInitSpec.self, forKey: .`init`),
                               tokenizer: try container.decode(String.self, forKey: .tokenizer),
                               seed: try container.decode(UInt64.self, forKey: .seed))
        }
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        switch (params.dataset, params.model) {
        case (nil, nil): issues.append(ManifestIssue(.root, "give \"dataset\" (a data file) or \"model\" (a base model)"))
        case (_?, _?): issues.append(ManifestIssue(.root.key("model"), "give either \"dataset\" or \"model\", not both"))
        case (nil, _?), (_?, nil): break
        }
        if !SplitInfo.isValidName(params.split) {
            issues.append(ManifestIssue(.root.key("split"), "split names are letters, digits, '_' or '-', got \"\(params.split)\""))
        }
        for (field, column) in params.fields.sorted(by: { $0.key < $1.key }) where column.isEmpty || field.isEmpty {
            issues.append(ManifestIssue(.root.key("fields").key(field), "field and column names must not be empty"))
        }
        return issues
    }
}
