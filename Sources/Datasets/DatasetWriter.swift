import Foundation
import JSON

/// Writes a dataset artifact record by record, so a loader never holds a large file in memory:
/// one JSONL file per split (records in the order appended, one compact JSON object per line, `\n`
/// endings) and, on `finish`, `dataset.json`. The same records always give the same bytes.
public final class DatasetWriter {
    public let folder: URL
    public let shape: RecordShape
    public var skipped = SkippedRows()

    private var splits: [OpenSplit] = []
    private var fieldOrder: [String] = []
    private var fieldSet: Set<String> = []
    private static let flushSize = 1 << 20

    private final class OpenSplit {
        let name: String
        let url: URL
        let handle: FileHandle
        var buffer: [UInt8] = []
        var count = 0
        init(name: String, url: URL, handle: FileHandle) {
            self.name = name
            self.url = url
            self.handle = handle
        }
    }

    public init(folder: URL, shape: RecordShape) throws {
        self.folder = folder
        self.shape = shape
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw DatasetError.io(file: folder.path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    /// Declares a split (so it is written even when empty); splits appear in `dataset.json` in the
    /// order they are first declared or appended to.
    public func addSplit(_ name: String) throws {
        _ = try open(name)
    }

    public func append(_ record: Record, to split: String) throws {
        let target = try open(split)
        for name in record.fieldNames where fieldSet.insert(name).inserted { fieldOrder.append(name) }
        JSONLineEncoder.append(record.json, to: &target.buffer)
        target.buffer.append(0x0A)
        target.count += 1
        if target.buffer.count >= DatasetWriter.flushSize { try flush(target) }
    }

    /// Flushes and closes every split file and writes `dataset.json`.
    @discardableResult
    public func finish() throws -> DatasetInfo {
        for split in splits {
            try flush(split)
            do { try split.handle.close() } catch {
                throw DatasetError.io(file: split.url.path, reason: "cannot close: \(error.localizedDescription)")
            }
        }
        let fields = shape == .records ? fieldOrder : shape.canonicalFields.filter(fieldSet.contains)
        let info = DatasetInfo(
            shape: shape, fields: fields, splits: splits.map { SplitInfo(name: $0.name, count: $0.count) },
            skipped: skipped)
        try info.write(to: folder)
        return info
    }

    private func open(_ name: String) throws -> OpenSplit {
        if let existing = splits.first(where: { $0.name == name }) { return existing }
        guard SplitInfo.isValidName(name) else { throw DatasetError.badSplitName(name) }
        let url = folder.appendingPathComponent(SplitInfo.fileName(for: name))
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url)
        else { throw DatasetError.io(file: url.path, reason: "cannot create the file") }
        let split = OpenSplit(name: name, url: url, handle: handle)
        splits.append(split)
        return split
    }

    private func flush(_ split: OpenSplit) throws {
        guard !split.buffer.isEmpty else { return }
        do { try split.handle.write(contentsOf: Data(split.buffer)) } catch {
            throw DatasetError.io(file: split.url.path, reason: "cannot write: \(error.localizedDescription)")
        }
        split.buffer.removeAll(keepingCapacity: true)
    }
}
