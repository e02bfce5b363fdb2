// Integer matrix-vector kernels: rows of quantized weights times a QuantizedVector, reading the
// weight blocks directly. Per block of 32 (legend: w weight row, a activation, q integers):
//   Q8_0:  sum_i (dw qw_i)(da qa_i)            = dw da sum_i qw_i qa_i
//   Q4_0:  sum_i (dw (qw_i - 8))(da qa_i)      = dw da sum_i (qw_i - 8) qa_i
//   Q4_1:  sum_i (dw qw_i + mw)(da qa_i)       = dw da sum_i qw_i qa_i + mw sa      (sa = da sum qa)
//   Q4_K:  per sub-block j of 32: (d sc_j) da sum qw qa - (dmin m_j) sa
//   Q6_K:  per 16: (d sc_k) da sum (qw - 32) qa
// Weight bytes are read as 16-bit lanes: the low byte is an even element, the high byte the next
// odd one, which is why QuantizedVector keeps each block as [even elements, odd elements]. The
// integer sums are exact: products go into Int16 lanes (|qw qa| <= 128 * 127, two of them still
// fit), pairs of lanes are added into Int32 lanes, and the 8 Int32 lanes per block are converted
// to Float and accumulated with a fused multiply-add by the block's scale. The float lanes are
// summed once per row in a fixed order, so a row's result does not depend on threads or ranges.
// Written with SIMD types that map to AVX2 when the target is built with `-target-cpu haswell`
// (vpsrlvd, vpand, vpsraw, vpmullw, vpsrad, vcvtdq2ps, vfmadd231ps, vcvtph2ps); no lane-wise
// conversions between SIMD types of different widths (those compile to calls).

/// Sums adjacent pairs of Int16 lanes into Int32 lanes (exact).
@inline(__always)
private func pairSums(_ p: SIMD16<Int16>) -> SIMD8<Int32> {
    let w = unsafeBitCast(p, to: SIMD8<Int32>.self)
    return ((w &<< 16) &>> 16) &+ (w &>> 16)
}

/// `pairSums` for pairs whose sum fits in Int16 (one operation less): with w = hi 2^16 + lo mod
/// 2^16, w + lo 2^16 = (hi + lo) 2^16 + (lo mod 2^16), and the arithmetic shift drops the remainder.
@inline(__always)
private func smallPairSums(_ p: SIMD16<Int16>) -> SIMD8<Int32> {
    let w = unsafeBitCast(p, to: SIMD8<Int32>.self)
    return (w &+ (w &<< 16)) &>> 16
}

/// The sum of the 8 lanes as a tree ((0+4)+(2+6))+((1+5)+(3+7)): shorter than a chain, same order every time.
@inline(__always)
private func treeSum(_ v: SIMD8<Float>) -> Float {
    let four = v.lowHalf + v.highHalf
    let two = four.lowHalf + four.highHalf
    return two[0] + two[1]
}

/// 32 bytes at `offset` as 16 lanes of two bytes (low byte = even element).
@inline(__always)
private func lanes(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<Int16> {
    p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int16>.self)
}

/// The even and odd elements of activation block `b`.
@inline(__always)
private func activation(_ q: UnsafeRawPointer, _ b: Int) -> (even: SIMD16<Int16>, odd: SIMD16<Int16>) {
    (lanes(q, 64 &* b), lanes(q, 64 &* b &+ 32))
}

/// The 32 nibbles of a Q4_0/Q4_1 block's 16 bytes at `offset` (element j = low nibble of byte j,
/// element j + 16 = its high nibble), as even and odd elements.
@inline(__always)
private func q4Nibbles(_ p: UnsafeRawPointer, _ offset: Int) -> (even: SIMD16<Int16>, odd: SIMD16<Int16>) {
    let bytes = p.loadUnaligned(fromByteOffset: offset, as: SIMD4<UInt32>.self)
    // Low half: the bytes as they are (low nibbles = elements 0..<16); high half: shifted by 4.
    let both = SIMD8<UInt32>(lowHalf: bytes, highHalf: bytes) &>> SIMD8<UInt32>(0, 0, 0, 0, 4, 4, 4, 4)
    let v = unsafeBitCast(both, to: SIMD16<Int16>.self)
    return (v & 0x0F, (v &>> 8) & 0x0F)
}

