// Data-parallel training: N processes (ranks) each run the forward and backward of their share of
// every micro-batch, then sum what they computed over all ranks, so that every rank holds the
// gradient of the whole batch and takes the same optimizer step.

/// Sums values over the ranks of a data-parallel run.
public protocol GradientReducer: AnyObject {
    /// This process's index, 0..<size; rank 0 writes checkpoints and the output.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `values` on every rank by their element-wise sum over all ranks.
    func sum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// The same for doubles (loss sums, counts).
    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws
}

extension GradientReducer {
    /// The rows `rank` trains of a batch of `count` sequences: a contiguous share, sizes differing by at most one.
    public func share(of count: Int) -> Range<Int> {
        (count * rank / size)..<(count * (rank + 1) / size)
    }

    /// `values` summed over all ranks.
    public func sum(_ values: [Double]) throws -> [Double] {
        var out = values
        try out.withUnsafeMutableBufferPointer { try sum($0) }
        return out
    }
}

/// One process: the sum over ranks is the value itself.
public final class SingleProcess: GradientReducer {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
}
