// Everything that can go wrong reading or writing safetensors files, with the tensor name or
// byte offset a person needs to find the problem.

/// A failure to read, convert or write a safetensors file or folder.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file could not be opened or mapped.
    case io(path: String, reason: String)
    /// The file could not be written (disk full, read-only, permissions): the system's reason.
    case unwritable(path: String, reason: String)
    /// The file is shorter than the 8-byte header length.
    case truncatedHeaderLength(fileSize: Int)
    /// The header length (read at byte 0) is larger than the rest of the file or than allowed.
    case headerLengthOutOfRange(length: UInt64, fileSize: Int)
    /// The JSON header (starting at byte 8) is not valid or not shaped as the format says.
    case invalidHeader(reason: String, offset: Int)
    /// A tensor's dtype is not one of the format's dtypes.
    case unknownDType(String, tensor: String)
    /// A tensor's shape is not a list of non-negative integers, or its size overflows.
    case invalidShape(tensor: String, reason: String)
    /// A tensor's data offsets are reversed or reach past the end of the data.
    case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's byte range does not match its shape and dtype.
    case byteCountMismatch(tensor: String, expected: Int, actual: Int)
    /// Two tensors' data ranges overlap.
    case overlappingTensors(String, String)
    /// No tensor of this name.
    case tensorNotFound(String)
    /// The tensor's dtype cannot be converted to the requested element type.
    case unsupportedConversion(tensor: String, dtype: SafetensorsDType, to: String)
    /// A value does not fit the requested element type (e.g. an I64 outside Int32).
    case valueOutOfRange(tensor: String, index: Int)
    /// A `model.safetensors.index.json` is malformed or disagrees with its shards.
    case invalidIndex(path: String, reason: String)
    /// A folder holds no safetensors file.
    case noWeights(path: String)
    /// The writer was given inconsistent input.
    case writer(String)

    public var description: String {
        switch self {
        case let .io(path, reason):
            return "cannot read safetensors file \(path): \(reason)"
        case let .unwritable(path, reason):
            return "cannot write safetensors file \(path): \(reason)"
        case let .truncatedHeaderLength(size):
            return "safetensors file of \(size) bytes is too short for its 8-byte header length"
        case let .headerLengthOutOfRange(length, size):
            return "safetensors header length \(length) (at byte 0) reaches past the end of the \(size)-byte file"
        case let .invalidHeader(reason, offset):
            return "safetensors header (JSON at byte \(offset)) is invalid: \(reason)"
        case let .unknownDType(dtype, tensor):
            return "safetensors tensor \"\(tensor)\": unknown dtype \"\(dtype)\""
        case let .invalidShape(tensor, reason):
            return "safetensors tensor \"\(tensor)\": invalid shape: \(reason)"
        case let .offsetsOutOfRange(tensor, begin, end, size):
            return "safetensors tensor \"\(tensor)\": data_offsets [\(begin), "
                + "\(end)] do not fit in the \(size)-byte data section"
        case let .byteCountMismatch(tensor, expected, actual):
            return
                "safetensors tensor \"\(tensor)\": shape and dtype need \(expected) bytes, data_offsets give \(actual)"
        case let .overlappingTensors(a, b):
            return "safetensors tensors \"\(a)\" and \"\(b)\" overlap"
        case let .tensorNotFound(name):
            return "no safetensors tensor named \"\(name)\""
        case let .unsupportedConversion(tensor, dtype, to):
            return "safetensors tensor \"\(tensor)\" has dtype \(dtype.rawValue), which cannot be read as \(to)"
        case let .valueOutOfRange(tensor, index):
            return "safetensors tensor \"\(tensor)\": element \(index) does not fit the requested type"
        case let .invalidIndex(path, reason):
            return "safetensors index \(path) is invalid: \(reason)"
        case let .noWeights(path):
            return "no .safetensors file in \(path)"
        case let .writer(message):
            return "safetensors writer: \(message)"
        }
    }
}

/// The element types of the safetensors format.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8_e5m2 = "F8_E5M2", f8_e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8_e5m2, .f8_e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }
}
