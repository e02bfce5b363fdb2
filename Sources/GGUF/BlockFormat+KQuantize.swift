// Quantizers for Q4_K, Q5_K and Q6_K following ggml's reference (no importance matrix) algorithm:
// each sub-block's scale (and min) is a weighted least-squares fit searched over a few candidate
// scales; the sub-block scales are then themselves quantized (6 bits for Q4_K/Q5_K, int8 for Q6_K)
// and every element is re-quantized against the stored, rounded scales.
// Layouts are described in BlockFormat+K.swift.

/// ggml's nearest_int: round to nearest, ties to even.
@inline(__always)
private func nearestInt(_ v: Float) -> Int32 { truncatingToInt32(v.rounded(.toNearestOrEven)) }

/// Fits x[i] ~ scale * L[i] + min with L[i] in 0...nmax and min <= 0, weighting errors by `w`,
/// trying `steps + 1` candidate inverse scales around nmax / (max - min).
/// Returns the scale and -min; writes the codes to `codes`.
private func fitScaleAndMin(
    _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count n: Int, nmax: Int32,
    codes: UnsafeMutablePointer<UInt8>, rmin: Float, rdelta: Float, steps: Int
) -> (scale: Float, negMin: Float) {
    var lo = x[0], hi = x[0]
    var sumW = w[0]
    var sumX = sumW * x[0]
    for i in 1..<n {
        if x[i] < lo { lo = x[i] }
        if x[i] > hi { hi = x[i] }
        sumW += w[i]
        sumX += w[i] * x[i]
    }
    if lo > 0 { lo = 0 }
    if hi == lo {
        for i in 0..<n { codes[i] = 0 }
        return (0, -lo)
    }
    var inverse = Float(nmax) / (hi - lo)
    var scale = 1 / inverse
    var minimum = lo
    var bestError: Float = 0
    for i in 0..<n {
        let l = max(0, min(nmax, nearestInt(inverse * (x[i] - lo))))
        codes[i] = UInt8(l)
        let diff = scale * Float(l) + lo - x[i]
        bestError += w[i] * (diff * diff)
    }
    guard steps >= 1 else { return (scale, -lo) }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { trialBuffer in
        let trial = trialBuffer.baseAddress ?? codes
        for step in 0...steps {
            // As in ggml, later candidates are centred on the best min found so far.
            inverse = (rmin + rdelta * Float(step) + Float(nmax)) / (hi - minimum)
            var sumL: Float = 0, sumL2: Float = 0, sumXL: Float = 0
            for i in 0..<n {
                let l = max(0, min(nmax, nearestInt(inverse * (x[i] - minimum))))
                trial[i] = UInt8(l)
                let fl = Float(l)
                sumL += w[i] * fl
                sumL2 += w[i] * fl * fl
                sumXL += w[i] * fl * x[i]
            }
            let det = sumW * sumL2 - sumL * sumL
            guard det > 0 else { continue }
            var trialScale = (sumW * sumXL - sumX * sumL) / det
            var trialMin = (sumL2 * sumX - sumL * sumXL) / det
            if trialMin > 0 {
                trialMin = 0
                trialScale = sumXL / sumL2
            }
            var error: Float = 0
            for i in 0..<n {
                let diff = trialScale * Float(trial[i]) + trialMin - x[i]
                error += w[i] * (diff * diff)
            }
            if error < bestError {
                for i in 0..<n { codes[i] = trial[i] }
                bestError = error
                scale = trialScale
                minimum = trialMin
            }
        }
        return (scale, -minimum)
    }
}

