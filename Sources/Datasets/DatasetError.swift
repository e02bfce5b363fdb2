/// Problems with a dataset artifact's files or with a record's shape.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    /// A file of the artifact could not be read or written.
    case io(file: String, reason: String)
    /// `dataset.json` is missing something or has the wrong type somewhere.
    case badInfo(file: String, message: String)
    /// A record in a split file is not what `dataset.json` promises; `line` is 1-based.
    case badRecord(file: String, line: Int, message: String)
    /// A split name that cannot be a file name (letters, digits, `_` and `-` only).
    case badSplitName(String)

    public var description: String {
        switch self {
        case let .io(file, reason): return "\(file): \(reason)"
        case let .badInfo(file, message): return "\(file): \(message)"
        case let .badRecord(file, line, message): return "\(file):\(line): \(message)"
        case let .badSplitName(name): return "split name \"\(name)\" must be letters, digits, '_' or '-'"
        }
    }
}

/// Why one record does not fit a shape; the caller adds the file and line.
public struct RecordProblem: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
