import Datasets
import Foundation
import JSON

/// The kinds of file `load` reads.
public enum FileType: String, Sendable, CaseIterable {
    case json, jsonl, csv, tsv, text

    /// From the extension: `.json`, `.jsonl`/`.ndjson`, `.csv`, `.tsv`, `.txt`/`.text`/`.md`.
    /// A `.json` file whose first character is `{` is read as JSONL (as `datasets.load_dataset("json")` does).
    public static func detect(path: String, data: Data) -> FileType? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "json":
            let first = data.drop(while: { [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }).first
            return first == UInt8(ascii: "{") ? .jsonl : .json
        case "jsonl", "ndjson": return .jsonl
        case "csv": return .csv
        case "tsv": return .tsv
        case "txt", "text", "md": return .text
        default: return nil
        }
    }
}

/// One row of a source file: the line it starts on and the record, or why the row is bad.
struct Row {
    let line: Int
    let record: Result<Record, RecordProblem>
}

/// The rows of a data file, one at a time. `next` throws only when the file cannot be read on
/// (an unclosed quote or array); a bad row is returned as a problem so `on_error: "skip"` can go on.
struct RowSource {
    private enum Reader {
        case lines(LineScanner, text: Bool)
        case array(JSONArrayScanner)
        case csv(CSVReader, header: [String])
    }

    /// Why reading stopped, at a line.
    struct Failure: Error {
        let line: Int
        let message: String
    }

    private var reader: Reader

    init(data: Data, type: FileType) throws(Failure) {
        switch type {
        case .jsonl: reader = .lines(LineScanner(data), text: false)
        case .text: reader = .lines(LineScanner(data), text: true)
        case .json:
            do { reader = .array(try JSONArrayScanner(data)) } catch {
                throw Failure(line: error.line, message: error.message)
            }
        case .csv, .tsv:
            var csv = CSVReader(data, delimiter: type == .tsv ? 0x09 : UInt8(ascii: ","))
            let first: (line: Int, fields: [String])?
            do { first = try csv.nextRecord() } catch { throw Failure(line: error.line, message: error.message) }
            guard let header = first?.fields else {
                throw Failure(line: 1, message: "the file is empty, expected a header row")
            }
            var seen = Set<String>()
            for name in header where !seen.insert(name).inserted {
                throw Failure(line: 1, message: "the header names column \"\(name)\" twice")
            }
            if let empty = header.firstIndex(of: "") {
                throw Failure(line: 1, message: "header column \(empty + 1) has no name")
            }
            reader = .csv(csv, header: header)
        }
    }

    /// How far reading got, in bytes (for progress).
    var offset: Int {
        switch reader {
        case let .lines(scanner, _): return scanner.position
        case let .array(scanner): return scanner.offset
        case let .csv(csv, _): return csv.offset
        }
    }

    mutating func next() throws(Failure) -> Row? {
        switch reader {
        case .lines(var scanner, let text):
            defer { reader = .lines(scanner, text: text) }
            guard let (line, bytes) = scanner.next() else { return nil }
            if text {
                guard let string = String(validating: bytes, as: UTF8.self) else {
                    return Row(line: line, record: .failure(RecordProblem("the line is not valid UTF-8")))
                }
                return Row(line: line, record: .success(Record([(key: "text", value: .string(string))])))
            }
            return Row(line: line, record: Result { () throws(RecordProblem) in try LineScanner.parseRecord(bytes) })
        case .array(var scanner):
            defer { reader = .array(scanner) }
            let element: (line: Int, bytes: Data)?
            do { element = try scanner.next() } catch { throw Failure(line: error.line, message: error.message) }
            guard let (line, bytes) = element else { return nil }
            return RowSource.parseElement(bytes, line: line)
        case .csv(var csv, let header):
            defer { reader = .csv(csv, header: header) }
            let next: (line: Int, fields: [String])?
            do { next = try csv.nextRecord() } catch { throw Failure(line: error.line, message: error.message) }
            guard let (line, fields) = next else { return nil }
            guard fields.count == header.count else {
                return Row(
                    line: line,
                    record: .failure(
                        RecordProblem(
                            "expected \(header.count) fields (\(header.joined(separator: ", "))), got \(fields.count)"))
                )
            }
            return Row(line: line, record: .success(Record(zip(header, fields).map { (key: $0, value: .string($1)) })))
        }
    }

    /// An array element parsed alone; a syntax error is placed at its own line in the file.
    private static func parseElement(_ bytes: Data, line: Int) -> Row {
        do {
            let parser = try JSONParser(bytes)
            if let duplicate = parser.duplicates.first {
                return Row(line: line, record: .failure(RecordProblem("duplicate key \"\(duplicate.key)\"")))
            }
            guard let record = Record(json: parser.value) else {
                return Row(
                    line: line, record: .failure(RecordProblem("expected a JSON object, got \(parser.value.typeName)")))
            }
            return Row(line: line, record: .success(record))
        } catch let error as JSONParser.SyntaxError {
            return Row(line: line + error.line - 1, record: .failure(RecordProblem("invalid JSON: \(error.message)")))
        } catch {
            return Row(line: line, record: .failure(RecordProblem("invalid JSON: \(error)")))
        }
    }
}
