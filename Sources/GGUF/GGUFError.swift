// Everything that can go wrong reading or writing a GGUF file, each case with the context a
// person needs to act on it: what was wrong, and the byte offset in the file where it was found.

/// A failure to read, decode or write a GGUF file.
public enum GGUFError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file could not be opened or mapped.
    case io(path: String, reason: String)
    /// The first four bytes are not `GGUF`.
    case badMagic(found: UInt32, offset: Int)
    /// The version field names a version this reader does not know (it reads 2 and 3).
    case unsupportedVersion(UInt32, offset: Int)
    /// The file ends before `what` could be read: `needed` bytes at `offset`, `available` left.
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    /// A count (key-values, tensors, array elements, dimensions) too large for the file or for sanity.
    case absurdCount(what: String, count: UInt64, offset: Int)
    /// A string length too large for the file or for sanity.
    case absurdLength(what: String, length: UInt64, offset: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(what: String, offset: Int)
    /// A metadata key appears twice.
    case duplicateKey(String, offset: Int)
    /// A metadata value type number this reader does not know.
    case unknownValueType(UInt32, key: String, offset: Int)
    /// Arrays nested deeper than the reader allows.
    case nestingTooDeep(key: String, offset: Int)
    /// A metadata value has the wrong type or an invalid value (e.g. `general.alignment`).
    case badMetadata(key: String, reason: String, offset: Int)
    /// Two tensor infos share a name.
    case duplicateTensorName(String, offset: Int)
    /// A tensor type number this reader does not know.
    case unknownTensorType(UInt32, tensor: String, offset: Int)
    /// A tensor's dimensions are invalid (zero/negative, overflowing, not a whole number of blocks).
    case invalidDimensions(tensor: String, reason: String, offset: Int)
    /// A tensor's data offset is not a multiple of the file's alignment.
    case misalignedTensorOffset(tensor: String, tensorOffset: UInt64, alignment: Int, offset: Int)
    /// A tensor's data reaches past the end of the file.
    case tensorOutOfRange(tensor: String, start: UInt64, end: UInt64, dataSize: Int, offset: Int)
    /// Two tensors' data ranges overlap.
    case overlappingTensors(String, String, offset: Int)
    /// A tensor of this type cannot be converted (no dequantizer / quantizer for it).
    case unsupportedTensorType(GGMLType, tensor: String)
    /// No tensor of this name in the file.
    case tensorNotFound(String)
    /// A row or buffer length that is not a whole number of blocks, or a buffer of the wrong size.
    case sizeMismatch(what: String, expected: Int, actual: Int)
    /// The writer was used out of order or given an invalid input.
    case writer(String)

    public var description: String {
        switch self {
        case let .io(path, reason):
            return "cannot read GGUF file \(path): \(reason)"
        case let .badMagic(found, offset):
            let hex = String(found, radix: 16)
            return "not a GGUF file: magic 0x\(hex) at byte \(offset), expected \"GGUF\" (0x46554747)"
        case let .unsupportedVersion(version, offset):
            return "unsupported GGUF version \(version) at byte \(offset) (this reader reads versions 2 and 3)"
        case let .truncated(what, offset, needed, available):
            return "GGUF file truncated: \(what) needs \(needed) bytes at byte \(offset), only \(available) left"
        case let .absurdCount(what, count, offset):
            return "GGUF \(what) count \(count) at byte \(offset) is larger than the file can hold"
        case let .absurdLength(what, length, offset):
            return "GGUF \(what) length \(length) at byte \(offset) is larger than the file can hold"
        case let .invalidUTF8(what, offset):
            return "GGUF \(what) at byte \(offset) is not valid UTF-8"
        case let .duplicateKey(key, offset):
            return "GGUF metadata key \"\(key)\" at byte \(offset) appears twice"
        case let .unknownValueType(type, key, offset):
            return "GGUF metadata \"\(key)\": unknown value type \(type) at byte \(offset)"
        case let .nestingTooDeep(key, offset):
            return "GGUF metadata \"\(key)\": arrays nested too deep at byte \(offset)"
        case let .badMetadata(key, reason, offset):
            return "GGUF metadata \"\(key)\" at byte \(offset): \(reason)"
        case let .duplicateTensorName(name, offset):
            return "GGUF tensor name \"\(name)\" at byte \(offset) appears twice"
        case let .unknownTensorType(type, tensor, offset):
            return "GGUF tensor \"\(tensor)\": unknown tensor type \(type) at byte \(offset)"
        case let .invalidDimensions(tensor, reason, offset):
            return "GGUF tensor \"\(tensor)\" at byte \(offset): \(reason)"
        case let .misalignedTensorOffset(tensor, tensorOffset, alignment, offset):
            return
                "GGUF tensor \"\(tensor)\": data offset \(tensorOffset) (field at byte \(offset)) "
                    + "is not a multiple of the alignment \(alignment)"
        case let .tensorOutOfRange(tensor, start, end, dataSize, offset):
            return
                "GGUF tensor \"\(tensor)\": data bytes \(start)..<\(end) (field at byte \(offset)) "
                    + "reach past the end of the data section (\(dataSize) bytes)"
        case let .overlappingTensors(a, b, offset):
            return "GGUF tensors \"\(a)\" and \"\(b)\" overlap in the data section (field at byte \(offset))"
        case let .unsupportedTensorType(type, tensor):
            return "GGUF tensor \"\(tensor)\": type \(type) cannot be converted by this build"
        case let .tensorNotFound(name):
            return "GGUF file has no tensor named \"\(name)\""
        case let .sizeMismatch(what, expected, actual):
            return "\(what): expected \(expected), got \(actual)"
        case let .writer(message):
            return "GGUF writer: \(message)"
        }
    }
}
