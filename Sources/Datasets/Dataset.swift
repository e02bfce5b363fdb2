import Foundation
import JSON

/// A named split's records, in order.
public struct Split: Sendable, Equatable {
    public var name: String
    public var records: [Record]
    public init(name: String, records: [Record]) {
        self.name = name
        self.records = records
    }
}

/// The `dataset` artifact: records of one shape in named splits.
///
/// On disk (see `DatasetInfo` and `DatasetWriter`) a dataset is a folder with `dataset.json` and
/// one JSONL file per split (`train.jsonl`, `eval.jsonl`, ...), each line one record as a compact
/// JSON object with its fields in order. Writing the same dataset always gives the same bytes.
public struct Dataset: Sendable, Equatable {
    public var shape: RecordShape
    public var splits: [Split]
    public var skipped: SkippedRows

    public init(shape: RecordShape, splits: [Split], skipped: SkippedRows = SkippedRows()) {
        self.shape = shape
        self.splits = splits
        self.skipped = skipped
    }

    /// A split's records, or nil if the dataset has no such split.
    public subscript(split name: String) -> [Record]? {
        splits.first { $0.name == name }?.records
    }

    public var splitNames: [String] { splits.map(\.name) }

    public var totalCount: Int { splits.reduce(0) { $0 + $1.records.count } }

    /// Reads `dataset.json` and every split file, checking that each line is a JSON object and that
    /// the counts match. Errors name the file and line.
    public static func read(from folder: URL) throws -> Dataset {
        let info = try DatasetInfo.read(from: folder)
        var splits: [Split] = []
        for split in info.splits {
            let url = folder.appendingPathComponent(split.file)
            let data: Data
            do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
                throw DatasetError.io(file: url.path, reason: "cannot read: \(error.localizedDescription)")
            }
            var records: [Record] = []
            records.reserveCapacity(split.count)
            var scanner = LineScanner(data)
            while let (line, bytes) = scanner.next() {
                do { records.append(try LineScanner.parseRecord(bytes)) } catch {
                    throw DatasetError.badRecord(file: url.path, line: line, message: error.message)
                }
            }
            guard records.count == split.count else {
                throw DatasetError.badInfo(
                    file: folder.appendingPathComponent(DatasetInfo.fileName).path,
                    message:
                        "split \"\(split.name)\" promises \(split.count) records, \(split.file) has \(records.count)")
            }
            splits.append(Split(name: split.name, records: records))
        }
        return Dataset(shape: info.shape, splits: splits, skipped: info.skipped)
    }

    /// Calls `body` with each record of one split in order, reading the split file line by line
    /// instead of loading the dataset (for stages that stream, e.g. tokenizing a large set).
    public static func forEachRecord(in folder: URL, split: String, _ body: (Record) throws -> Void) throws {
        let info = try DatasetInfo.read(from: folder)
        guard let entry = info.split(named: split) else {
            throw DatasetError.badInfo(
                file: folder.appendingPathComponent(DatasetInfo.fileName).path,
                message: "no split \"\(split)\" (splits: \(info.splits.map(\.name).joined(separator: ", ")))")
        }
        let url = folder.appendingPathComponent(entry.file)
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw DatasetError.io(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        var scanner = LineScanner(data)
        while let (line, bytes) = scanner.next() {
            let record: Record
            do { record = try LineScanner.parseRecord(bytes) } catch {
                throw DatasetError.badRecord(file: url.path, line: line, message: error.message)
            }
            try body(record)
        }
    }

    /// Writes the artifact's files into `folder` (created if needed) and returns what `dataset.json` says.
    @discardableResult
    public func write(to folder: URL) throws -> DatasetInfo {
        let writer = try DatasetWriter(folder: folder, shape: shape)
        writer.skipped = skipped
        for split in splits {
            try writer.addSplit(split.name)
            for record in split.records { try writer.append(record, to: split.name) }
        }
        return try writer.finish()
    }
}
