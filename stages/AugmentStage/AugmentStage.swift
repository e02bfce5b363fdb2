import Datasets
import Foundation
import JSON
import PipeCore
import Random

/// `augment`: a dataset in, a dataset out, transformed declaratively in a fixed order:
///
/// 1. `template` maps every record of every split to a new record (then `format` settles the shape
///    and each record is put in that shape's canonical form).
/// 2. Length filters (`min_length`, `max_length`) and `dedupe` drop originals; splits other than
///    train go first, so a record already in eval is the one kept.
/// 3. `split` moves a seeded random choice of train records into the named splits (in name order).
/// 4. `replace` makes `copies` of each train record (eval stays real data); copies pass the same
///    filters and dedupe, and follow their original (which `keep_original: false` drops).
/// 5. `shuffle` shuffles each split on its own.
///
/// Each random step has its own generator derived from `seed` (`SplitMix64(seed:stream:)`), so
/// changing one step's params does not change another step's picks.
public struct AugmentStage: Stage {
    public static let kind = "augment"
    public static let version = 1
    public static let summary =
        "Transforms a dataset: templates, seeded replacement copies, length filters, dedupe, shuffle, train/eval split"
    public static let inputs: [InputPort] = [
        InputPort("dataset", accepts: ["dataset"], doc: "The records to transform.")
    ]

    public init() {}

    public static func outputType(for params: Params) -> ArtifactType { "dataset" }

    /// What the stage did, for its closing line.
    public struct Summary: Sendable, Equatable {
        public var input = 0
        public var copies = 0
        public var duplicates = 0
        public var tooShort = 0
        public var tooLong = 0
    }

    public func run(_ params: Params, inputs: StageInputs, context: StageContext) async throws {
        let input = try inputs.require("dataset")
        let dataset = try Dataset.read(from: input.folder)
        let (output, summary) = try Self.augment(dataset, params: params, source: input.producer, context: context)
        try output.write(to: context.outputFolder)
        let counts = output.splits.map { "\($0.name) \($0.records.count)" }.joined(separator: ", ")
        context.say(
            "\(summary.input) -> \(output.totalCount) \(output.shape.rawValue) records (\(counts)); "
                + "\(summary.copies) copies added, \(summary.duplicates) duplicates, "
                + "\(summary.tooShort) too short, \(summary.tooLong) too long dropped")
    }

