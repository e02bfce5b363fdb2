// The largest batches a set of training activations must hold.
//
// Legend: B sequences per batch, T the longest of them, R = B*T rows.
// Buffers sized per row (R, ·) need the largest B*T of any batch, RoPE tables
// the largest T. Sizing each by its own maximum keeps a few long packed rows and
// many short held-out rows from costing (many × long) together.

/// The largest row count and length of the batches a run produces.
public struct BatchCapacity: Sendable, Equatable, CustomStringConvertible {
    /// The largest B·T.
    public var rows: Int
    /// The largest T.
    public var longest: Int
    /// The largest B.
    public var sequences: Int

    /// Room for batches of up to B sequences of up to T tokens.
    public init(B: Int, T: Int) {
        rows = B * T
        longest = T
        sequences = B
    }

    /// Room for the batches of both.
    public func union(_ other: BatchCapacity) -> BatchCapacity {
        var u = self
        u.rows = max(rows, other.rows)
        u.longest = max(longest, other.longest)
        u.sequences = max(sequences, other.sequences)
        return u
    }

    /// Whether a (B, T) batch fits.
    public func holds(B: Int, T: Int) -> Bool {
        B * T <= rows && T <= longest
    }

    /// "8 × 128 tokens" when one batch is the largest in rows and length, else "1200 tokens, rows up to 600 long".
    public var description: String {
        rows == sequences * longest ? "\(sequences) × \(longest) tokens" : "\(rows) tokens, rows up to \(longest) long"
    }
}

extension TrainingBatcher {
    /// The largest batch this batcher produces: up to `batchSize` of its examples, each at most its longest.
    public var capacity: BatchCapacity {
        BatchCapacity(B: max(1, min(batchSize, examples.count)), T: max(longest, 1))
    }
}
