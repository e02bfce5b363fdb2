// The 16-lane (AVX-512) rows of the quantized matrix-vector product; Tensor's QuantizedMatvec.swift
// explains the method and calls these only when cpuid reports AVX-512 F/BW/DQ/VL (KernelSet).
// This module is built with `-target-cpu skylake-avx512`: nothing here may run on a CPU without it.
//
// Legend: NB blocks per row; row r at matrix + r·rowBytes holds NB halves d, (4-bit) NB halves m,
// then the quants. 4-bit blocks go in quads of 16 lanes, then at most one pair of 8 lanes, then
// an odd last block, in the lane order Tensor's FourBitLanes prepared `xp` in.

import Synchronization
internal import Lanes

/// Operands of one product's rows (pointers into memory the caller owns for the call).
public struct MatvecRows: @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>
    let matrix: UnsafeRawPointer
    let rowBytes: Int
    let blocksPerRow: Int
    let x: UnsafePointer<Float>
    let xp: UnsafePointer<Float>
    /// Σ x per block (NB), followed by 16 zeros.
    let xsum: UnsafePointer<Float>

    public init(out: UnsafeMutablePointer<Float>, matrix: UnsafeRawPointer, rowBytes: Int, blocksPerRow: Int,
                x: UnsafePointer<Float>, xp: UnsafePointer<Float>, xsum: UnsafePointer<Float>) {
        self.out = out
        self.matrix = matrix
        self.rowBytes = rowBytes
        self.blocksPerRow = blocksPerRow
        self.x = x
        self.xp = xp
        self.xsum = xsum
    }
}

/// Rows read this far ahead, one byte per cache line (see Tensor's QuantizedMatvec.swift).
private let ahead = 4
private let touchSink = Atomic<Int>(0)

/// Σ h·xsum over NB halves h, 16 at a time (the last few copied, the other lanes 0).
@inline(__always)
private func halvesDot(_ h: UnsafePointer<UInt16>, _ xsum: UnsafePointer<Float>, _ NB: Int) -> Float {
    var acc = Floats16()
    var b = 0
    while b < NB {
        var bits = SIMD16<UInt16>(repeating: 0)
        if b + 16 <= NB {
            bits = UnsafeRawPointer(h + b).loadUnaligned(as: SIMD16<UInt16>.self)
        } else {
            for j in 0..<(NB - b) { bits[j] = h[b + j] }
        }
        acc = .fma(Floats16(halves: bits), .load(xsum, b), acc)
        b += 16
    }
    return acc.laneSum
}