/// A little-endian half at `offset` as Float, through the 64K-entry table `t` (a load; F16C's
/// vcvtph2ps costs more here, and the scales of a matrix hit few entries).
@inline(__always)
private func half(_ p: UnsafeRawPointer, _ offset: Int, _ t: UnsafePointer<Float>) -> Float {
    t[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))]
}

/// `y[r] = row r of w · a` for the rows in `rows`. `w` points at row 0, rows are `rowBytes` apart,
/// `a.count` is the row length. `type` is one of `GGMLMatrix.integerTypes`.
func quantizedMatVec(_ type: GGMLType, _ w: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
                     _ a: QuantizedVector, _ y: UnsafeMutablePointer<Float>) {
    let blocks = a.count / 32
    let q = UnsafeRawPointer(a.values), d = a.scales, s = a.sums
    // Rows are prefetched ~2 KB ahead: the hardware prefetcher alone leaves the kernels waiting
    // for memory (measured: streaming 33 MB of Q4_1 went from 5.9 to 7.4 GB/s on one core).
    let ahead = max(1, 2048 / max(1, rowBytes))
    halfTable.withUnsafeBufferPointer { table in
        guard let t = table.baseAddress else { return }
        for r in rows {
            if r + ahead < rows.upperBound { prefetch(w + (r + ahead) * rowBytes, bytes: rowBytes) }
            let row = w + r * rowBytes
            switch type {
            case .q4_0: y[r] = dotQ4_0(t, row, q, d, blocks)
            case .q4_1: y[r] = dotQ4_1(t, row, q, d, s, blocks)
            case .q8_0: y[r] = dotQ8_0(t, row, q, d, blocks)
            case .q4_K: y[r] = dotQ4_K(t, row, q, d, s, blocks / 8)
            case .q6_K: y[r] = dotQ6_K(t, row, q, d, blocks / 8)
            default: y[r] = 0
            }
        }
    }
}

// LLVM's prefetch intrinsic (prefetcht0 on x86; a no-op where unsupported); Swift has no public
// spelling for it. Arguments: address, 0 = read, 3 = keep in all cache levels, 1 = data cache.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cache: Int32)

/// Asks for the `bytes` bytes at `p` to be brought into cache (never faults).
@inline(__always)
private func prefetch(_ p: UnsafeRawPointer, bytes: Int) {
    var offset = 0
    while offset < bytes {
        llvmPrefetch(p + offset, 0, 3, 1)
        offset += 64
    }
}

// Q4_0: 18 bytes: d (half), 16 bytes of nibbles; element j is the low nibble of byte j, element
// j + 16 the high nibble.
private func dotQ4_0(_ t: UnsafePointer<Float>, _ w: UnsafeRawPointer, _ q: UnsafeRawPointer, _ d: UnsafePointer<Float>, _ blocks: Int) -> Float {
    var acc = SIMD8<Float>()
    for b in 0 ..< blocks {
        let block = w + 18 &* b
        let (even, odd) = q4Nibbles(block, 2)
        let (x0, x1) = activation(q, b)
        let p = (even &- 8) &* x0 &+ (odd &- 8) &* x1
        acc = acc.addingProduct(SIMD8<Float>(smallPairSums(p)), SIMD8(repeating: half(block, 0, t) * d[b]))
    }
    return treeSum(acc)
}

