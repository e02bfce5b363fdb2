import Datasets
import JSON
import PipeCore

extension AugmentStage {
    public struct Params: StageParams {
        @Param(doc: "Seed of every random choice (replacements, split, shuffle): same seed, same bytes.", min: 0)
        public var seed = 0
        @Param(
            doc: "Maps each record to a new one: output field -> text with {field} placeholders (a nested "
                + "object renders as `key: value` lines, an array as lines; {{ and }} are literal braces), e.g. "
                + "{\"instruction\": \"解析法律条款\", \"input\": \"{clause}\", \"output\": \"{analysis}\"}.")
        public var template: [String: String] = [:]
        @Param(doc: "Shape of the output records; auto keeps the input's, or detects it from the template's fields.")
        public var format: AutoOr<RecordShape> = .auto
        @Param(
            doc: "Drop records with fewer characters of text (a conversation's contents, "
                + "a text, or a record's string values).", min: 0)
        public var minLength: Int? = nil
        @Param(doc: "Drop records with more characters of text.", min: 1)
        public var maxLength: Int? = nil
        @Param(
            doc: "Drop exact duplicates (originals, then copies that change nothing); "
                + "a record already in an eval split is dropped from train.")
        public var dedupe = true
        @Param(
            type: .map(of: .number(min: 0, max: 1e9, exclusiveMin: true)),
            doc: "Moves records from train into other splits: a fraction below 1 ({\"eval\": "
                + "0.1}) or a whole count ({\"eval\": 30}). Records already in a split other than train stay there.")
        public var split: [String: Double] = [:]
        @Param(
            type: .map(of: .map(of: .array(of: .string(), minCount: 1))),
            doc: "Per field, words and their replacements: {\"input\": {\"咳嗽\": [\"胸痛\", "
                + "\"呼吸困难\", \"咯血\"]}}. Each copy of a train record picks one replacement per word.")
        public var replace: [String: [String: [String]]] = [:]
        @Param(doc: "Augmented copies per train record made by `replace` (none without rules).", range: 0...1000)
        public var copies = 1
        @Param(doc: "Keep each train record beside its copies; false replaces it by them.")
        public var keepOriginal = true
        @Param(doc: "Shuffle each split's records (seeded).")
        public var shuffle = true

        public init() {}

        /// The output shape when the manifest names one.
        var shape: RecordShape? { format.fixed }
    }

    public static func check(_ params: Params) -> [ManifestIssue] {
        var issues: [ManifestIssue] = []
        for (field, text) in params.template.sorted(by: { $0.key < $1.key }) {
            do { _ = try Template(text) } catch {
                issues.append(ManifestIssue(.root.key("template").key(field), error.message))
            }
        }
        if let min = params.minLength, let max = params.maxLength, min > max {
            issues.append(ManifestIssue(.root.key("min_length"), "min_length \(min) is above max_length \(max)"))
        }
        var fractions = 0.0
        for (name, amount) in params.split.sorted(by: { $0.key < $1.key }) {
            let path = JSONPath.root.key("split").key(name)
            if name == "train" {
                issues.append(
                    ManifestIssue(path, "records move out of train; name the split they go to, e.g. \"eval\""))
            }
            if !SplitInfo.isValidName(name) {
                issues.append(ManifestIssue(path, "split names are letters, digits, '_' or '-'"))
            }
            if amount < 1 {
                fractions += amount
            } else if amount.rounded() != amount {
                issues.append(ManifestIssue(path, "expected a fraction below 1 or a whole count, got \(amount)"))
            }
        }
        if fractions >= 1 {
            issues.append(
                ManifestIssue(.root.key("split"), "the fractions add up to \(fractions); leave some records for train"))
        }
        for (field, words) in params.replace.sorted(by: { $0.key < $1.key }) where words.keys.contains("") {
            issues.append(ManifestIssue(.root.key("replace").key(field), "a word to replace must not be empty"))
        }
        return issues
    }
}