    /// The whole transformation on records in memory. `source` names the input in error messages
    /// (`records/train.jsonl:3: ...`).
    public static func augment(
        _ dataset: Dataset, params: Params, source: String = "input", context: StageContext? = nil
    ) throws -> (Dataset, Summary) {
        var summary = Summary()
        summary.input = dataset.totalCount
        let seed = UInt64(params.seed)

        // 1. Template and shape.
        let templates: [(field: String, template: Template)] = try params.template.sorted { $0.key < $1.key }.map {
            field, text in
            do { return (field, try Template(text)) } catch {
                throw StageError.failed("template \"\(field)\": \(error)")
            }
        }
        let shape: RecordShape = params.shape
            ?? (templates.isEmpty ? dataset.shape : RecordShape.detect(fields: templates.map(\.field)))
        var splits: [Split] = []
        for split in dataset.splits {
            var records: [Record] = []
            records.reserveCapacity(split.records.count)
            for (index, original) in split.records.enumerated() {
                do {
                    var record = original
                    if !templates.isEmpty {
                        record = Record()
                        for (field, template) in templates { record[field] = .string(try template.render(original)) }
                    }
                    records.append(try shape.normalize(record))
                } catch {
                    throw StageError.badData(
                        file: "\(source)/\(SplitInfo.fileName(for: split.name))", line: index + 1,
                        message: error.message)
                }
            }
            splits.append(Split(name: split.name, records: records))
            try context?.checkCancellation()
        }

        // 2. Filters and dedupe on the originals, non-train splits first.
        var filter = RecordFilter(
            shape: shape, minLength: params.minLength, maxLength: params.maxLength, dedupe: params.dedupe,
            expected: dataset.totalCount * (1 + (params.replace.isEmpty ? 0 : params.copies)))
        let trainIndex = splits.firstIndex { $0.name == "train" }
        for index in splits.indices.filter({ $0 != trainIndex }) + (trainIndex.map { [$0] } ?? []) {
            splits[index].records = splits[index].records.filter { filter.admit($0) }
        }

        // 3. Split: a seeded choice of train records moves to each named split.
        if !params.split.isEmpty {
            guard let trainIndex else {
                throw StageError.failed(
                    "params.split needs a \"train\" split to take records from; "
                        + "the input has \(splits.map(\.name).joined(separator: ", "))")
            }
            let train = splits[trainIndex].records
            let amounts = params.split.sorted { $0.key < $1.key }.map { name, amount in
                (name: name, count: amount < 1 ? Int((amount * Double(train.count)).rounded()) : Int(amount))
            }
            let moving = amounts.reduce(0) { $0 + $1.count }
            guard moving < train.count else {
                let asked = amounts.map { "\($0.name): \($0.count)" }.joined(separator: ", ")
                throw StageError.failed(
                    "params.split asks for \(moving) of the \(train.count) "
                        + "train records (\(asked)); leave some for training")
            }
            var order = Array(train.indices)
            var rng = SplitMix64(seed: seed, stream: "split")
            rng.shuffle(&order)
            var next = 0
            for (name, count) in amounts {
                let chosen = order[next..<next + count].sorted()
                next += count
                let moved = chosen.map { train[$0] }
                if let existing = splits.firstIndex(where: { $0.name == name }) {
                    splits[existing].records += moved
                } else {
                    splits.append(Split(name: name, records: moved))
                }
            }
            let kept = Set(order[next...])
            splits[trainIndex].records = train.indices.filter(kept.contains).map { train[$0] }
        }

        // 4. Copies of train records by the replace rules.
        let rules = ReplaceRules(params.replace)
        if let trainIndex, !rules.isEmpty, params.copies > 0 {
            var rng = SplitMix64(seed: seed, stream: "replace")
            var out: [Record] = []
            for (index, original) in splits[trainIndex].records.enumerated() {
                if params.keepOriginal { out.append(original) } else { filter.forget(original) }
                for copy in rules.copies(of: original, count: params.copies, rng: &rng) where filter.admit(copy) {
                    out.append(copy)
                    summary.copies += 1
                }
                if index % 1024 == 0 { try context?.checkCancellation() }
            }
            splits[trainIndex].records = out
        }

        // 5. Shuffle each split on its own.
        if params.shuffle {
            for index in splits.indices {
                var rng = SplitMix64(seed: seed, stream: "shuffle:" + splits[index].name)
                rng.shuffle(&splits[index].records)
            }
        }

        summary.duplicates = filter.duplicates
        summary.tooShort = filter.tooShort
        summary.tooLong = filter.tooLong
        return (Dataset(shape: shape, splits: splits), summary)
    }
}

/// Length filters and exact-duplicate detection, shared by originals and copies.
struct RecordFilter {
    let shape: RecordShape
    let minLength: Int?
    let maxLength: Int?
    let dedupe: Bool
    private var seen: Set<String> = []
    private(set) var duplicates = 0
    private(set) var tooShort = 0
    private(set) var tooLong = 0

    init(shape: RecordShape, minLength: Int?, maxLength: Int?, dedupe: Bool, expected: Int = 0) {
        if dedupe { seen.reserveCapacity(expected) }
        self.shape = shape
        self.minLength = minLength
        self.maxLength = maxLength
        self.dedupe = dedupe
    }

    /// Whether the record stays; remembers it for dedupe when it does.
    mutating func admit(_ record: Record) -> Bool {
        if minLength != nil || maxLength != nil {
            let length = record.textLength(shape: shape)
            if let minLength, length < minLength { tooShort += 1; return false }
            if let maxLength, length > maxLength { tooLong += 1; return false }
        }
        guard dedupe else { return true }
        if !seen.insert(record.jsonLine).inserted { duplicates += 1; return false }
        return true
    }

    /// Lets an identical record in again (an original replaced by its copies).
    mutating func forget(_ record: Record) {
        seen.remove(record.jsonLine)
    }
}
