// K-quants: 256-element super-blocks split into sub-blocks with their own quantized scales.
//   Q4_K (144 bytes): d: f16, dmin: f16, scales: 12 bytes (8 x 6-bit scale, 8 x 6-bit min),
//                     qs: 128 bytes. Each 64 elements: 32 low nibbles then 32 high nibbles of
//                     qs[32 bytes]; x = d * scale * q - dmin * min
//   Q5_K (176 bytes): Q4_K's fields with qh: 32 bytes (the fifth bit) between scales and qs
//   Q6_K (210 bytes): ql: 128 bytes (low 4 bits), qh: 64 bytes (high 2 bits),
//                     scales: 16 x int8, d: f16;  x = d * scale * (q - 32)

/// The 6-bit scale and min of sub-block `j` (0..<8) from Q4_K/Q5_K's 12 packed bytes.
@inline(__always)
func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
    @inline(__always) func at(_ i: Int) -> UInt8 { s.load(fromByteOffset: i, as: UInt8.self) }
    if j < 4 {
        return (at(j) & 63, at(j + 4) & 63)
    }
    return ((at(j + 4) & 0x0F) | ((at(j - 4) >> 6) << 4),
            (at(j + 4) >> 4) | ((at(j) >> 6) << 4))
}

func dequantizeQ4_K(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0 ..< blocks {
        let block = src + b * 144
        let d = loadHalf(block, 0)
        let dmin = loadHalf(block, 2)
        let scales = block + 4
        var q = block + 16
        var y = out + b * 256
        for pair in 0 ..< 4 {
            let (sc1, m1) = scaleMinK4(2 * pair, scales)
            let (sc2, m2) = scaleMinK4(2 * pair + 1, scales)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            for l in 0 ..< 32 {
                y[l] = d1 * Float(q.load(fromByteOffset: l, as: UInt8.self) & 0x0F) - min1
            }
            for l in 0 ..< 32 {
                y[32 + l] = d2 * Float(q.load(fromByteOffset: l, as: UInt8.self) >> 4) - min2
            }
            q += 32
            y += 64
        }
    }
}

func dequantizeQ5_K(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0 ..< blocks {
        let block = src + b * 176
        let d = loadHalf(block, 0)
        let dmin = loadHalf(block, 2)
        let scales = block + 4
        let qh = block + 16
        var ql = block + 48
        var y = out + b * 256
        var u1: UInt8 = 1, u2: UInt8 = 2
        for pair in 0 ..< 4 {
            let (sc1, m1) = scaleMinK4(2 * pair, scales)
            let (sc2, m2) = scaleMinK4(2 * pair + 1, scales)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            for l in 0 ..< 32 {
                let high: UInt8 = qh.load(fromByteOffset: l, as: UInt8.self) & u1 != 0 ? 16 : 0
                y[l] = d1 * Float((ql.load(fromByteOffset: l, as: UInt8.self) & 0x0F) + high) - min1
            }
            for l in 0 ..< 32 {
                let high: UInt8 = qh.load(fromByteOffset: l, as: UInt8.self) & u2 != 0 ? 16 : 0
                y[32 + l] = d2 * Float((ql.load(fromByteOffset: l, as: UInt8.self) >> 4) + high) - min2
            }
            ql += 32
            y += 64
            u1 <<= 2
            u2 <<= 2
        }
    }
}

func dequantizeQ6_K(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0 ..< blocks {
        let block = src + b * 210
        let d = loadHalf(block, 208)
        var ql = block
        var qh = block + 128
        var sc = block + 192
        var y = out + b * 256
        for _ in 0 ..< 2 {  // two halves of 128 elements
            for group in 0 ..< 2 {  // elements 0..<16 and 16..<32 of each 32-run use scales 2k + group
                let s1 = d * Float(sc.load(fromByteOffset: group, as: Int8.self))
                let s2 = d * Float(sc.load(fromByteOffset: group + 2, as: Int8.self))
                let s3 = d * Float(sc.load(fromByteOffset: group + 4, as: Int8.self))
                let s4 = d * Float(sc.load(fromByteOffset: group + 6, as: Int8.self))
                for l in 16 * group ..< 16 * group + 16 {
                    let low0 = ql.load(fromByteOffset: l, as: UInt8.self)
                    let low1 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                    let high = qh.load(fromByteOffset: l, as: UInt8.self)
                    let q1 = Int32((low0 & 0x0F) | ((high & 3) << 4)) - 32
                    let q2 = Int32((low1 & 0x0F) | (((high >> 2) & 3) << 4)) - 32
                    let q3 = Int32((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
                    let q4 = Int32((low1 >> 4) | (((high >> 6) & 3) << 4)) - 32
                    y[l] = s1 * Float(q1)
                    y[l + 32] = s2 * Float(q2)
                    y[l + 64] = s3 * Float(q3)
                    y[l + 96] = s4 * Float(q4)
                }
            }
            y += 128
            ql += 64
            qh += 32
            sc += 8
        }
    }
}
