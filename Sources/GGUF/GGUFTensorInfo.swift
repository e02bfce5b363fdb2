// A tensor's entry in a GGUF file's tensor-info table: where its bytes are and how to read them.

/// Name, shape, type and location of one tensor in a GGUF file.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// Dimensions in ggml order: `dimensions[0]` (ne0) varies fastest, i.e. it is the row length.
    /// A Hugging Face `(out, in)` matrix is stored with `dimensions == [in, out]`.
    public let dimensions: [Int]
    /// Element type.
    public let type: GGMLType
    /// Byte offset of the data relative to the start of the file's data section (as stored).
    public let offset: Int
    /// Byte offset of the data from the start of the file.
    public let fileOffset: Int

    public init(name: String, dimensions: [Int], type: GGMLType, offset: Int, fileOffset: Int) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.fileOffset = fileOffset
    }

    /// Number of elements (product of the dimensions).
    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Length of a row (ne0).
    public var rowLength: Int { dimensions.first ?? 1 }
    /// Number of rows (product of ne1, ne2, ...).
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
    /// Bytes of one row.
    public var rowByteCount: Int { rowLength / type.blockSize * type.bytesPerBlock }
    /// Bytes of the whole tensor.
    public var byteCount: Int { rowCount * rowByteCount }
    /// Dimensions in row-major (PyTorch / safetensors) order: slowest first.
    public var shape: [Int] { dimensions.reversed() }
}
