// Eight-lane float and integer operations that lower to single AVX2 instructions.
//
// The standard library writes most SIMD8 arithmetic (float *, +, fused multiply-add,
// integer shifts, &, |) as per-lane loops and leaves it to LLVM's SLP vectorizer to
// put the lanes back together; in a kernel of any size it does so only in part
// (2- and 4-lane pieces and scalar leftovers), which costs the quantized
// matrix-vector product 3-4x. These helpers hand LLVM the vector operations directly.

import Builtin

typealias Floats8 = SIMD8<Float>
typealias Bits8 = SIMD8<UInt32>

extension SIMD8 where Scalar == Float {
    /// The vector LLVM sees, and a vector from it.
    @inline(__always) var vector: Builtin.Vec8xFPIEEE32 { _storage._value }
    @inline(__always) init(_ vector: Builtin.Vec8xFPIEEE32) {
        self.init()
        _storage._value = vector
    }

    /// `a * b + c` in one rounding.
    @inline(__always) static func fma(_ a: Self, _ b: Self, _ c: Self) -> Self {
        Self(Builtin.int_fma_Vec8xFPIEEE32(a.vector, b.vector, c.vector))
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
    @inline(__always) static func div(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fdiv_Vec8xFPIEEE32(a.vector, b.vector))
    }

    /// The larger of each pair of lanes (one `vmaxps`); a NaN in `b` is passed on.
    @inline(__always) static func max(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.int_x86_avx_max_ps_256(a.vector, b.vector))
    }
    /// The smaller of each pair of lanes (one `vminps`); a NaN in `b` is passed on.
    @inline(__always) static func min(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.int_x86_avx_min_ps_256(a.vector, b.vector))
    }

    /// All ones in the lanes where `a >= b` or either is NaN, zeros elsewhere.
    @inline(__always) static func maskGreaterOrEqual(_ a: Self, _ b: Self) -> SIMD8<UInt32> {
        SIMD8<UInt32>(Builtin.sext_Vec8xInt1_Vec8xInt32(Builtin.fcmp_uge_Vec8xFPIEEE32(a.vector, b.vector)))
    }

    /// The lanes' bits.
    @inline(__always) var bits: SIMD8<UInt32> { SIMD8<UInt32>(Builtin.bitcast_Vec8xFPIEEE32_Vec8xInt32(vector)) }

    /// Each lane's integer (read as signed) converted to float.
    @inline(__always) init(converting bits: SIMD8<UInt32>) {
        self.init(Builtin.sitofp_Vec8xInt32_Vec8xFPIEEE32(bits.vector))
    }

    /// Eight signed bytes as floats (one sign-extending load and one conversion).
    @inline(__always) init(signExtending bytes: SIMD8<Int8>) {
        self.init(Builtin.sitofp_Vec8xInt32_Vec8xFPIEEE32(Builtin.sext_Vec8xInt8_Vec8xInt32(bytes._storage._value)))
    }

    /// The lanes' bits read as floats.
    @inline(__always) init(bits: SIMD8<UInt32>) { self.init(Builtin.bitcast_Vec8xInt32_Vec8xFPIEEE32(bits.vector)) }

    /// Eight floats from `p + i` (no alignment needed).
    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Self {
        UnsafeRawPointer(p + i).loadUnaligned(as: Self.self)
    }

    /// Stores the lanes at `p + i` (no alignment needed).
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: self, as: Self.self)
    }

    /// The first `n` (1...8) floats from `p + i`, the other lanes 0: the tail of a row goes
    /// through the same vector arithmetic as the rest, so a value never depends on where a row
    /// was split.
    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> Self {
        if n == 8 { return load(p, i) }
        var v = Self(repeating: 0)
        for j in 0 ..< n { v[j] = p[i + j] }
        return v
    }

    /// Stores the first `n` (1...8) lanes at `p + i`.
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) {
        if n == 8 { return store(p, i) }
        for j in 0 ..< n { p[i + j] = self[j] }
    }

    /// The sum of the lanes, always in the order ((0+4)+(2+6))+((1+5)+(3+7)).
    @inline(__always) var laneSum: Float {
        ((self[0] + self[4]) + (self[2] + self[6])) + ((self[1] + self[5]) + (self[3] + self[7]))
    }

    /// The largest lane.
    @inline(__always) var laneMax: Float {
        Swift.max(Swift.max(Swift.max(self[0], self[4]), Swift.max(self[2], self[6])),
                  Swift.max(Swift.max(self[1], self[5]), Swift.max(self[3], self[7])))
    }
}

extension SIMD8 where Scalar == UInt32 {
    /// The vector LLVM sees, and a vector from it.
    @inline(__always) var vector: Builtin.Vec8xInt32 { _storage._value }
    @inline(__always) init(_ vector: Builtin.Vec8xInt32) {
        self.init()
        _storage._value = vector
    }

    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { Self(Builtin.add_Vec8xInt32(a.vector, b.vector)) }
    @inline(__always) static func and(_ a: Self, _ b: Self) -> Self { Self(Builtin.and_Vec8xInt32(a.vector, b.vector)) }
    @inline(__always) static func or(_ a: Self, _ b: Self) -> Self { Self(Builtin.or_Vec8xInt32(a.vector, b.vector)) }
    @inline(__always) static func xor(_ a: Self, _ b: Self) -> Self { Self(Builtin.xor_Vec8xInt32(a.vector, b.vector)) }

    /// Each lane shifted left by `n` (0 ..< 32).
    @inline(__always) static func shiftLeft(_ a: Self, _ n: UInt32) -> Self {
        Self(Builtin.shl_Vec8xInt32(a.vector, Self(repeating: n).vector))
    }

    /// Each lane shifted right by `n` (0 ..< 32), zeros shifted in.
    @inline(__always) static func shiftRight(_ a: Self, _ n: UInt32) -> Self {
        Self(Builtin.lshr_Vec8xInt32(a.vector, Self(repeating: n).vector))
    }
}
