// GGUF metadata values: the twelve value types of the spec (gguf.md), arrays typed by their
// element type (an empty array keeps its type so it round-trips), arrays of arrays allowed.

/// The type tag of a GGUF metadata value, numbered as in the spec.
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5
    case float32 = 6, bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes of a value of this type when it has a fixed size (strings and arrays do not).
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }
}

/// One GGUF metadata value.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    /// An array whose elements all have type `elementType`.
    case array(elementType: GGUFValueType, [GGUFValue])
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The value's type tag.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// The string, if this is a string.
    public var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The value as an `Int`, for any integer type whose value fits.
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// The value as a `Double`, for float32 and float64.
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return nil
        }
    }

    /// The value as a `Float`, for float32 and float64.
    public var float: Float? {
        switch self {
        case let .float32(v): return v
        case let .float64(v): return Float(v)
        default: return nil
        }
    }

    /// The Boolean, if this is a bool.
    public var bool: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// The elements, if this is an array.
    public var array: [GGUFValue]? {
        if case let .array(_, elements) = self { return elements }
        return nil
    }

    /// The elements as strings, if this is an array of strings.
    public var stringArray: [String]? {
        guard case let .array(type, elements) = self, type == .string else { return nil }
        return elements.map { $0.string ?? "" }
    }

    /// The elements as `Int`s, if this is an array of integers that all fit.
    public var intArray: [Int]? {
        guard case let .array(_, elements) = self else { return nil }
        var out: [Int] = []
        out.reserveCapacity(elements.count)
        for e in elements {
            guard let v = e.int else { return nil }
            out.append(v)
        }
        return out
    }

    /// The elements as `Float`s, if this is an array of float32 or float64.
    public var floatArray: [Float]? {
        guard case let .array(_, elements) = self else { return nil }
        var out: [Float] = []
        out.reserveCapacity(elements.count)
        for e in elements {
            guard let v = e.float else { return nil }
            out.append(v)
        }
        return out
    }
}

extension GGUFValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .uint8(v): return "\(v)"
        case let .int8(v): return "\(v)"
        case let .uint16(v): return "\(v)"
        case let .int16(v): return "\(v)"
        case let .uint32(v): return "\(v)"
        case let .int32(v): return "\(v)"
        case let .float32(v): return "\(v)"
        case let .bool(v): return "\(v)"
        case let .string(s): return "\"\(s)\""
        case let .array(type, elements):
            let shown = elements.prefix(8).map(\.description).joined(separator: ", ")
            let more = elements.count > 8 ? ", ... (\(elements.count) \(type))" : ""
            return "[\(shown)\(more)]"
        case let .uint64(v): return "\(v)"
        case let .int64(v): return "\(v)"
        case let .float64(v): return "\(v)"
        }
    }
}

/// Typed look-ups on a metadata dictionary: `file.metadata.string("general.architecture")`.
extension Dictionary where Key == String, Value == GGUFValue {
    public func string(_ key: String) -> String? { self[key]?.string }
    public func int(_ key: String) -> Int? { self[key]?.int }
    public func float(_ key: String) -> Float? { self[key]?.float }
    public func double(_ key: String) -> Double? { self[key]?.double }
    public func bool(_ key: String) -> Bool? { self[key]?.bool }
    public func array(_ key: String) -> [GGUFValue]? { self[key]?.array }
    public func stringArray(_ key: String) -> [String]? { self[key]?.stringArray }
    public func intArray(_ key: String) -> [Int]? { self[key]?.intArray }
    public func floatArray(_ key: String) -> [Float]? { self[key]?.floatArray }
}
