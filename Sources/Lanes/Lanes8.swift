// Eight-lane float and integer operations that lower to single AVX2 instructions, for the compute
// kernels (Tensor) and the block quantizers (GGUF).
//
// The standard library writes most SIMD8 arithmetic (float *, +, fused multiply-add, integer
// shifts, &, |) as per-lane loops and leaves it to LLVM's SLP vectorizer to put the lanes back
// together; in a kernel of any size it does so only in part (2- and 4-lane pieces and scalar
// leftovers), which costs the quantized matrix-vector product 3-4x. These helpers hand LLVM the
// vector operations directly (the target is built with `-target-cpu haswell`).
//
// Rounding: `mul`, `add`, `sub` and `div` round each lane exactly as the scalar operation does,
// and nothing here is contracted into a fused multiply-add unless asked for with `fma`; `min` /
// `max` keep the scalar comparisons' choice of operand. Code that must equal a scalar twin bit
// for bit (the quantizers) uses those and never `fma`.
//
// Everything is `@inlinable` (the Builtin-typed plumbing `@usableFromInline`), as the standard
// library exposes its own Builtin-based code, so the operations inline into the kernels of the
// modules that use them.

import Builtin

/// Eight floats.
public typealias Floats8 = SIMD8<Float>
/// Eight 32-bit lanes read as unsigned integers or as bit patterns.
public typealias Bits8 = SIMD8<UInt32>
/// Eight signed 32-bit integers.
public typealias Ints8 = SIMD8<Int32>

extension SIMD8 where Scalar == Float {
    /// The vector LLVM sees, and a vector from it.
    @usableFromInline @inline(__always) var vector: Builtin.Vec8xFPIEEE32 { _storage._value }
    @usableFromInline @inline(__always) init(_ vector: Builtin.Vec8xFPIEEE32) {
        self.init()
        _storage._value = vector
    }

    /// `a * b + c` in one rounding (not what the scalar `a * b + c` gives).
    @inlinable @inline(__always) public static func fma(_ a: Self, _ b: Self, _ c: Self) -> Self {
        Self(Builtin.int_fma_Vec8xFPIEEE32(a.vector, b.vector, c.vector))
    }

