import Foundation

/// A CSV reader per RFC 4180: a header row, fields separated by a delimiter (`,`, or tab for TSV),
/// records ended by CRLF or LF (a lone CR also ends a record), fields optionally in double quotes,
/// where a doubled quote stands for one quote and newlines and delimiters are data. A UTF-8 BOM
/// at the start is skipped, and empty lines between records are passed over.
///
/// Line numbers are physical lines as an editor shows them: a record's line is where it starts,
/// even when a quoted field spans several lines.
public struct CSVReader {
    /// A problem that stops reading: where it is and what is wrong.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    private let bytes: [UInt8]
    private let delimiter: UInt8
    private var position: Int
    private var line = 1

    public init(_ data: Data, delimiter: UInt8 = UInt8(ascii: ",")) {
        bytes = [UInt8](data)
        self.delimiter = delimiter
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// How far reading got, in bytes (for progress).
    public var offset: Int { position }

    /// The next record's starting line and fields, or nil at the end of the data.
    /// A field that is not valid UTF-8, a quote inside an unquoted field, text after a closing quote
    /// and an unterminated quoted field are failures at their line.
    public mutating func nextRecord() throws(Failure) -> (line: Int, fields: [String])? {
        // Skip empty lines (a record of one empty, unquoted field).
        while position < bytes.count, bytes[position] == 0x0A || bytes[position] == 0x0D {
            consumeLineEnd()
        }
        guard position < bytes.count else { return nil }
        let start = line
        var fields: [String] = []
        while true {
            fields.append(try readField(recordLine: start))
            if position >= bytes.count { return (start, fields) }
            let byte = bytes[position]
            if byte == delimiter {
                position += 1
                continue
            }
            consumeLineEnd()
            return (start, fields)
        }
    }

    private mutating func consumeLineEnd() {
        if bytes[position] == 0x0D, position + 1 < bytes.count, bytes[position + 1] == 0x0A { position += 1 }
        position += 1
        line += 1
    }

    private mutating func readField(recordLine: Int) throws(Failure) -> String {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return try readPlainField() }
        let openedAt = line
        position += 1
        var value: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw Failure(line: openedAt, message: "a quoted field opened here is never closed")
            }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                if position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\"") {
                    value.append(byte)
                    position += 2
                    continue
                }
                position += 1
                if position < bytes.count, bytes[position] != delimiter, bytes[position] != 0x0A,
                    bytes[position] != 0x0D
                {
                    throw Failure(
                        line: line,
                        message: "unexpected text after a closing quote (a quote "
                            + "inside a quoted field is written twice: \"\")")
                }
                return try text(value)
            }
            if byte == 0x0A {
                line += 1
            } else if byte == 0x0D, position + 1 < bytes.count, bytes[position + 1] != 0x0A {
                line += 1
            }
            value.append(byte)
            position += 1
        }
    }

    private mutating func readPlainField() throws(Failure) -> String {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == delimiter || byte == 0x0A || byte == 0x0D { break }
            if byte == UInt8(ascii: "\"") {
                throw Failure(
                    line: line,
                    message: "a quote inside an unquoted field (quote the whole field and write inner quotes twice)")
            }
            position += 1
        }
        return try text(bytes[start..<position])
    }

    private func text<C: Collection>(_ raw: C) throws(Failure) -> String where C.Element == UInt8 {
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw Failure(line: line, message: "a field is not valid UTF-8")
        }
        return string
    }
}
