// Q5_0 and Q5_1: 32 elements per block, 5-bit codes: the low 4 bits as in Q4 (element j low
// nibble, j+16 high nibble of qs[j]) and the fifth bit of element i in bit i of the 32-bit qh.
//   Q5_0 (22 bytes): d: f16, qh: 4 bytes, qs: 16 bytes          x = (q - 16) * d
//   Q5_1 (24 bytes): d: f16, m: f16, qh: 4 bytes, qs: 16 bytes  x = q * d + m

func dequantizeQ5_0(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + b * 22
        let d = loadHalf(block, 0)
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let y = out + b * 32
        for j in 0..<16 {
            let q = UInt32(block.load(fromByteOffset: 6 + j, as: UInt8.self))
            let h0 = ((qh >> UInt32(j)) << 4) & 0x10
            let h1 = (qh >> UInt32(j + 12)) & 0x10
            y[j] = Float(Int32((q & 0x0F) | h0) - 16) * d
            y[j + 16] = Float(Int32((q >> 4) | h1) - 16) * d
        }
    }
}

func dequantizeQ5_1(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + b * 24
        let d = loadHalf(block, 0)
        let m = loadHalf(block, 2)
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let y = out + b * 32
        for j in 0..<16 {
            let q = UInt32(block.load(fromByteOffset: 8 + j, as: UInt8.self))
            let h0 = ((qh >> UInt32(j)) << 4) & 0x10
            let h1 = (qh >> UInt32(j + 12)) & 0x10
            y[j] = Float((q & 0x0F) | h0) * d + m
            y[j + 16] = Float((q >> 4) | h1) * d + m
        }
    }
}

func quantizeQ5_0(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0..<blocks {
        let v = x + b * 32
        let block = dst + b * 22
        var amax: Float = 0
        var maxValue: Float = 0
        for j in 0..<32 where amax < abs(v[j]) {
            amax = abs(v[j])
            maxValue = v[j]
        }
        let d = maxValue / -16
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, block, 0)
        var qh: UInt32 = 0
        for j in 0..<16 {
            let q0 = UInt32(truncatingIfNeeded: min(31, Int8(truncatingIfNeeded: truncatingToInt32(v[j] * id + 16.5))))
            let q1 = UInt32(
                truncatingIfNeeded: min(31, Int8(truncatingIfNeeded: truncatingToInt32(v[j + 16] * id + 16.5))))
            block.storeBytes(
                of: UInt8(truncatingIfNeeded: (q0 & 0x0F) | ((q1 & 0x0F) << 4)), toByteOffset: 6 + j, as: UInt8.self)
            qh |= ((q0 & 0x10) >> 4) << UInt32(j)
            qh |= ((q1 & 0x10) >> 4) << UInt32(j + 16)
        }
        block.storeBytes(of: qh.littleEndian, toByteOffset: 2, as: UInt32.self)
    }
}

func quantizeQ5_1(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    for b in 0..<blocks {
        let v = x + b * 32
        let block = dst + b * 24
        var lo = Float.greatestFiniteMagnitude
        var hi = -Float.greatestFiniteMagnitude
        for j in 0..<32 {
            if v[j] < lo { lo = v[j] }
            if v[j] > hi { hi = v[j] }
        }
        let d = (hi - lo) / 31
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, block, 0)
        storeHalf(lo, block, 2)
        var qh: UInt32 = 0
        for j in 0..<16 {
            let q0 = UInt32(UInt8(truncatingIfNeeded: truncatingToInt32((v[j] - lo) * id + 0.5)))
            let q1 = UInt32(UInt8(truncatingIfNeeded: truncatingToInt32((v[j + 16] - lo) * id + 0.5)))
            block.storeBytes(
                of: UInt8(truncatingIfNeeded: (q0 & 0x0F) | ((q1 & 0x0F) << 4)), toByteOffset: 8 + j, as: UInt8.self)
            qh |= ((q0 & 0x10) >> 4) << UInt32(j)
            qh |= ((q1 & 0x10) >> 4) << UInt32(j + 16)
        }
        block.storeBytes(of: qh.littleEndian, toByteOffset: 4, as: UInt32.self)
    }
}
