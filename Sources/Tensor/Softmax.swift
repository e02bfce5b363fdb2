// Row-wise softmax.
//
// Legend: N rows, V columns.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
@inlinable
public func softmaxRow(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ count: Int) {
    if count == 0 { return }
    var maxValue = -Float.infinity
    for i in 0..<count { maxValue = max(maxValue, inp[i]) }
    var sum: Float = 0
    for i in 0..<count {
        let e = expf(inp[i] - maxValue)
        out[i] = e
        sum += e
    }
    let scale = 1 / sum
    for i in 0..<count { out[i] *= scale }
}
