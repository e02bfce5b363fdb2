import Foundation
import JSON

/// Walks a JSONL (or any line-based) file's bytes line by line: `\n` or `\r\n` endings, a UTF-8 BOM
/// at the start skipped, blank (whitespace-only) lines passed over but counted, so line numbers are
/// the ones an editor shows.
public struct LineScanner {
    private let data: Data
    private var offset: Int
    private var lineNumber = 0

    public init(_ data: Data) {
        self.data = data
        offset = data.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// How far scanning got, in bytes (for progress).
    public var position: Int { offset }

    /// The next non-blank line: its 1-based number and its bytes without the line ending.
    public mutating func next() -> (line: Int, bytes: Data)? {
        let count = data.count
        while offset < count {
            lineNumber += 1
            let start = offset
            let end: Int = data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return count }
                if let hit = memchr(base + start, 0x0A, count - start) {
                    return base.distance(to: UnsafeRawPointer(hit))
                }
                return count
            }
            offset = end + 1
            var stop = end
            if stop > start && data[data.startIndex + stop - 1] == 0x0D { stop -= 1 }
            if isBlank(start, stop) { continue }
            return (lineNumber, data.subdata(in: data.startIndex + start ..< data.startIndex + stop))
        }
        return nil
    }

    private func isBlank(_ start: Int, _ end: Int) -> Bool {
        data.withUnsafeBytes { raw in
            for i in start..<end {
                let byte = raw[i]
                if byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
            }
            return true
        }
    }

    /// One JSONL line as a record: a JSON object, or a problem saying what the line holds instead.
    public static func parseRecord(_ bytes: Data) throws(RecordProblem) -> Record {
        let value: JSONValue
        do {
            let parser = try JSONParser(bytes)
            if let duplicate = parser.duplicates.first {
                throw RecordProblem("duplicate key \"\(duplicate.key)\"")
            }
            value = parser.value
        } catch let problem as RecordProblem {
            throw problem
        } catch let error as JSONParser.SyntaxError {
            throw RecordProblem("invalid JSON at column \(error.column): \(error.message)")
        } catch {
            throw RecordProblem("invalid JSON: \(error)")
        }
        guard let record = Record(json: value) else {
            throw RecordProblem("expected a JSON object, got \(value.typeName)")
        }
        return record
    }
}
