import Foundation
import JSON

/// `dataset.json`: what a dataset artifact holds, so readers need not scan the records.
///
/// ```json
/// {
///   "version": 1,
///   "format": "alpaca",
///   "fields": ["instruction", "input", "output"],
///   "splits": [
///     {"name": "train", "file": "train.jsonl", "count": 36},
///     {"name": "eval", "file": "eval.jsonl", "count": 4}
///   ],
///   "skipped": {"count": 1, "rows": ["data/medical.jsonl:17: expected a JSON object, got an array"]}
/// }
/// ```
/// `skipped` appears only when rows were skipped (`on_error: "skip"`), with the first
/// `SkippedRows.exampleLimit` reasons. `version` is the folder format's version (a `dataset.json`
/// without one, written before it was versioned, is version 1).
public struct DatasetInfo: Sendable, Equatable {
    public static let fileName = "dataset.json"
    /// The version of the dataset folder format this code writes and the newest it reads. It
    /// changes only when a reader of the old format could misread the new one.
    public static let formatVersion = 1

    public var shape: RecordShape
    /// Every field that occurs, in canonical order for known shapes, first-seen order for `records`.
    public var fields: [String]
    public var splits: [SplitInfo]
    public var skipped: SkippedRows

    public init(shape: RecordShape, fields: [String], splits: [SplitInfo], skipped: SkippedRows = SkippedRows()) {
        self.shape = shape
        self.fields = fields
        self.splits = splits
        self.skipped = skipped
    }

    public var totalCount: Int { splits.reduce(0) { $0 + $1.count } }

    public func split(named name: String) -> SplitInfo? { splits.first { $0.name == name } }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (key: "version", value: .number(Double(Self.formatVersion))),
            (key: "format", value: .string(shape.rawValue)),
            (key: "fields", value: .array(fields.map { .string($0) })),
            (key: "splits", value: .array(splits.map { split in
                .object([(key: "name", value: .string(split.name)), (key: "file", value: .string(split.file)),
                         (key: "count", value: .number(Double(split.count)))])
            })),
        ]
        if skipped.count > 0 {
            members.append((key: "skipped", value: .object([
                (key: "count", value: .number(Double(skipped.count))),
                (key: "rows", value: .array(skipped.examples.map { .string($0) })),
            ])))
        }
        return .object(members)
    }

    public init(json: JSONValue, file: String = DatasetInfo.fileName) throws(DatasetError) {
        func fail(_ message: String) -> DatasetError { .badInfo(file: file, message: message) }
        if let version = json["version"] {
            guard let number = version.intValue, number >= 1 else { throw fail("\"version\" must be a positive integer") }
            guard number <= Self.formatVersion else {
                throw fail("dataset format version \(number) is newer than this pipe reads (\(Self.formatVersion))")
            }
        }
        guard let format = json["format"]?.stringValue else { throw fail("missing string \"format\"") }
        guard let shape = RecordShape(rawValue: format) else { throw fail("unknown format \"\(format)\"") }
        guard let fields = json["fields"]?.arrayValue?.compactMap(\.stringValue) else {
            throw fail("missing array \"fields\"")
        }
        guard let splitList = json["splits"]?.arrayValue else { throw fail("missing array \"splits\"") }
        var splits: [SplitInfo] = []
        for (i, item) in splitList.enumerated() {
            guard let name = item["name"]?.stringValue, let count = item["count"]?.intValue, count >= 0 else {
                throw fail("splits[\(i)] needs a \"name\" and a non-negative \"count\"")
            }
            guard SplitInfo.isValidName(name) else { throw DatasetError.badSplitName(name) }
            let expected = SplitInfo.fileName(for: name)
            guard (item["file"]?.stringValue ?? expected) == expected else {
                throw fail("splits[\(i)].file must be \"\(expected)\"")
            }
            splits.append(SplitInfo(name: name, count: count))
        }
        var skipped = SkippedRows()
        if let given = json["skipped"] {
            skipped.count = given["count"]?.intValue ?? 0
            skipped.examples = given["rows"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        self.init(shape: shape, fields: fields, splits: splits, skipped: skipped)
    }

    public static func read(from folder: URL) throws -> DatasetInfo {
        let url = folder.appendingPathComponent(fileName)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError.io(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(data) } catch {
            throw DatasetError.badInfo(file: url.path, message: "invalid JSON: \(error)")
        }
        return try DatasetInfo(json: json, file: url.path)
    }

    public func write(to folder: URL) throws {
        let url = folder.appendingPathComponent(DatasetInfo.fileName)
        do { try Data((json.prettyText + "\n").utf8).write(to: url) } catch {
            throw DatasetError.io(file: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}

/// One split of a dataset: its name, its JSONL file (`<name>.jsonl`) and how many records it holds.
public struct SplitInfo: Sendable, Equatable {
    public let name: String
    public let count: Int
    public var file: String { SplitInfo.fileName(for: name) }

    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }

    public static func fileName(for split: String) -> String { split + ".jsonl" }

    /// Letters, digits, `_` and `-`: names that are safe as file names everywhere.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }
}

/// Rows a loader skipped (`on_error: "skip"`): how many, and the first reasons with file and line.
public struct SkippedRows: Sendable, Equatable {
    public static let exampleLimit = 20
    public var count: Int
    public var examples: [String]

    public init(count: Int = 0, examples: [String] = []) {
        self.count = count
        self.examples = examples
    }

    public mutating func add(_ reason: String) {
        count += 1
        if examples.count < SkippedRows.exampleLimit { examples.append(reason) }
    }
}
