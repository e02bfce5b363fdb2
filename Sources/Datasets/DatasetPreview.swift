import Foundation
import JSON

/// What `pipe show` prints for a dataset: its format, fields, counts per split, skipped rows and
/// the first rows of each split, read without loading the whole artifact.
public enum DatasetPreview {
    /// `rows` records per split; each field's value is cut to `width` characters.
    public static func text(of folder: URL, rows: Int = 3, width: Int = 160) throws -> String {
        let info = try DatasetInfo.read(from: folder)
        var out = "format: \(info.shape.rawValue)\n"
        out += "fields: \(info.fields.joined(separator: ", "))\n"
        out +=
            "splits: " + info.splits.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
            + " (total \(info.totalCount))\n"
        if info.skipped.count > 0 {
            out += "skipped: \(info.skipped.count) row\(info.skipped.count == 1 ? "" : "s")\n"
            for reason in info.skipped.examples.prefix(rows) { out += "  \(reason)\n" }
        }
        for split in info.splits {
            for (index, record) in try firstRecords(of: split, in: folder, count: rows).enumerated() {
                out += "\n\(split.name)[\(index)]\n"
                for field in record.fields {
                    out += "  \(field.key): \(shorten(renderedText(field.value), to: width))\n"
                }
            }
        }
        return out
    }

    /// The same for `--json`: `{"format", "fields", "splits": [{"name", "count"}], "skipped"?,
    /// "rows": {"<split>": [first records]}}`.
    public static func json(of folder: URL, rows: Int = 3) throws -> JSONValue {
        let info = try DatasetInfo.read(from: folder)
        var members: [(key: String, value: JSONValue)] = [
            (key: "format", value: .string(info.shape.rawValue)),
            (key: "fields", value: .array(info.fields.map { .string($0) })),
            (
                key: "splits",
                value: .array(info.splits.map { ["name": .string($0.name), "count": .number(Double($0.count))] })
            ),
        ]
        if info.skipped.count > 0 {
            members.append(
                (
                    key: "skipped",
                    value: [
                        "count": .number(Double(info.skipped.count)),
                        "rows": .array(info.skipped.examples.map { .string($0) }),
                    ]
                ))
        }
        var shown: [(key: String, value: JSONValue)] = []
        for split in info.splits {
            shown.append(
                (key: split.name, value: .array(try firstRecords(of: split, in: folder, count: rows).map(\.json))))
        }
        members.append((key: "rows", value: .object(shown)))
        return .object(members)
    }

    private static func firstRecords(of split: SplitInfo, in folder: URL, count: Int) throws -> [Record] {
        guard split.count > 0, count > 0 else { return [] }
        let url = folder.appendingPathComponent(split.file)
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw DatasetError.io(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        var scanner = LineScanner(data)
        var out: [Record] = []
        while out.count < count, let (line, bytes) = scanner.next() {
            do { out.append(try LineScanner.parseRecord(bytes)) } catch {
                throw DatasetError.badRecord(file: url.path, line: line, message: error.message)
            }
        }
        return out
    }

    private static func shorten(_ text: String, to width: Int) -> String {
        let oneLine = text.replacingOccurrences(of: "\n", with: " ⏎ ")
        return oneLine.count > width ? String(oneLine.prefix(max(0, width - 1))) + "…" : oneLine
    }
}
