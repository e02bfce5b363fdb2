// Row-wise softmax, and the row reductions cross-entropy is built from.
//
// Legend: N rows, V columns.

internal import Lanes

/// Numerically stable softmax of each row, over its first `count` entries.
///
///     out (N, V)
///     inp (N, V)
///
/// `out` may alias `inp`.
public func softmaxForward(
    _ out: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>,
    _ N: Int, _ V: Int
) {
    for n in 0..<N {
        softmaxRow(out + n * V, inp + n * V, V)
    }
}

/// Softmax of one row of `count` values; `out` may alias `inp`.
public func softmaxRow(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ count: Int) {
    if count == 0 { return }
    let sum = expShiftedSum(out, inp, shift: maxValue(inp, count), count)
    scale(out, by: 1 / sum, count)
}

/// The largest of `count` values (-infinity when `count` is 0).
public func maxValue(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = Floats8(repeating: -.infinity)
    var i = 0
    while i + 8 <= count {
        acc = Floats8.max(acc, Floats8.load(x, i))
        i += 8
    }
    var m = acc.laneMax
    while i < count { m = max(m, x[i]); i += 1 }
    return m
}

/// `Σ_i exp(inp[i] − shift)` (by `fastExp`, summed in 8 lanes then in a fixed order); when
/// `out` is given, also `out[i] = exp(inp[i] − shift)`. `out` may alias `inp`.
///
///     out (count) or nil
///     inp (count)
public func expShiftedSum(
    _ out: UnsafeMutablePointer<Float>?,
    _ inp: UnsafePointer<Float>,
    shift: Float,
    _ count: Int
) -> Float {
    let m = Floats8(repeating: shift)
    var acc = Floats8()
    var i = 0
    while i + 8 <= count {
        let e = fastExp8(Floats8.sub(Floats8.load(inp, i), m))
        out.map { e.store($0, i) }
        acc = Floats8.add(acc, e)
        i += 8
    }
    var sum = acc.laneSum
    if i < count {
        let n = count - i
        let e = fastExp8(Floats8.sub(Floats8.load(inp, i, n), m))
        out.map { e.store($0, i, n) }
        for j in 0 ..< n { sum += e[j] }
    }
    return sum
}
