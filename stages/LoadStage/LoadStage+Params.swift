import Datasets
import ModelArtifacts
import JSON
import PipeCore

extension LoadStage {
    /// What a bad data row does.
    public enum OnError: String, ParamChoice {
        /// Fail the stage, naming the file and line.
        case fail
        /// Skip the row; it is counted and reported in dataset.json.
        case skip
    }

    public struct Params: StageParams {
        @Param(
            type: .path,
            doc: "Data file (relative to the manifest): a JSON array, JSONL, CSV/TSV with a header row, "
                + "or text (one record per non-empty line). Its content is part of the cache key.")
        public var dataset: String? = nil
        @Param(
            doc: "Base model: a GGUF file or Hugging Face folder (referenced by content digest, "
                + "never copied into the cache), or {\"init\": {...}, \"tokenizer\": "
                + "path} for random weights. Give exactly one of dataset and model.")
        public var model: ModelParam? = nil
        @Param(
            doc: "Record shape: alpaca (instruction/input/output), completion (prompt/completion), "
                + "messages (role/content or ShareGPT from/value), text, or records (fields kept as they are). "
                + "auto detects it from the first row's fields after `fields` and `defaults`.")
        public var format: AutoOr<RecordShape> = .auto
        @Param(doc: "How to read the file; auto goes by the extension (.json, .jsonl, .csv, .tsv, .txt).")
        public var fileType: AutoOr<FileType> = .auto
        @Param(
            doc: "The shape's field names mapped to the file's own columns, "
                + "e.g. {\"input\": \"sensor_data\", \"output\": \"diagnosis\"}.")
        public var fields: [String: String] = [:]
        @Param(doc: "Constant fields for rows that lack them, e.g. {\"instruction\": \"设备故障诊断\"}.")
        public var defaults: [String: String] = [:]
        @Param(
            type: .map(of: .string(choices: Role.allCases.map(\.rawValue))),
            doc: "For messages: the file's role names mapped to system/user/assistant "
                + "(human/gpt and user/assistant/system are known already).")
        public var roles: [String: String] = [:]
        @Param(doc: "The split the file's records go to.")
        public var split = "train"
        @Param(doc: "Keep only the first this many records.", range: 1...Int(Int32.max))
        public var limit: Int? = nil
        @Param(
            doc:
                "A bad row fails the stage with its file and line, or is skipped, counted and reported in dataset.json."
        )
        public var onError: OnError = .fail

        public init() {}

        /// The record shape, or nil for `auto`.
        var shape: RecordShape? { format.fixed }
        var skipBadRows: Bool { onError == .skip }
        var roleMap: RoleMap { RoleMap(roles.compactMapValues(Role.init(rawValue:))) }
    }

    /// The architecture of a model with random weights, under `model.init`.
    public struct ModelInit: StageParams {
        @Param(doc: "Transformer blocks.", range: 1...256) var layers = 1
        @Param(doc: "Hidden size.", range: 2...65536) var width = 2
        @Param(doc: "Query heads (width / heads is the head size, even).", range: 1...512) var heads = 1
        @Param(doc: "Key/value heads (grouped-query attention); default: heads.", range: 1...512) var kvHeads: Int? =
            nil
        @Param(doc: "SwiGLU inner size.", range: 1...262144) var ffn = 1
        @Param(type: .number(min: 0, exclusiveMin: true), doc: "RoPE base; default 10000.") var ropeTheta: Double? = nil
        @Param(doc: "Context length; default 2048.", min: 1) var maxPositions: Int? = nil
        @Param(doc: "Share the embedding with the output head; default true.") var tieEmbeddings: Bool? = nil

        public init() {}

        static let required: Set<String> = ["layers", "width", "heads", "ffn"]

        /// The params' record type, with the architecture's essentials required.
        static var recordType: ParamType {
            .record(specs.map { spec in
                ParameterSpec(spec.name, spec.type, default: nil, required: required.contains(spec.name), doc: spec.doc)
            })
        }

        var spec: ModelInitSpec {
            ModelInitSpec(layers: layers, width: width, heads: heads, kvHeads: kvHeads, ffn: ffn, ropeTheta: ropeTheta,
                          maxPositions: maxPositions, tieEmbeddings: tieEmbeddings)
        }
    }

    /// `model`: a path, or a config to initialise from.
    public enum ModelParam: ParamValue {
        case path(String)
        case initialize(ModelInitSpec, tokenizer: String, seed: UInt64)

        public static var paramType: ParamType {
            .anyOf([
                .path,
                .record([
                    ParameterSpec(
                        "init", ModelInit.recordType, required: true,
                        doc: "The architecture of a model with random weights (training from scratch)."),
                    ParameterSpec(
                        "tokenizer", .path, required: true,
                        doc: "A GGUF file, Hugging Face folder or tokenizer.json whose tokenizer the new model uses."),
                    ParameterSpec("seed", .integer(min: 0), default: 0, doc: "Seed of the random weights."),
                ]),
            ])
        }

        public var paramJSON: JSONValue? { nil }

        public init(from decoder: Decoder) throws {
            let json = try JSONValue(from: decoder)
            if let path = json.stringValue {
                self = .path(path)
                return
            }
            guard let architecture = json["init"], let tokenizer = json["tokenizer"]?.stringValue else {
                throw StageError.failed("model: expected a path or {\"init\": {...}, \"tokenizer\": path}")
            }
            let seed = json["seed"]?.intValue ?? 0
            self = .initialize(
                try ModelInit.decodeValidated(architecture).spec, tokenizer: tokenizer, seed: UInt64(max(0, seed)))
        }
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        switch (params.dataset, params.model) {
        case (nil, nil):
            issues.append(ManifestIssue(.root, "give \"dataset\" (a data file) or \"model\" (a base model)"))
        case (_?, _?):
            issues.append(ManifestIssue(.root.key("model"), "give either \"dataset\" or \"model\", not both"))
        case (nil, _?), (_?, nil): break
        }
        if !SplitInfo.isValidName(params.split) {
            issues.append(
                ManifestIssue(
                    .root.key("split"), "split names are letters, digits, '_' or '-', got \"\(params.split)\""))
        }
        for (field, column) in params.fields.sorted(by: { $0.key < $1.key }) where column.isEmpty || field.isEmpty {
            issues.append(ManifestIssue(.root.key("fields").key(field), "field and column names must not be empty"))
        }
        return issues
    }
}