// Q4_1: 20 bytes: d, m (halves), 16 bytes of nibbles as in Q4_0 (without the -8).
private func dotQ4_1(_ t: UnsafePointer<Float>, _ w: UnsafeRawPointer, _ q: UnsafeRawPointer, _ d: UnsafePointer<Float>,
                     _ s: UnsafePointer<Float>, _ blocks: Int) -> Float {
    var acc = SIMD8<Float>()
    var offsets: Float = 0
    for b in 0 ..< blocks {
        let block = w + 20 &* b
        let (even, odd) = q4Nibbles(block, 4)
        let (x0, x1) = activation(q, b)
        let p = even &* x0 &+ odd &* x1
        acc = acc.addingProduct(SIMD8<Float>(smallPairSums(p)), SIMD8(repeating: half(block, 0, t) * d[b]))
        offsets = offsets.addingProduct(half(block, 2, t), s[b])
    }
    return treeSum(acc) + offsets
}

// Q8_0: 34 bytes: d (half), 32 signed bytes.
private func dotQ8_0(_ t: UnsafePointer<Float>, _ w: UnsafeRawPointer, _ q: UnsafeRawPointer, _ d: UnsafePointer<Float>, _ blocks: Int) -> Float {
    var acc = SIMD8<Float>()
    for b in 0 ..< blocks {
        let block = w + 34 &* b
        let v = lanes(block, 2)
        let (x0, x1) = activation(q, b)
        let p = ((v &<< 8) &>> 8) &* x0 &+ (v &>> 8) &* x1
        acc = acc.addingProduct(SIMD8<Float>(pairSums(p)), SIMD8(repeating: half(block, 0, t) * d[b]))
    }
    return treeSum(acc)
}

// Q4_K: 144 bytes per 256 elements: d, dmin (halves), 12 bytes of 6-bit scales and mins for the
// 8 sub-blocks of 32, 128 bytes of nibbles: bytes 32c ..< 32c + 32 hold sub-block 2c in their low
// nibbles and sub-block 2c + 1 in their high nibbles.
private func dotQ4_K(_ t: UnsafePointer<Float>, _ w: UnsafeRawPointer, _ q: UnsafeRawPointer, _ d: UnsafePointer<Float>,
                     _ s: UnsafePointer<Float>, _ superBlocks: Int) -> Float {
    var acc = SIMD8<Float>()
    var offsets: Float = 0
    for sb in 0 ..< superBlocks {
        let block = w + 144 * sb
        let scale = half(block, 0, t), minimum = half(block, 2, t)
        for c in 0 ..< 4 {
            let v = lanes(block, 16 + 32 * c)
            let j = 8 * sb + 2 * c // activation block of the low-nibble sub-block
            let (x0, x1) = activation(q, j), (x2, x3) = activation(q, j + 1)
            let pLow = (v & 0x0F) &* x0 &+ ((v &>> 8) & 0x0F) &* x1
            let pHigh = ((v &>> 4) & 0x0F) &* x2 &+ ((v &>> 12) & 0x0F) &* x3
            let (sc0, m0) = kScaleMin(block + 4, 2 * c)
            let (sc1, m1) = kScaleMin(block + 4, 2 * c + 1)
            acc = acc.addingProduct(SIMD8<Float>(smallPairSums(pLow)), SIMD8(repeating: scale * Float(sc0) * d[j]))
            acc = acc.addingProduct(SIMD8<Float>(smallPairSums(pHigh)), SIMD8(repeating: scale * Float(sc1) * d[j + 1]))
            offsets = offsets.addingProduct(-minimum * Float(m0), s[j])
            offsets = offsets.addingProduct(-minimum * Float(m1), s[j + 1])
        }
    }
    return treeSum(acc) + offsets
}

/// Scale and min of sub-block `j` (0..<8) from the 12 packed bytes at `p` (ggml's get_scale_min_k4).
@inline(__always)
private func kScaleMin(_ p: UnsafeRawPointer, _ j: Int) -> (UInt8, UInt8) {
    let b = { (i: Int) in p.load(fromByteOffset: i, as: UInt8.self) }
    if j < 4 { return (b(j) & 63, b(j + 4) & 63) }
    return ((b(j + 4) & 0x0F) | ((b(j - 4) >> 6) << 4), (b(j + 4) >> 4) | ((b(j) >> 6) << 4))
}

