// Embedding lookup, residual add, scaling and argmax.
//
// Legend: N rows (tokens), C channels, V vocabulary size.

/// Copies the embedding row of each token.
///
///     out    (N, C)
///     tokens (N), each in 0..<V (the caller checks)
///     table  (V, C)
public func embeddingForward(
    _ out: UnsafeMutablePointer<Float>,
    _ tokens: UnsafePointer<Int32>,
    _ table: UnsafePointer<Float>,
    _ N: Int, _ C: Int
) {
    for n in 0..<N {
        (out + n * C).update(from: table + Int(tokens[n]) * C, count: C)
    }
}

/// `out = a + b`.
///
///     out, a, b (N); `out` may alias either input.
public func addForward(
    _ out: UnsafeMutablePointer<Float>,
    _ a: UnsafePointer<Float>,
    _ b: UnsafePointer<Float>,
    _ N: Int
) {
    for i in 0..<N { out[i] = a[i] + b[i] }
}

/// `x += y` (the residual stream).
///
///     x, y (N)
public func residualForward(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ N: Int) {
    for i in 0..<N { x[i] += y[i] }
}

/// `x *= s`.
public func scale(_ x: UnsafeMutablePointer<Float>, by s: Float, _ N: Int) {
    for i in 0..<N { x[i] *= s }
}

/// Index of the largest value (the first one on ties); -1 when `N` is 0.
///
///     x (N)
public func argmax(_ x: UnsafePointer<Float>, _ N: Int) -> Int {
    if N == 0 { return -1 }
    var best = 0
    var bestValue = x[0]
    for i in 1..<N where x[i] > bestValue {
        best = i
        bestValue = x[i]
    }
    return best
}
