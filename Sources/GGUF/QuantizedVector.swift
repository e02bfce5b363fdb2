// An activation vector quantized to 8 bits per element for the integer matrix-vector kernels
// (QuantizedMatVec.swift), as ggml's q8_1 does: blocks of 32 elements, each with
//   d = max|x| / 127        q[i] = round(x[i] / d) in -127...127        s = d * sum(q)
// so that x[i] ~ d q[i]. Scales are kept as Float (ggml stores halves); `s` lets a block with an
// offset (Q4_1's min, Q4_K's mins) add `m * sum(x)` without touching the elements again.
// The quantization error is at most d/2 = max|x|/254 per element.
// The integers are stored as Int16 (no widening in the kernels), each block's even elements
// first, then its odd ones: [q0, q2, ..., q30, q1, q3, ..., q31]. That is the order in which the
// kernels take apart weight bytes viewed as 16-bit lanes (low byte = even, high byte = odd).

/// Reusable storage for one quantized activation vector of up to `capacity` elements.
/// Allocate once (per model, per thread), quantize into it once per matrix-vector product.
public final class QuantizedVector: @unchecked Sendable {
    /// Maximum number of elements (a multiple of 32).
    public let capacity: Int
    /// Elements currently held (a multiple of 32).
    public private(set) var count = 0
    /// `count` quantized elements, per block of 32 the even elements then the odd ones.
    public let values: UnsafeMutablePointer<Int16>
    /// Per block of 32: the scale d.
    public let scales: UnsafeMutablePointer<Float>
    /// Per block of 32: d * sum(q).
    public let sums: UnsafeMutablePointer<Float>

    /// Storage for vectors of up to `capacity` elements (rounded up to a multiple of 32).
    public init(capacity: Int) {
        let capacity = max(32, (capacity + 31) / 32 * 32)
        self.capacity = capacity
        values = .allocate(capacity: capacity)
        scales = .allocate(capacity: capacity / 32)
        sums = .allocate(capacity: capacity / 32)
        values.initialize(repeating: 0, count: capacity)
        scales.initialize(repeating: 0, count: capacity / 32)
        sums.initialize(repeating: 0, count: capacity / 32)
    }

    deinit {
        values.deallocate()
        scales.deallocate()
        sums.deallocate()
    }

    /// Quantizes `count` floats at `x` (a multiple of 32, at most `capacity`).
    public func quantize(_ x: UnsafePointer<Float>, count: Int) throws {
        guard count >= 0, count % 32 == 0, count <= capacity else {
            throw GGUFError.sizeMismatch(what: "quantized vector length (a multiple of 32, at most \(capacity))",
                                         expected: min(capacity, (count + 31) / 32 * 32), actual: count)
        }
        self.count = count
        quantizeActivation(x, count, values, scales, sums)
    }

    /// The float value of element `i` (d q[i]); for tests and checks.
    public func value(at i: Int) -> Float {
        let k = i % 32
        return scales[i / 32] * Float(values[i - k + k / 2 + (k % 2) * 16])
    }
}

/// Quantizes `count` (a multiple of 32) floats into `q`, with per-block scales `d` and sums `s`.
func quantizeActivation(_ x: UnsafePointer<Float>, _ count: Int, _ q: UnsafeMutablePointer<Int16>,
                        _ d: UnsafeMutablePointer<Float>, _ s: UnsafeMutablePointer<Float>) {
    for b in 0 ..< count / 32 {
        let xs = UnsafeRawPointer(x + 32 * b)
        let v0 = xs.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
        let v1 = xs.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        let v2 = xs.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
        let v3 = xs.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
        let m = pointwiseMax(pointwiseMax(magnitude(v0), magnitude(v1)), pointwiseMax(magnitude(v2), magnitude(v3))).max()
        let scale = m / 127
        let inverse: Float = m > 0 ? 127 / m : 0
        let i0 = SIMD8<Int32>((v0 * inverse).rounded(.toNearestOrEven))
        let i1 = SIMD8<Int32>((v1 * inverse).rounded(.toNearestOrEven))
        let i2 = SIMD8<Int32>((v2 * inverse).rounded(.toNearestOrEven))
        let i3 = SIMD8<Int32>((v3 * inverse).rounded(.toNearestOrEven))
        let out = q + 32 * b
        for k in 0 ..< 4 {
            out[k] = Int16(truncatingIfNeeded: i0[2 * k])
            out[k + 4] = Int16(truncatingIfNeeded: i1[2 * k])
            out[k + 8] = Int16(truncatingIfNeeded: i2[2 * k])
            out[k + 12] = Int16(truncatingIfNeeded: i3[2 * k])
            out[k + 16] = Int16(truncatingIfNeeded: i0[2 * k + 1])
            out[k + 20] = Int16(truncatingIfNeeded: i1[2 * k + 1])
            out[k + 24] = Int16(truncatingIfNeeded: i2[2 * k + 1])
            out[k + 28] = Int16(truncatingIfNeeded: i3[2 * k + 1])
        }
        d[b] = scale
        s[b] = scale * Float(((i0 &+ i1) &+ (i2 &+ i3)).wrappedSum())
    }
}

@inline(__always)
private func magnitude(_ v: SIMD8<Float>) -> SIMD8<Float> { pointwiseMax(v, -v) }