// Q6_K: 210 bytes per 256 elements: ql[128] (low 4 bits), qh[64] (high 2 bits), 16 signed scales
// (one per 16 elements), d (half). Per half h of 128 elements and l in 0..<32, with
// L = ql + 64h, H = qh + 32h, the elements are (4 bits | 2 bits << 4) - 32:
//   128h + l: L[l] low, H[l] bits 0-1     128h + l + 32: L[l + 32] low, H[l] bits 2-3
//   128h + l + 64: L[l] high, H[l] 4-5    128h + l + 96: L[l + 32] high, H[l] bits 6-7
private func dotQ6_K(_ t: UnsafePointer<Float>, _ w: UnsafeRawPointer, _ q: UnsafeRawPointer, _ d: UnsafePointer<Float>, _ superBlocks: Int) -> Float {
    var acc = SIMD8<Float>()
    for sb in 0 ..< superBlocks {
        let block = w + 210 * sb
        let scale = half(block, 208, t)
        for h in 0 ..< 2 {
            let low = block + 64 * h
            let l0 = lanes(low, 0), l1 = lanes(low, 32), hb = lanes(block, 128 + 32 * h)
            let j = 8 * sb + 4 * h // activation block of quarter 0
            let sc = block + 192 + 8 * h // scales of quarter 0's two halves
            acc = q6Quarter(acc, l0 & 0x0F, (l0 &>> 8) & 0x0F, hb &<< 4, hb &>> 4, q, j, sc, scale * d[j])
            acc = q6Quarter(acc, (l1 & 0x0F), (l1 &>> 8) & 0x0F, hb &<< 2, hb &>> 6, q, j + 1, sc + 2, scale * d[j + 1])
            acc = q6Quarter(acc, (l0 &>> 4) & 0x0F, (l0 &>> 12) & 0x0F, hb, hb &>> 8, q, j + 2, sc + 4, scale * d[j + 2])
            acc = q6Quarter(acc, (l1 &>> 4) & 0x0F, (l1 &>> 12) & 0x0F, hb &>> 2, hb &>> 10, q, j + 3, sc + 6, scale * d[j + 3])
        }
    }
    return treeSum(acc)
}

/// One Q6_K quarter (32 elements, activation block `j`): low 4 bits of the even and odd elements,
/// and the high 2 bits already shifted to bits 4-5 (masked here); scales at `sc` (elements 0..<16)
/// and `sc + 1` (16..<32).
@inline(__always)
private func q6Quarter(_ acc: SIMD8<Float>, _ lowEven: SIMD16<Int16>, _ lowOdd: SIMD16<Int16>,
                       _ highEven: SIMD16<Int16>, _ highOdd: SIMD16<Int16>, _ q: UnsafeRawPointer, _ j: Int,
                       _ sc: UnsafeRawPointer, _ dScale: Float) -> SIMD8<Float> {
    let even = (lowEven | (highEven & 0x30)) &- 32, odd = (lowOdd | (highOdd & 0x30)) &- 32
    let (x0, x1) = activation(q, j)
    // Lanes 0..<8 of the products hold elements 0..<16, lanes 8..<16 elements 16..<32.
    let sums = SIMD8<Float>(smallPairSums(even &* x0 &+ odd &* x1))
    let s0 = Float(sc.load(as: Int8.self)), s1 = Float(sc.load(fromByteOffset: 1, as: Int8.self))
    let scales = SIMD8<Float>(lowHalf: SIMD4(repeating: dScale * s0), highHalf: SIMD4(repeating: dScale * s1))
    return acc.addingProduct(sums, scales)
}