/// Fits x[i] ~ scale * (L[i] - nmax) with L[i] - nmax in -nmax..<nmax, weighting by x[i]^2,
/// trying inverse scales -(nmax + 0.1 k) / max for k in -9...9. Returns the scale (0 for an all-zero run).
private func fitSymmetricScale(
    _ x: UnsafePointer<Float>, count n: Int, nmax: Int32, codes: UnsafeMutablePointer<UInt8>
) -> Float {
    var amax: Float = 0, maxValue: Float = 0
    for i in 0..<n where abs(x[i]) > amax {
        amax = abs(x[i])
        maxValue = x[i]
    }
    if amax < 1e-15 {
        for i in 0..<n { codes[i] = 0 }
        return 0
    }
    func sums(_ inverse: Float) -> (lx: Float, l2: Float) {
        var lx: Float = 0, l2: Float = 0
        for i in 0..<n {
            let l = Float(max(-nmax, min(nmax - 1, nearestInt(inverse * x[i]))))
            let w = x[i] * x[i]
            lx += w * x[i] * l
            l2 += w * l * l
        }
        return (lx, l2)
    }
    func store(_ inverse: Float) {
        for i in 0..<n { codes[i] = UInt8(nmax + max(-nmax, min(nmax - 1, nearestInt(inverse * x[i])))) }
    }
    var inverse = -Float(nmax) / maxValue
    store(inverse)
    var (sumLX, sumL2) = sums(inverse)
    var scale = sumL2 != 0 ? sumLX / sumL2 : 0
    var best = scale * sumLX
    for k in -9...9 where k != 0 {
        inverse = -(Float(nmax) + 0.1 * Float(k)) / maxValue
        (sumLX, sumL2) = sums(inverse)
        if sumL2 > 0, sumLX * sumLX > best * sumL2 {
            store(inverse)
            scale = sumLX / sumL2
            best = scale * sumLX
        }
    }
    return scale
}

/// Packs eight 6-bit scales and mins into Q4_K/Q5_K's 12 bytes (inverse of `scaleMinK4`).
private func packScalesK4(_ ls: [UInt8], _ lm: [UInt8], into s: UnsafeMutableRawPointer) {
    for i in 0..<12 { s.storeBytes(of: 0, toByteOffset: i, as: UInt8.self) }
    func or(_ i: Int, _ v: UInt8) {
        s.storeBytes(of: s.load(fromByteOffset: i, as: UInt8.self) | v, toByteOffset: i, as: UInt8.self)
    }
    for j in 0..<8 {
        if j < 4 {
            or(j, ls[j])
            or(j + 4, lm[j])
        } else {
            or(j + 4, (ls[j] & 0x0F) | ((lm[j] & 0x0F) << 4))
            or(j - 4, (ls[j] >> 4) << 6)
            or(j, (lm[j] >> 4) << 6)
        }
    }
}

/// Q4_K (nmax 15) or Q5_K (nmax 31): codes for one 256-element super-block, scales stored at `block`.
private func quantizeSuperBlockK(
    _ x: UnsafePointer<Float>, _ block: UnsafeMutableRawPointer, nmax: Int32,
    rmin: Float, steps: Int, codes: UnsafeMutablePointer<UInt8>
) {
    var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
    var maxScale: Float = 0, maxMin: Float = 0
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { weightBuffer in
        guard let weights = weightBuffer.baseAddress else { return }
        for j in 0..<8 {
            let xs = x + 32 * j
            var sumX2: Float = 0
            for l in 0..<32 { sumX2 += xs[l] * xs[l] }
            let average = (sumX2 / 32).squareRoot()
            for l in 0..<32 { weights[l] = average + abs(xs[l]) }
            (scales[j], mins[j]) = fitScaleAndMin(
                xs, weights, count: 32, nmax: nmax, codes: codes + 32 * j,
                rmin: rmin, rdelta: 0.1, steps: steps)
            if scales[j] > maxScale { maxScale = scales[j] }
            if mins[j] > maxMin { maxMin = mins[j] }
        }
    }
    let inverseScale: Float = maxScale > 0 ? 63 / maxScale : 0
    let inverseMin: Float = maxMin > 0 ? 63 / maxMin : 0
    let ls = (0..<8).map { UInt8(min(63, UInt8(truncatingIfNeeded: nearestInt(inverseScale * scales[$0])))) }
    let lm = (0..<8).map { UInt8(min(63, UInt8(truncatingIfNeeded: nearestInt(inverseMin * mins[$0])))) }
    packScalesK4(ls, lm, into: block + 4)
    storeHalf(maxScale / 63, block, 0)
    storeHalf(maxMin / 63, block, 2)
    let d = loadHalf(block, 0), dmin = loadHalf(block, 2)
    for j in 0..<8 {
        let (sc, m) = scaleMinK4(j, block + 4)
        let dj = d * Float(sc)
        if dj == 0 { continue }
        let mj = dmin * Float(m)
        for i in 0..<32 {
            codes[32 * j + i] = UInt8(max(0, min(nmax, nearestInt((x[32 * j + i] + mj) / dj))))
        }
    }
}