/// `out[r] = W[r] · x` for 4-bit rows lo..<hi.
public func fourBitRowsAVX512(_ a: MatvecRows, _ lo: Int, _ hi: Int) {
    let NB = a.blocksPerRow, quads = NB / 4
    let pairStart = 4 * quads, hasPair = NB - pairStart >= 2
    let lanes = UnsafeRawPointer(a.xp)
    var touched: UInt8 = 0
    for r in lo..<hi {
        let row = a.matrix + r * a.rowBytes
        let d = UnsafePointer(row.assumingMemoryBound(to: UInt16.self))
        let q = row + 4 * NB
        if r + ahead < hi {
            let next = a.matrix + (r + ahead) * a.rowBytes
            for offset in stride(from: 0, to: a.rowBytes, by: 64) {
                touched &+= next.load(fromByteOffset: offset, as: UInt8.self)
            }
        }
        @inline(__always) func scale(_ b: Int) -> Float { Float(Float16(bitPattern: d[b])) }
        var acc = Floats16(repeating: 0)
        for p in 0..<quads {
            let word = q.loadUnaligned(fromByteOffset: 64 * p, as: Bits16.self)
            let xb = lanes + 512 * p
            @inline(__always) func v(_ g: UInt32) -> Floats16 {
                g == 7
                    ? Floats16(converting: Bits16.and(Bits16.shiftRight(word, 4), Bits16(repeating: 0x0F00_0000)))
                    : Floats16(converting: Bits16.and(word, Bits16(repeating: 0xF << (4 * g))))
            }
            @inline(__always) func xs(_ g: Int) -> Floats16 {
                xb.loadUnaligned(fromByteOffset: 64 * g, as: Floats16.self)
            }
            var s0 = Floats16.mul(v(0), xs(0))
            var s1 = Floats16.mul(v(1), xs(1))
            s0 = .fma(v(2), xs(2), s0)
            s1 = .fma(v(3), xs(3), s1)
            s0 = .fma(v(4), xs(4), s0)
            s1 = .fma(v(5), xs(5), s1)
            s0 = .fma(v(6), xs(6), s0)
            s1 = .fma(v(7), xs(7), s1)
            let b = 4 * p
            let scales = Floats16(
                lowHalf: Floats8(lowHalf: SIMD4(repeating: scale(b)), highHalf: SIMD4(repeating: scale(b + 1))),
                highHalf: Floats8(lowHalf: SIMD4(repeating: scale(b + 2)), highHalf: SIMD4(repeating: scale(b + 3))))
            acc = .fma(scales, .add(s0, s1), acc)
        }
        var total = acc.laneSum
        if hasPair {
            let word = q.loadUnaligned(fromByteOffset: 16 * pairStart, as: Bits8.self)
            let xb = lanes + 128 * pairStart
            @inline(__always) func v(_ g: UInt32) -> Floats8 {
                g == 7 ? Floats8(converting: Bits8.and(Bits8.shiftRight(word, 4), Bits8(repeating: 0x0F00_0000)))
                    : Floats8(converting: Bits8.and(word, Bits8(repeating: 0xF << (4 * g))))
            }
            @inline(__always) func xs(_ g: Int) -> Floats8 {
                xb.loadUnaligned(fromByteOffset: 32 * g, as: Floats8.self)
            }
            var s0 = Floats8.mul(v(0), xs(0))
            var s1 = Floats8.mul(v(1), xs(1))
            s0 = .fma(v(2), xs(2), s0)
            s1 = .fma(v(3), xs(3), s1)
            s0 = .fma(v(4), xs(4), s0)
            s1 = .fma(v(5), xs(5), s1)
            s0 = .fma(v(6), xs(6), s0)
            s1 = .fma(v(7), xs(7), s1)
            let scales = Floats8(lowHalf: SIMD4(repeating: scale(pairStart)),
                                 highHalf: SIMD4(repeating: scale(pairStart + 1)))
            total += Floats8.mul(scales, .add(s0, s1)).laneSum
        }
        total += halvesDot(UnsafePointer(d + NB), a.xsum, NB)
        if NB % 2 == 1 {
            let b = NB - 1
            let bytes = (q + 16 * b).assumingMemoryBound(to: UInt8.self), xb = a.x + 32 * b
            var s: Float = 0
            for j in 0..<16 {
                s += Float(bytes[j] & 0x0F) * xb[j] + Float(bytes[j] >> 4) * xb[j + 16]
            }
            total += scale(b) * s
        }
        a.out[r] = total
    }
    if touched == 0x5A { touchSink.add(1, ordering: .relaxed) }
}

/// `out[r] = W[r] · x` for 8-bit rows lo..<hi (x in natural order).
public func eightBitRowsAVX512(_ a: MatvecRows, _ lo: Int, _ hi: Int) {
    let NB = a.blocksPerRow
    let lanes = UnsafeRawPointer(a.x)
    for r in lo..<hi {
        let row = a.matrix + r * a.rowBytes
        let d = row.assumingMemoryBound(to: UInt16.self)
        let q = row + 2 * NB
        var acc0 = Floats16(repeating: 0), acc1 = Floats16(repeating: 0)
        @inline(__always) func block(_ b: Int) -> Floats16 {
            let qb = q + 32 * b, xb = lanes + 128 * b
            let v0 = Floats16(signExtending: qb.loadUnaligned(as: SIMD16<Int8>.self))
            let v1 = Floats16(signExtending: qb.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self))
            return .fma(v1, xb.loadUnaligned(fromByteOffset: 64, as: Floats16.self),
                        .mul(v0, xb.loadUnaligned(as: Floats16.self)))
        }
        var b = 0
        while b + 2 <= NB {
            acc0 = .fma(Floats16(repeating: Float(Float16(bitPattern: d[b]))), block(b), acc0)
            acc1 = .fma(Floats16(repeating: Float(Float16(bitPattern: d[b + 1]))), block(b + 1), acc1)
            b += 2
        }
        if b < NB { acc0 = .fma(Floats16(repeating: Float(Float16(bitPattern: d[b]))), block(b), acc0) }
        a.out[r] = Floats16.add(acc0, acc1).laneSum
    }
}
