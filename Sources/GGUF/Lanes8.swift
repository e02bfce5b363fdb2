// Eight-lane float and integer operations for the block quantizers, handed to LLVM as vector
// operations (each one AVX2 instruction; the target is built with `-target-cpu haswell`).
// The standard library writes SIMD8 arithmetic as per-lane loops that LLVM only partly puts back
// together, so the quantizers use these instead. Every operation rounds exactly as its scalar
// twin: no fused multiply-add, and min / max keep the scalar comparisons' choice of operand.

import Builtin

typealias Floats8 = SIMD8<Float>
typealias Ints8 = SIMD8<Int32>

extension SIMD8 where Scalar == Float {
    @inline(__always) var vector: Builtin.Vec8xFPIEEE32 { _storage._value }
    @inline(__always) init(_ vector: Builtin.Vec8xFPIEEE32) {
        self.init()
        _storage._value = vector
    }

    /// Eight floats from `p + i` (no alignment needed).
    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Self {
        UnsafeRawPointer(p + i).loadUnaligned(as: Self.self)
    }

    @inline(__always) static func mul(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fmul_Vec8xFPIEEE32(a.vector, b.vector))
    }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fadd_Vec8xFPIEEE32(a.vector, b.vector))
    }
    @inline(__always) static func sub(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fsub_Vec8xFPIEEE32(a.vector, b.vector))
    }

    /// `a > b ? a : b` per lane (one `vmaxps`): a NaN in `a` is skipped, as `if a > m { m = a }` skips it.
    @inline(__always) static func max(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.int_x86_avx_max_ps_256(a.vector, b.vector))
    }
    /// `a < b ? a : b` per lane (one `vminps`): a NaN in `a` is skipped.
    @inline(__always) static func min(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.int_x86_avx_min_ps_256(a.vector, b.vector))
    }

    /// |a| per lane (the sign bit cleared).
    @inline(__always) static func abs(_ a: Self) -> Self {
        Self(
            Builtin.bitcast_Vec8xInt32_Vec8xFPIEEE32(
                Builtin.and_Vec8xInt32(
                    Builtin.bitcast_Vec8xFPIEEE32_Vec8xInt32(a.vector), Ints8(repeating: 0x7FFF_FFFF).vector)))
    }

    /// The lanes rounded to the nearest integer, halves away from zero (`roundf`), as floats still
    /// to be truncated: `a + copysign(0.49999997, a)` truncates to `roundf(a)` for every float
    /// (0.49999997 is the float just below 0.5; adding 0.5 would carry 0.49999997 up to 1).
    @inline(__always) static func nudgedForRounding(_ a: Self) -> Self {
        let signs = Builtin.and_Vec8xInt32(
            Builtin.bitcast_Vec8xFPIEEE32_Vec8xInt32(a.vector),
            Ints8(repeating: Int32(bitPattern: 0x8000_0000)).vector)
        let half = Builtin.or_Vec8xInt32(
            signs, Ints8(repeating: Int32(bitPattern: Float(0.49999997).bitPattern)).vector)
        return add(a, Self(Builtin.bitcast_Vec8xInt32_Vec8xFPIEEE32(half)))
    }

    /// The largest lane (lanes hold no NaN).
    @inline(__always) var laneMax: Float {
        Swift.max(
            Swift.max(Swift.max(self[0], self[4]), Swift.max(self[2], self[6])),
            Swift.max(Swift.max(self[1], self[5]), Swift.max(self[3], self[7])))
    }

    /// The smallest lane (lanes hold no NaN).
    @inline(__always) var laneMin: Float {
        Swift.min(
            Swift.min(Swift.min(self[0], self[4]), Swift.min(self[2], self[6])),
            Swift.min(Swift.min(self[1], self[5]), Swift.min(self[3], self[7])))
    }
}

extension SIMD8 where Scalar == Int32 {
    @inline(__always) var vector: Builtin.Vec8xInt32 { _storage._value }
    @inline(__always) init(_ vector: Builtin.Vec8xInt32) {
        self.init()
        _storage._value = vector
    }

    /// `truncatingToInt32` per lane: clamped to +-2e9 (NaN to -2e9, whose low byte, like 0's, is 0),
    /// then truncated toward zero. Only the low byte of a clamped lane is ever used.
    @inline(__always) init(truncating a: Floats8) {
        let clamped = Floats8.min(Floats8.max(a, Floats8(repeating: -2_000_000_000)), Floats8(repeating: 2_000_000_000))
        self.init(Builtin.fptosi_Vec8xFPIEEE32_Vec8xInt32(clamped.vector))
    }

    @inline(__always) static func or(_ a: Self, _ b: Self) -> Self { Self(Builtin.or_Vec8xInt32(a.vector, b.vector)) }

    /// Each lane shifted left by `n` (0 ..< 32).
    @inline(__always) static func shiftLeft(_ a: Self, _ n: Int32) -> Self {
        Self(Builtin.shl_Vec8xInt32(a.vector, Self(repeating: n).vector))
    }

    /// The low byte of each lane, read as a signed byte (`Int8(truncatingIfNeeded:)`).
    @inline(__always) static func lowByteSignExtended(_ a: Self) -> Self {
        Self(Builtin.ashr_Vec8xInt32(shiftLeft(a, 24).vector, Self(repeating: 24).vector))
    }

    /// The smaller of each lane and `bound` (signed).
    @inline(__always) static func min(_ a: Self, _ bound: Int32) -> Self {
        Self(Builtin.int_smin_Vec8xInt32(a.vector, Self(repeating: bound).vector))
    }

    /// Stores the low byte of each lane at `p + offset`.
    @inline(__always) func storeLowBytes(_ p: UnsafeMutableRawPointer, _ offset: Int) {
        var bytes = SIMD8<UInt8>()
        bytes._storage._value = Builtin.trunc_Vec8xInt32_Vec8xInt8(vector)
        p.storeBytes(of: bytes, toByteOffset: offset, as: SIMD8<UInt8>.self)
    }
}