func quantizeQ4_K(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
        guard let codes = buffer.baseAddress else { return }
        for b in 0..<blocks {
            let block = dst + b * 144
            quantizeSuperBlockK(x + b * 256, block, nmax: 15, rmin: -1, steps: 20, codes: codes)
            for j in stride(from: 0, to: 256, by: 64) {
                for l in 0..<32 {
                    block.storeBytes(
                        of: codes[j + l] | (codes[j + l + 32] << 4), toByteOffset: 16 + j / 2 + l, as: UInt8.self)
                }
            }
        }
    }
}

func quantizeQ5_K(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
        guard let codes = buffer.baseAddress else { return }
        for b in 0..<blocks {
            let block = dst + b * 176
            quantizeSuperBlockK(x + b * 256, block, nmax: 31, rmin: -0.5, steps: 15, codes: codes)
            for i in 0..<32 { block.storeBytes(of: 0, toByteOffset: 16 + i, as: UInt8.self) }
            var m1: UInt8 = 1, m2: UInt8 = 2
            for n in stride(from: 0, to: 256, by: 64) {
                for j in 0..<32 {
                    var l1 = codes[n + j], l2 = codes[n + j + 32]
                    var high = block.load(fromByteOffset: 16 + j, as: UInt8.self)
                    if l1 > 15 { l1 -= 16; high |= m1 }
                    if l2 > 15 { l2 -= 16; high |= m2 }
                    block.storeBytes(of: high, toByteOffset: 16 + j, as: UInt8.self)
                    block.storeBytes(of: l1 | (l2 << 4), toByteOffset: 48 + n / 2 + j, as: UInt8.self)
                }
                m1 <<= 2
                m2 <<= 2
            }
        }
    }
}

func quantizeQ6_K(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ blocks: Int) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
        guard let codes = buffer.baseAddress else { return }
        for b in 0..<blocks {
            let xs = x + b * 256
            let block = dst + b * 210
            var scales = [Float](repeating: 0, count: 16)
            var maxScale: Float = 0, maxAbsScale: Float = 0
            for s in 0..<16 {
                scales[s] = fitSymmetricScale(xs + 16 * s, count: 16, nmax: 32, codes: codes + 16 * s)
                if abs(scales[s]) > maxAbsScale {
                    maxAbsScale = abs(scales[s])
                    maxScale = scales[s]
                }
            }
            for i in 0..<210 { block.storeBytes(of: 0, toByteOffset: i, as: UInt8.self) }
            if maxAbsScale < 1e-15 { continue }
            let inverse = -128 / maxScale
            storeHalf(1 / inverse, block, 208)
            for s in 0..<16 {
                block.storeBytes(
                    of: Int8(truncatingIfNeeded: min(127, nearestInt(inverse * scales[s]))),
                    toByteOffset: 192 + s, as: Int8.self)
            }
            let d = loadHalf(block, 208)
            for s in 0..<16 {
                let ds = d * Float(block.load(fromByteOffset: 192 + s, as: Int8.self))
                if ds == 0 { continue }
                for i in 0..<16 {
                    codes[16 * s + i] = UInt8(max(-32, min(31, nearestInt(xs[16 * s + i] / ds))) + 32)
                }
            }
            for j in stride(from: 0, to: 256, by: 128) {
                for l in 0..<32 {
                    let c0 = codes[j + l], c1 = codes[j + l + 32], c2 = codes[j + l + 64], c3 = codes[j + l + 96]
                    block.storeBytes(of: (c0 & 0x0F) | ((c2 & 0x0F) << 4), toByteOffset: j / 2 + l, as: UInt8.self)
                    block.storeBytes(of: (c1 & 0x0F) | ((c3 & 0x0F) << 4), toByteOffset: j / 2 + l + 32, as: UInt8.self)
                    let high = (c0 >> 4) | ((c1 >> 4) << 2) | ((c2 >> 4) << 4) | ((c3 >> 4) << 6)
                    block.storeBytes(of: high, toByteOffset: 128 + j / 4 + l, as: UInt8.self)
                }
            }
        }
    }
}
