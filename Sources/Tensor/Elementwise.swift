// Embedding lookup, residual add, scaling and argmax.
//
// Legend: N rows (tokens), C channels, V vocabulary size.

internal import DecodeKernels
internal import Lanes

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

/// Elementwise work (in elements) from which kernels use the worker pool.
let parallelMinimum = 1 << 17

/// Runs `body(start, end)` over consecutive slices of 0..<count that together cover it, on the
/// shared worker pool when `count` is at least `minimum` (else in one call). Slices start at
/// multiples of `granule`; callers make each element's result independent of the slicing.
/// (Below ~1e5 elements waking the pool costs more than it saves.)
@inline(__always)
func forEachSlice(_ count: Int, minimum: Int = parallelMinimum, granule: Int = 8, piecesPerThread: Int = 4,
                  _ body: (Int, Int) -> Void) {
    let threads = defaultMatvecThreads
    if threads == 1 || count < minimum {
        body(0, count)
        return
    }
    let pieces = piecesPerThread * threads  // a few per thread, so a thread the OS delays holds up little
    let per = ((count + pieces - 1) / pieces + granule - 1) / granule * granule
    WorkerPool.shared(threads: threads).run(chunks: (count + per - 1) / per) { c in
        body(c * per, min(count, (c + 1) * per))
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
    var i = 0
    while i < N {
        let n = min(8, N - i)
        Floats8.add(Floats8.load(a, i, n), Floats8.load(b, i, n)).store(out, i, n)
        i += 8
    }
}

/// `x += y` (the residual stream).
///
///     x, y (N)
public func residualForward(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ N: Int) {
    var i = 0
    while i < N {
        let n = min(8, N - i)
        Floats8.add(Floats8.load(x, i, n), Floats8.load(y, i, n)).store(x, i, n)
        i += 8
    }
}

/// `x *= s`.
public func scale(_ x: UnsafeMutablePointer<Float>, by s: Float, _ N: Int) {
    let s8 = Floats8(repeating: s)
    var i = 0
    while i < N {
        let n = min(8, N - i)
        Floats8.mul(Floats8.load(x, i, n), s8).store(x, i, n)
        i += 8
    }
}

/// Index of the largest value (the first one on ties); -1 when `N` is 0.
///
///     x (N)
/// A NaN never wins, but a NaN first value gives 0 (as a scan from x[0] keeping what compares greater).
public func argmax(_ x: UnsafePointer<Float>, _ N: Int) -> Int {
    Int(pipe_argmax(x, N))
}
