// ONNX graphs (GraphProto) and the messages inside them. Field numbers are onnx.proto's:
//
//     GraphProto          node 1, name 2, initializer 5, input 11, output 12
//     NodeProto           input 1, output 2, name 3, op_type 4, attribute 5, domain 7
//     AttributeProto      name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7)
//     ValueInfoProto      name 1, type 2
//     TypeProto           tensor_type 1 -> TypeProto.Tensor: elem_type 1, shape 2
//     TensorShapeProto    dim 1 -> Dimension: dim_value 1, dim_param 2
//
// Nodes must come in topological order, which building them one by one gives.

/// A dimension of a graph input or output: a number, or a name shared by the
/// dimensions that must agree (`batch_size`, ...).
public enum ONNXDimension: Equatable, Sendable {
    case fixed(Int)
    case named(String)
}

/// A node attribute.
public enum ONNXAttribute {
    case int(String, Int)
    case ints(String, [Int])
    case float(String, Float)

    func proto() -> ProtoMessage {
        var m = ProtoMessage()
        switch self {
        case let .int(name, v):
            m.string(1, name)
            m.int(3, v)
            m.int(20, 2)
        case let .ints(name, vs):
            m.string(1, name)
            for v in vs { m.int(8, v) }
            m.int(20, 7)
        case let .float(name, v):
            m.string(1, name)
            m.float(2, v)
            m.int(20, 1)
        }
        return m
    }
}

/// A graph being built: inputs, nodes in order, initializers and outputs. Values get
/// unique generated names (`<scope>/<Op>_<n>`) unless named.
public struct ONNXGraph {
    public var name: String
    /// Prefix of generated value names (e.g. `layers.3`), to make the graph readable.
    public var scope = ""
    public private(set) var nodes: [ProtoMessage] = []
    public private(set) var initializers: [ONNXTensor] = []
    public private(set) var inputs: [ProtoMessage] = []
    public private(set) var outputs: [ProtoMessage] = []
    private var counts: [String: Int] = [:]
    private var constants: [String: String] = [:]

    public init(name: String) { self.name = name }

    /// Declares a graph input and returns its name.
    @discardableResult
    public mutating func input(_ name: String, _ type: ONNXDataType, _ shape: [ONNXDimension]) -> String {
        inputs.append(Self.valueInfo(name, type, shape))
        return name
    }

    /// Declares `value` (produced by a node) a graph output.
    public mutating func output(_ value: String, _ type: ONNXDataType, _ shape: [ONNXDimension]) {
        outputs.append(Self.valueInfo(value, type, shape))
    }

    /// Adds an initializer and returns its name.
    @discardableResult
    public mutating func initializer(_ tensor: ONNXTensor) -> String {
        initializers.append(tensor)
        return tensor.name
    }

    /// A node of the default domain with one output; returns the output's name.
    @discardableResult
    public mutating func op(_ type: String, _ inputs: [String], _ attributes: [ONNXAttribute] = [],
                            named: String? = nil) -> String {
        let key = scope.isEmpty ? type : "\(scope)/\(type)"
        let n = counts[key, default: 0]
        counts[key] = n + 1
        let generated = "\(key)_\(n)"
        let out = named ?? generated
        var m = ProtoMessage()
        for i in inputs { m.string(1, i) }
        m.string(2, out)
        m.string(3, generated)
        m.string(4, type)
        for a in attributes { m.message(5, a.proto()) }
        nodes.append(m)
        return out
    }

    /// A 1-D int64 constant (shared by every use), as an initializer.
    public mutating func ints(_ values: [Int]) -> String {
        constant("int64\(values)") { ONNXTensor(name: $0, int64s: values) }
    }

    /// A 0-D int64 constant.
    public mutating func scalar(_ value: Int) -> String {
        constant("int64(\(value))") { ONNXTensor(name: $0, int64s: [value], shape: []) }
    }

    /// A 0-D float32 constant.
    public mutating func scalar(_ value: Float) -> String {
        constant("float(\(value))") { ONNXTensor(name: $0, floats: [value], shape: []) }
    }

    private mutating func constant(_ key: String, _ make: (String) -> ONNXTensor) -> String {
        if let name = constants[key] { return name }
        let name = "const/\(key)"
        constants[key] = name
        initializers.append(make(name))
        return name
    }

    /// The GraphProto; `initializer` encodes each initializer (inline or external).
    func proto(initializer: (ONNXTensor) -> ProtoMessage) -> ProtoMessage {
        var m = ProtoMessage()
        for n in nodes { m.message(1, n) }
        m.string(2, name)
        for t in initializers { m.message(5, initializer(t)) }
        for i in inputs { m.message(11, i) }
        for o in outputs { m.message(12, o) }
        return m
    }

    static func valueInfo(_ name: String, _ type: ONNXDataType, _ shape: [ONNXDimension]) -> ProtoMessage {
        var dims = ProtoMessage()
        for d in shape {
            var dim = ProtoMessage()
            switch d {
            case let .fixed(v): dim.int(1, v)
            case let .named(s): dim.string(2, s)
            }
            dims.message(1, dim)
        }
        var tensorType = ProtoMessage()
        tensorType.int(1, type.rawValue)
        tensorType.message(2, dims)
        var typeProto = ProtoMessage()
        typeProto.message(1, tensorType)
        var m = ProtoMessage()
        m.string(1, name)
        m.message(2, typeProto)
        return m
    }
}