    @inlinable @inline(__always) public static func mul(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fmul_Vec8xFPIEEE32(a.vector, b.vector))
    }
    @inlinable @inline(__always) public static func add(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fadd_Vec8xFPIEEE32(a.vector, b.vector))
    }
    @inlinable @inline(__always) public static func sub(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fsub_Vec8xFPIEEE32(a.vector, b.vector))
    }
    @inlinable @inline(__always) public static func div(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.fdiv_Vec8xFPIEEE32(a.vector, b.vector))
    }

    /// `a > b ? a : b` per lane (one `vmaxps`): a NaN in `a` is skipped, as `if a > m { m = a }`
    /// skips it, and a NaN in `b` is passed on.
    @inlinable @inline(__always) public static func max(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.int_x86_avx_max_ps_256(a.vector, b.vector))
    }
    /// `a < b ? a : b` per lane (one `vminps`): a NaN in `a` is skipped, a NaN in `b` passed on.
    @inlinable @inline(__always) public static func min(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.int_x86_avx_min_ps_256(a.vector, b.vector))
    }

    /// |a| per lane (the sign bit cleared).
    @inlinable @inline(__always) public static func abs(_ a: Self) -> Self {
        Self(
            Builtin.bitcast_Vec8xInt32_Vec8xFPIEEE32(
                Builtin.and_Vec8xInt32(
                    Builtin.bitcast_Vec8xFPIEEE32_Vec8xInt32(a.vector), Ints8(repeating: 0x7FFF_FFFF).vector)))
    }

    /// The lanes rounded to the nearest integer, halves away from zero (`roundf`), as floats still
    /// to be truncated: `a + copysign(0.49999997, a)` truncates to `roundf(a)` for every float
    /// (0.49999997 is the float just below 0.5; adding 0.5 would carry 0.49999997 up to 1).
    @inlinable @inline(__always) public static func nudgedForRounding(_ a: Self) -> Self {
        let signs = Builtin.and_Vec8xInt32(
            Builtin.bitcast_Vec8xFPIEEE32_Vec8xInt32(a.vector),
            Ints8(repeating: Int32(bitPattern: 0x8000_0000)).vector)
        let half = Builtin.or_Vec8xInt32(
            signs, Ints8(repeating: Int32(bitPattern: Float(0.49999997).bitPattern)).vector)
        return add(a, Self(Builtin.bitcast_Vec8xInt32_Vec8xFPIEEE32(half)))
    }

    /// All ones in the lanes where `a >= b` or either is NaN, zeros elsewhere.
    @inlinable @inline(__always) public static func maskGreaterOrEqual(_ a: Self, _ b: Self) -> Bits8 {
        Bits8(Builtin.sext_Vec8xInt1_Vec8xInt32(Builtin.fcmp_uge_Vec8xFPIEEE32(a.vector, b.vector)))
    }

    /// The lanes' bits.
    @inlinable @inline(__always) public var bits: Bits8 { Bits8(Builtin.bitcast_Vec8xFPIEEE32_Vec8xInt32(vector)) }

    /// Each lane's integer (read as signed) converted to float.
    @inlinable @inline(__always) public init(converting bits: Bits8) {
        self.init(Builtin.sitofp_Vec8xInt32_Vec8xFPIEEE32(bits.vector))
    }

    /// Eight signed bytes as floats (one sign-extending load and one conversion).
    @inlinable @inline(__always) public init(signExtending bytes: SIMD8<Int8>) {
        self.init(Builtin.sitofp_Vec8xInt32_Vec8xFPIEEE32(Builtin.sext_Vec8xInt8_Vec8xInt32(bytes._storage._value)))
    }

    /// The lanes' bits read as floats.
    @inlinable @inline(__always) public init(bits: Bits8) {
        self.init(Builtin.bitcast_Vec8xInt32_Vec8xFPIEEE32(bits.vector))
    }

    /// Eight floats from `p + i` (no alignment needed).
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Self {
        UnsafeRawPointer(p + i).loadUnaligned(as: Self.self)
    }

    /// Stores the lanes at `p + i` (no alignment needed).
    @inlinable @inline(__always) public func store(_ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: self, as: Self.self)
    }

    /// The first `n` (1...8) floats from `p + i`, the other lanes 0: the tail of a row goes
    /// through the same vector arithmetic as the rest, so a value never depends on where a row
    /// was split.
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> Self {
        if n == 8 { return load(p, i) }
        var v = Self(repeating: 0)
        for j in 0 ..< n { v[j] = p[i + j] }
        return v
    }

    /// Stores the first `n` (1...8) lanes at `p + i`.
    @inlinable @inline(__always) public func store(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) {
        if n == 8 { return store(p, i) }
        for j in 0 ..< n { p[i + j] = self[j] }
    }

    /// The sum of the lanes, always in the order ((0+4)+(2+6))+((1+5)+(3+7)).
    @inlinable @inline(__always) public var laneSum: Float {
        ((self[0] + self[4]) + (self[2] + self[6])) + ((self[1] + self[5]) + (self[3] + self[7]))
    }

    /// The largest lane (lanes hold no NaN).
    @inlinable @inline(__always) public var laneMax: Float {
        Swift.max(
            Swift.max(Swift.max(self[0], self[4]), Swift.max(self[2], self[6])),
            Swift.max(Swift.max(self[1], self[5]), Swift.max(self[3], self[7])))
    }

    /// The smallest lane (lanes hold no NaN).
    @inlinable @inline(__always) public var laneMin: Float {
        Swift.min(
            Swift.min(Swift.min(self[0], self[4]), Swift.min(self[2], self[6])),
            Swift.min(Swift.min(self[1], self[5]), Swift.min(self[3], self[7])))
    }
}

