// Sixteen-lane float and integer operations, for the AVX-512 kernels (KernelsAVX512, built with
// `-target-cpu skylake-avx512`, where each lowers to one zmm instruction; inlined into a module
// built for AVX2 they would become pairs of ymm instructions). The same rules as Lanes8.swift:
// nothing is contracted into a fused multiply-add unless asked for with `fma`.

import Builtin

/// Sixteen floats.
public typealias Floats16 = SIMD16<Float>
/// Sixteen 32-bit lanes read as unsigned integers or as bit patterns.
public typealias Bits16 = SIMD16<UInt32>

extension SIMD16 where Scalar == Float {
    @usableFromInline @inline(__always) var vector: Builtin.Vec16xFPIEEE32 { _storage._value }
    @usableFromInline @inline(__always) init(_ vector: Builtin.Vec16xFPIEEE32) {
        self.init()
        _storage._value = vector
    }

    /// `a * b + c` in one rounding.
    @inlinable @inline(__always) public static func fma(_ a: Self, _ b: Self, _ c: Self) -> Self {
        Self(Builtin.int_fma_Vec16xFPIEEE32(a.vector, b.vector, c.vector))
    }
    @inlinable @inline(__always) public static func mul(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fmul_Vec16xFPIEEE32(a.vector, b.vector))
    }
    @inlinable @inline(__always) public static func add(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fadd_Vec16xFPIEEE32(a.vector, b.vector))
    }

    /// Each lane's integer (read as signed) converted to float.
    @inlinable @inline(__always) public init(converting bits: Bits16) {
        self.init(Builtin.sitofp_Vec16xInt32_Vec16xFPIEEE32(bits.vector))
    }

    /// Sixteen signed bytes as floats (one sign-extending load and one conversion).
    @inlinable @inline(__always) public init(signExtending bytes: SIMD16<Int8>) {
        self.init(
            Builtin.sitofp_Vec16xInt32_Vec16xFPIEEE32(Builtin.sext_Vec16xInt8_Vec16xInt32(bytes._storage._value)))
    }

    /// Sixteen IEEE half-precision bit patterns widened to floats (exact; one `vcvtph2ps`).
    @inlinable @inline(__always) public init(halves: SIMD16<UInt16>) {
        self.init(
            Builtin.fpext_Vec16xFPIEEE16_Vec16xFPIEEE32(
                Builtin.bitcast_Vec16xInt16_Vec16xFPIEEE16(halves._storage._value)))
    }

    /// Sixteen floats from `p + i` (no alignment needed).
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Self {
        UnsafeRawPointer(p + i).loadUnaligned(as: Self.self)
    }

    /// The sum of the lanes: the two halves added, then `Floats8.laneSum`.
    @inlinable @inline(__always) public var laneSum: Float {
        Floats8.add(lowHalf, highHalf).laneSum
    }
}

extension SIMD16 where Scalar == UInt32 {
    @usableFromInline @inline(__always) var vector: Builtin.Vec16xInt32 { _storage._value }
    @usableFromInline @inline(__always) init(_ vector: Builtin.Vec16xInt32) {
        self.init()
        _storage._value = vector
    }

    @inlinable @inline(__always) public static func and(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.and_Vec16xInt32(a.vector, b.vector))
    }

    /// Each lane shifted right by `n` (0 ..< 32), zeros shifted in.
    @inlinable @inline(__always) public static func shiftRight(_ a: Self, _ n: UInt32) -> Self {
        Self(Builtin.lshr_Vec16xInt32(a.vector, Self(repeating: n).vector))
    }
}

extension SIMD8 where Scalar == Float {
    /// Eight IEEE half-precision bit patterns widened to floats (exact; one `vcvtph2ps`, F16C).
    @inlinable @inline(__always) public init(halves: SIMD8<UInt16>) {
        self.init(
            Builtin.fpext_Vec8xFPIEEE16_Vec8xFPIEEE32(Builtin.bitcast_Vec8xInt16_Vec8xFPIEEE16(halves._storage._value)))
    }

    /// The first `n` (1...8) half-precision values from `p + i` widened to floats, the other lanes 0.
    @inlinable @inline(__always) public static func loadHalves(_ p: UnsafePointer<UInt16>, _ i: Int, _ n: Int) -> Self {
        if n == 8 { return Self(halves: UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<UInt16>.self)) }
        var h = SIMD8<UInt16>(repeating: 0)
        for j in 0 ..< n { h[j] = p[i + j] }
        return Self(halves: h)
    }
}
