// Backward of the embedding lookup.
//
// Legend: N rows (tokens), C channels, V vocabulary size.

/// Adds each row's gradient into the embedding row of its token.
///
///     dtable (V, C) += scatter of dout
///     dout   (N, C)
///     tokens (N), each in 0..<V
public func embeddingBackward(
    _ dtable: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>,
    _ tokens: UnsafePointer<Int32>,
    _ N: Int, _ C: Int
) {
    for n in 0..<N {
        let row = dtable + Int(tokens[n]) * C, d = dout + n * C
        for c in 0..<C { row[c] += d[c] }
    }
}