extension SIMD8 where Scalar == UInt32 {
    /// The vector LLVM sees, and a vector from it.
    @usableFromInline @inline(__always) var vector: Builtin.Vec8xInt32 { _storage._value }
    @usableFromInline @inline(__always) init(_ vector: Builtin.Vec8xInt32) {
        self.init()
        _storage._value = vector
    }

    @inlinable @inline(__always) public static func add(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.add_Vec8xInt32(a.vector, b.vector))
    }
    @inlinable @inline(__always) public static func and(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.and_Vec8xInt32(a.vector, b.vector))
    }
    @inlinable @inline(__always) public static func or(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.or_Vec8xInt32(a.vector, b.vector))
    }
    @inlinable @inline(__always) public static func xor(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.xor_Vec8xInt32(a.vector, b.vector))
    }

    /// Each lane shifted left by `n` (0 ..< 32).
    @inlinable @inline(__always) public static func shiftLeft(_ a: Self, _ n: UInt32) -> Self {
        Self(Builtin.shl_Vec8xInt32(a.vector, Self(repeating: n).vector))
    }

    /// Each lane shifted right by `n` (0 ..< 32), zeros shifted in.
    @inlinable @inline(__always) public static func shiftRight(_ a: Self, _ n: UInt32) -> Self {
        Self(Builtin.lshr_Vec8xInt32(a.vector, Self(repeating: n).vector))
    }
}

extension SIMD8 where Scalar == Int32 {
    /// The vector LLVM sees, and a vector from it.
    @usableFromInline @inline(__always) var vector: Builtin.Vec8xInt32 { _storage._value }
    @usableFromInline @inline(__always) init(_ vector: Builtin.Vec8xInt32) {
        self.init()
        _storage._value = vector
    }

    /// `truncatingToInt32` per lane: clamped to +-2e9 (NaN to -2e9, whose low byte, like 0's, is 0),
    /// then truncated toward zero. Only the low byte of a clamped lane is ever used.
    @inlinable @inline(__always) public init(truncating a: Floats8) {
        let clamped = Floats8.min(
            Floats8.max(a, Floats8(repeating: -2_000_000_000)), Floats8(repeating: 2_000_000_000))
        self.init(Builtin.fptosi_Vec8xFPIEEE32_Vec8xInt32(clamped.vector))
    }

    @inlinable @inline(__always) public static func or(_ a: Self, _ b: Self) -> Self {
        Self(Builtin.or_Vec8xInt32(a.vector, b.vector))
    }

    /// Each lane shifted left by `n` (0 ..< 32).
    @inlinable @inline(__always) public static func shiftLeft(_ a: Self, _ n: Int32) -> Self {
        Self(Builtin.shl_Vec8xInt32(a.vector, Self(repeating: n).vector))
    }

    /// The low byte of each lane, read as a signed byte (`Int8(truncatingIfNeeded:)`).
    @inlinable @inline(__always) public static func lowByteSignExtended(_ a: Self) -> Self {
        Self(Builtin.ashr_Vec8xInt32(shiftLeft(a, 24).vector, Self(repeating: 24).vector))
    }

    /// The smaller of each lane and `bound` (signed).
    @inlinable @inline(__always) public static func min(_ a: Self, _ bound: Int32) -> Self {
        Self(Builtin.int_smin_Vec8xInt32(a.vector, Self(repeating: bound).vector))
    }

    /// Stores the low byte of each lane at `p + offset`.
    @inlinable @inline(__always) public func storeLowBytes(_ p: UnsafeMutableRawPointer, _ offset: Int) {
        var bytes = SIMD8<UInt8>()
        bytes._storage._value = Builtin.trunc_Vec8xInt32_Vec8xInt8(vector)
        p.storeBytes(of: bytes, toByteOffset: offset, as: SIMD8<UInt8>.self)
    }
}
