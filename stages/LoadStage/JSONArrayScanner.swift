import Foundation
import JSON

/// Splits a JSON array file into its top-level elements without parsing the whole file at once,
/// so each element can be parsed alone and a bad one reported at the line where it starts.
struct JSONArrayScanner {
    /// The file is not a JSON array at all, or ends inside it: reading cannot go on.
    struct Failure: Error {
        let line: Int
        let message: String
    }

    private let bytes: [UInt8]
    private var position: Int
    private var line = 1
    private var finished = false

    init(_ data: Data) throws(Failure) {
        bytes = [UInt8](data)
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        skipWhitespace()
        guard position < bytes.count else {
            throw Failure(line: line, message: "the file is empty, expected a JSON array of records")
        }
        if bytes[position] == UInt8(ascii: "{") {
            throw Failure(
                line: line,
                message: "expected a JSON array of records, got an object "
                    + "(one object per line is JSONL: file_type \"jsonl\")")
        }
        guard bytes[position] == UInt8(ascii: "[") else {
            throw Failure(line: line, message: "expected a JSON array of records")
        }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            finished = true
            try expectEnd()
        }
    }

    var offset: Int { position }

    /// The next element's starting line and bytes, or nil after the closing bracket.
    mutating func next() throws(Failure) -> (line: Int, bytes: Data)? {
        guard !finished else { return nil }
        skipWhitespace()
        let startLine = line
        let start = position
        var depth = 0
        var inString = false
        while position < bytes.count {
            let byte = bytes[position]
            if inString {
                if byte == UInt8(ascii: "\\") { position += 2; continue }
                if byte == UInt8(ascii: "\"") { inString = false } else if byte == 0x0A { line += 1 }
                position += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 {
                    guard byte == UInt8(ascii: "]") else {
                        throw Failure(line: line, message: "unexpected '}' in the array")
                    }
                    finished = true
                    let element = Data(bytes[start..<position])
                    position += 1
                    try expectEnd()
                    return try checked(element, line: startLine)
                }
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 0 {
                    let element = Data(bytes[start..<position])
                    position += 1
                    return try checked(element, line: startLine)
                }
            case 0x0A: line += 1
            default: break
            }
            position += 1
        }
        if inString {
            throw Failure(line: startLine, message: "a string in the element starting at this line is never closed")
        }
        throw Failure(line: line, message: "the array is never closed (missing ']')")
    }

    private func checked(_ element: Data, line: Int) throws(Failure) -> (line: Int, bytes: Data) {
        if element.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw Failure(line: line, message: "an empty element in the array (a trailing or doubled comma?)")
        }
        return (line, element)
    }

    private mutating func expectEnd() throws(Failure) {
        skipWhitespace()
        if position < bytes.count {
            throw Failure(line: line, message: "unexpected text after the array's closing ']'")
        }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x0A { line += 1 } else if byte != 0x20 && byte != 0x09 && byte != 0x0D { return }
            position += 1
        }
    }
}
