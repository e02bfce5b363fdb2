import Foundation

/// What `pipe show` prints for a dataset: its format, fields, counts per split, skipped rows and
/// the first rows of each split, read without loading the whole artifact.
public enum DatasetPreview {
    /// `rows` records per split; each field's value is cut to `width` characters.
    public static func text(of folder: URL, rows: Int = 3, width: Int = 160) throws -> String {
        let info = try DatasetInfo.read(from: folder)
        var out = "format: \(info.shape.rawValue)\n"
        out += "fields: \(info.fields.joined(separator: ", "))\n"
        out += "splits: " + info.splits.map { "\($0.name) \($0.count)" }.joined(separator: ", ") + " (total \(info.totalCount))\n"
        if info.skipped.count > 0 {
            out += "skipped: \(info.skipped.count) row\(info.skipped.count == 1 ? "" : "s")\n"
            for reason in info.skipped.examples.prefix(rows) { out += "  \(reason)\n" }
        }
        for split in info.splits where split.count > 0 && rows > 0 {
            let url = folder.appendingPathComponent(split.file)
            let data: Data
            do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
                throw DatasetError.io(file: url.path, reason: "cannot read: \(error.localizedDescription)")
            }
            var scanner = LineScanner(data)
            var index = 0
            while index < rows, let (line, bytes) = scanner.next() {
                let record: Record
                do { record = try LineScanner.parseRecord(bytes) } catch {
                    throw DatasetError.badRecord(file: url.path, line: line, message: error.message)
                }
                out += "\n\(split.name)[\(index)]\n"
                for field in record.fields {
                    out += "  \(field.key): \(shorten(renderedText(field.value), to: width))\n"
                }
                index += 1
            }
        }
        return out
    }

    private static func shorten(_ text: String, to width: Int) -> String {
        let oneLine = text.replacingOccurrences(of: "\n", with: " ⏎ ")
        return oneLine.count > width ? String(oneLine.prefix(max(0, width - 1))) + "…" : oneLine
    }
}
