// The errors of the ONNX module: each says what is wrong and what to do about it.

/// Why a model could not be exported to ONNX, or an ONNX file could not be read.
public enum ONNXError: Error, CustomStringConvertible, Equatable {
    /// The model has something the exported graph cannot express (`reason` says what).
    case unsupportedModel(reason: String)
    /// A linear layer exists only quantized, and its quantized blocks are not attached.
    case missingWeights(tensor: String, layer: Int)
    /// A LoRA adapter was made for another configuration than the model's.
    case adapterMismatch(targets: [String])
    /// The graph with its weights inline would exceed protobuf's 2 GiB message limit.
    case tooLargeForOneFile(bytes: Int)
    /// A file could not be created or written.
    case cannotWrite(path: String, reason: String)
    /// A file could not be read.
    case cannotRead(path: String, reason: String)
    /// Bytes that are not a well-formed protobuf message (or not the ONNX message expected),
    /// with the byte offset where reading failed.
    case malformed(offset: Int, reason: String)
    /// A bug in this module: a size computed before writing disagrees with what was written.
    case internalInconsistency(String)

    public var description: String {
        switch self {
        case let .unsupportedModel(reason):
            return "cannot export to ONNX: \(reason)"
        case let .missingWeights(tensor, layer):
            return "cannot export to ONNX: \(tensor) of layer \(layer) is kept only quantized and its blocks are "
                + "missing; load the model with float weights (floatLinearWeights: true) or keep its quantized ones"
        case let .adapterMismatch(targets):
            return "cannot export to ONNX: a LoRA adapter over \(targets.joined(separator: ", ")) was made for "
                + "another model configuration; attach only adapters trained on this model"
        case let .tooLargeForOneFile(bytes):
            return "the ONNX graph with its weights inline would take \(bytes) bytes, over protobuf's 2 GiB limit; "
                + "export with externalData: true (weights in a .data file beside the model)"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write: \(reason)"
        case let .cannotRead(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .malformed(offset, reason):
            return "malformed ONNX protobuf at byte \(offset): \(reason)"
        case let .internalInconsistency(reason):
            return "internal error in the ONNX writer (please report): \(reason)"
        }
    }
}
