import Datasets
import JSON
import PipeCore

extension AugmentStage {
    /// `augment`'s params, declared once: the specs feed validation, defaults, `pipe stages` and the
    /// schema; `Params` decodes the validated result. Keep the two in step.
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("seed", .integer(min: 0), default: 0,
                      doc: "Seed of every random choice (replacements, split, shuffle): same seed, same bytes."),
        ParameterSpec("template", .map(of: .string()), default: .object([]),
                      doc: "Maps each record to a new one: output field -> text with {field} placeholders (a nested object renders as `key: value` lines, an array as lines; {{ and }} are literal braces), e.g. {\"instruction\": \"解析法律条款\", \"input\": \"{clause}\", \"output\": \"{analysis}\"}."),
        ParameterSpec("format", .string(choices: ["auto"] + RecordShape.allCases.map(\.rawValue)), default: "auto",
                      doc: "Shape of the output records; auto keeps the input's, or detects it from the template's fields."),
        ParameterSpec("min_length", .integer(min: 0),
                      doc: "Drop records with fewer characters of text (a conversation's contents, a text, or a record's string values)."),
        ParameterSpec("max_length", .integer(min: 1),
                      doc: "Drop records with more characters of text."),
        ParameterSpec("dedupe", .boolean, default: true,
                      doc: "Drop exact duplicates (originals, then copies that change nothing); a record already in an eval split is dropped from train."),
        ParameterSpec("split", .map(of: .number(min: 0, exclusiveMin: true)), default: .object([]),
                      doc: "Moves records from train into other splits: a fraction below 1 ({\"eval\": 0.1}) or a whole count ({\"eval\": 30}). Records already in a split other than train stay there."),
        ParameterSpec("replace", .map(of: .map(of: .array(of: .string(), minCount: 1))), default: .object([]),
                      doc: "Per field, words and their replacements: {\"input\": {\"咳嗽\": [\"胸痛\", \"呼吸困难\", \"咯血\"]}}. Each copy of a train record picks one replacement per word."),
        ParameterSpec("copies", .integer(min: 0, max: 1000), default: 1,
                      doc: "Augmented copies per train record made by `replace` (none without rules)."),
        ParameterSpec("keep_original", .boolean, default: true,
                      doc: "Keep each train record beside its copies; false replaces it by them."),
        ParameterSpec("shuffle", .boolean, default: true,
                      doc: "Shuffle each split's records (seeded)."),
    ]

    public struct Params: Decodable, Sendable {
        public var seed: Int
        public var template: [String: String]
        public var format: String
        public var minLength: Int?
        public var maxLength: Int?
        public var dedupe: Bool
        public var split: [String: Double]
        public var replace: [String: [String: [String]]]
        public var copies: Int
        public var keepOriginal: Bool
        public var shuffle: Bool

        enum CodingKeys: String, CodingKey {
            case seed, template, format
            case minLength = "min_length"
            case maxLength = "max_length"
            case dedupe, split, replace, copies
            case keepOriginal = "keep_original"
            case shuffle
        }

        /// The output shape when the manifest names one.
        var shape: RecordShape? { RecordShape(rawValue: format) }
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        for (field, text) in params.template.sorted(by: { $0.key < $1.key }) {
            do { _ = try Template(text) } catch { issues.append(ManifestIssue(.root.key("template").key(field), error.message)) }
        }
        if let min = params.minLength, let max = params.maxLength, min > max {
            issues.append(ManifestIssue(.root.key("min_length"), "min_length \(min) is above max_length \(max)"))
        }
        var fractions = 0.0
        for (name, amount) in params.split.sorted(by: { $0.key < $1.key }) {
            let path = JSONPath.root.key("split").key(name)
            if name == "train" { issues.append(ManifestIssue(path, "records move out of train; name the split they go to, e.g. \"eval\"")) }
            if !SplitInfo.isValidName(name) { issues.append(ManifestIssue(path, "split names are letters, digits, '_' or '-'")) }
            if amount < 1 { fractions += amount } else if amount.rounded() != amount {
                issues.append(ManifestIssue(path, "expected a fraction below 1 or a whole count, got \(amount)"))
            }
        }
        if fractions >= 1 { issues.append(ManifestIssue(.root.key("split"), "the fractions add up to \(fractions); leave some records for train")) }
        for (field, words) in params.replace.sorted(by: { $0.key < $1.key }) where words.keys.contains("") {
            issues.append(ManifestIssue(.root.key("replace").key(field), "a word to replace must not be empty"))
        }
        return issues
    }
}
