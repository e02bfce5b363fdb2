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
    /// `a * b + c` in one rounding.
    @inline(__always) static func fma(_ a: Self, _ b: Self, _ c: Self) -> Self {
        var r = Self()
        r._storage._value = Builtin.int_fma_Vec8xFPIEEE32(a._storage._value, b._storage._value, c._storage._value)
        return r
    }

    @inline(__always) static func mul(_ a: Self, _ b: Self) -> Self {
        var r = Self()
        r._storage._value = Builtin.fmul_Vec8xFPIEEE32(a._storage._value, b._storage._value)
        return r
    }

    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self {
        var r = Self()
        r._storage._value = Builtin.fadd_Vec8xFPIEEE32(a._storage._value, b._storage._value)
        return r
    }

    /// Each lane's integer (read as signed) converted to float.
    @inline(__always) init(converting bits: SIMD8<UInt32>) {
        self.init()
        _storage._value = Builtin.sitofp_Vec8xInt32_Vec8xFPIEEE32(bits._storage._value)
    }

    /// The lanes' bits read as floats.
    @inline(__always) init(bits: SIMD8<UInt32>) {
        self.init()
        _storage._value = Builtin.bitcast_Vec8xInt32_Vec8xFPIEEE32(bits._storage._value)
    }
}

extension SIMD8 where Scalar == UInt32 {
    @inline(__always) static func and(_ a: Self, _ b: Self) -> Self {
        var r = Self()
        r._storage._value = Builtin.and_Vec8xInt32(a._storage._value, b._storage._value)
        return r
    }

    @inline(__always) static func or(_ a: Self, _ b: Self) -> Self {
        var r = Self()
        r._storage._value = Builtin.or_Vec8xInt32(a._storage._value, b._storage._value)
        return r
    }

    @inline(__always) static func xor(_ a: Self, _ b: Self) -> Self {
        var r = Self()
        r._storage._value = Builtin.xor_Vec8xInt32(a._storage._value, b._storage._value)
        return r
    }

    /// Each lane shifted left by `n` (0 ..< 32).
    @inline(__always) static func shiftLeft(_ a: Self, _ n: UInt32) -> Self {
        var r = Self()
        r._storage._value = Builtin.shl_Vec8xInt32(a._storage._value, Self(repeating: n)._storage._value)
        return r
    }

    /// Each lane shifted right by `n` (0 ..< 32), zeros shifted in.
    @inline(__always) static func shiftRight(_ a: Self, _ n: UInt32) -> Self {
        var r = Self()
        r._storage._value = Builtin.lshr_Vec8xInt32(a._storage._value, Self(repeating: n)._storage._value)
        return r
    }
}
