import Foundation

/// A strict JSON parser (RFC 8259) that keeps key order and reports duplicate keys instead of
/// silently keeping the last one, which Foundation's parsers do.
public struct JSONParser {
    public struct SyntaxError: Error, CustomStringConvertible, Equatable {
        public let message: String
        public let line: Int
        public let column: Int
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    public struct Duplicate: Sendable, Equatable {
        /// The object that holds the key twice.
        public let path: JSONPath
        public let key: String
    }

    public let value: JSONValue
    public let duplicates: [Duplicate]

    /// Parses a whole document; throws `SyntaxError` with line and column.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONParser(data).value
    }

    public static func parse(_ text: String) throws -> JSONValue {
        try JSONParser(Data(text.utf8)).value
    }

    public init(_ data: Data) throws {
        var reader = Reader(bytes: [UInt8](data))
        reader.skipBOM()
        reader.skipWhitespace()
        let value = try reader.readValue(path: .root, depth: 0)
        reader.skipWhitespace()
        if reader.position < reader.bytes.count {
            throw reader.error("unexpected text after the JSON value")
        }
        self.value = value
        self.duplicates = reader.duplicates
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0
        var duplicates: [Duplicate] = []
        static let maxDepth = 512

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ message: String) -> SyntaxError {
            var line = 1, column = 1
            for byte in bytes[0..<min(position, bytes.count)] {
                if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
            }
            return SyntaxError(message: message, line: line, column: column)
        }

        mutating func skipBOM() {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func expect(_ literal: String) throws {
            let utf8 = Array(literal.utf8)
            guard position + utf8.count <= bytes.count, Array(bytes[position..<position + utf8.count]) == utf8 else {
                throw error("expected \(literal)")
            }
            position += utf8.count
        }

        mutating func readValue(path: JSONPath, depth: Int) throws -> JSONValue {
            guard depth < Reader.maxDepth else { throw error("nesting deeper than \(Reader.maxDepth) levels") }
            guard let byte = peek else { throw error("unexpected end of input, expected a value") }
            switch byte {
            case UInt8(ascii: "{"): return try readObject(path: path, depth: depth)
            case UInt8(ascii: "["): return try readArray(path: path, depth: depth)
            case UInt8(ascii: "\""): return .string(try readString())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
            default: throw error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
            }
        }

        mutating func readObject(path: JSONPath, depth: Int) throws -> JSONValue {
            position += 1
            var members: [(key: String, value: JSONValue)] = []
            var seen = Set<String>()
            skipWhitespace()
            if peek == UInt8(ascii: "}") { position += 1; return .object([]) }
            while true {
                skipWhitespace()
                guard peek != nil else { throw error("unexpected end of input, expected a quoted key") }
                guard peek == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let key = try readString()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\"") }
                position += 1
                skipWhitespace()
                let value = try readValue(path: path.key(key), depth: depth + 1)
                if !seen.insert(key).inserted { duplicates.append(Duplicate(path: path, key: key)) }
                members.append((key: key, value: value))
                skipWhitespace()
                switch peek {
                case nil: throw error("unexpected end of input, expected ',' or '}'")
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(members)
                default: throw error("expected ',' or '}' in object")
                }
            }
        }

        mutating func readArray(path: JSONPath, depth: Int) throws -> JSONValue {
            position += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") { position += 1; return .array([]) }
            while true {
                skipWhitespace()
                items.append(try readValue(path: path.index(items.count), depth: depth + 1))
                skipWhitespace()
                switch peek {
                case nil: throw error("unexpected end of input, expected ',' or ']'")
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(items)
                default: throw error("expected ',' or ']' in array")
                }
            }
        }

        mutating func readNumber() throws -> Double {
            let start = position
            if peek == UInt8(ascii: "-") { position += 1 }
            guard let first = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
                throw error("expected a digit")
            }
            if first == UInt8(ascii: "0") {
                position += 1
            } else {
                while let d = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) { position += 1 }
            }
            if peek == UInt8(ascii: ".") {
                position += 1
                guard let d = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) else {
                    throw error("expected a digit after '.'")
                }
                while let d = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) { position += 1 }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                position += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
                guard let d = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) else {
                    throw error("expected a digit in exponent")
                }
                while let d = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) { position += 1 }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                position = start
                throw error("number \(text) is out of range")
            }
            return value
        }

        /// Collects the string's UTF-8 bytes (escapes decoded) and validates them once.
        mutating func readString() throws -> String {
            position += 1
            let start = position
            // Fast path: no escapes, so the bytes between the quotes are the string.
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\"),
                bytes[position] >= 0x20
            {
                position += 1
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
                guard let text = String(validating: bytes[start..<position], as: UTF8.self) else {
                    throw error("invalid UTF-8 in string")
                }
                position += 1
                return text
            }
            var buffer = Array(bytes[start..<position])
            while true {
                guard let byte = peek else { throw error("unterminated string") }
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    guard let text = String(validating: buffer, as: UTF8.self) else {
                        throw error("invalid UTF-8 in string")
                    }
                    return text
                }
                if byte < 0x20 { throw error("control character in string (escape it)") }
                guard byte == UInt8(ascii: "\\") else {
                    buffer.append(byte)
                    position += 1
                    continue
                }
                position += 1
                guard let escape = peek else { throw error("unterminated escape") }
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try readHex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard peek == UInt8(ascii: "\\"), position + 1 < bytes.count,
                            bytes[position + 1] == UInt8(ascii: "u")
                        else {
                            throw error("unpaired surrogate \\u\(String(code, radix: 16))")
                        }
                        position += 2
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid low surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else {
                        throw error("invalid code point \\u\(String(code, radix: 16))")
                    }
                    buffer.append(contentsOf: String(scalar).utf8)
                default: throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
            }
        }

        mutating func readHex4() throws -> UInt32 {
            guard position + 4 <= bytes.count,
                let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
            else {
                throw error("expected four hex digits after \\u")
            }
            position += 4
            return code
        }
    }
}
