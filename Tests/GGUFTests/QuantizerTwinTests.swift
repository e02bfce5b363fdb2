import Foundation
import GGUF
import Testing

/// The eight-lane Q8_0 and Q4_1 quantizers against their naive twins below (ggml's reference loops,
/// one element at a time), on ordinary weights and on the blocks where lanes could disagree:
/// halves at the rounding boundary, +0 / -0 as the minimum or maximum, NaN, infinities, subnormals.
@Suite("Vector quantizers equal their naive twins")
struct QuantizerTwinTests {
    @Test("Q8_0 bytes equal the naive quantizer's", arguments: Self.cases)
    func q8_0(name: String) throws {
        let values = try #require(Self.blocks[name])
        let ours = try quantize(values, as: .q8_0)
        let theirs = naiveQuantizeQ8_0(values)
        #expect(ours == theirs, "\(name): first different byte \(String(describing: firstDifference(ours, theirs)))")
    }

    @Test("Q4_1 bytes equal the naive quantizer's", arguments: Self.cases)
    func q4_1(name: String) throws {
        let values = try #require(Self.blocks[name])
        let ours = try quantize(values, as: .q4_1)
        let theirs = naiveQuantizeQ4_1(values)
        #expect(ours == theirs, "\(name): first different byte \(String(describing: firstDifference(ours, theirs)))")
    }

    static let cases = blocks.keys.sorted()

    /// Named inputs, each a whole number of blocks of 32.
    static let blocks: [String: [Float]] = {
        var rng = LCG(seed: 11)
        var out: [String: [Float]] = [:]
        // 64 blocks of weights at scales from 1e-6 to 1e3.
        out["weights"] = (0 ..< 64 * 32).map { i in rng.normal() * Float(pow(10, Double(i / 32 % 10) - 6)) }
        // amax 127 makes d = 1, so x * id is x: every half and its neighbours.
        var halves: [Float] = []
        for k in -60 ... 60 {
            let h = Float(k) + 0.5
            halves += [h, h.nextDown, h.nextUp]
        }
        halves += [127, -127, 0.5, -0.5, Float(0.5).nextDown, -Float(0.5).nextDown]
        out["halves"] = pad(halves)
        // Q4_1 with lo = 0, hi = 15: d = 1 and (x - lo) * id + 0.5 lands on the truncation boundary.
        out["q4 boundaries"] = pad((0 ..< 15).flatMap { k -> [Float] in
            [0, 15, Float(k) + 0.5, (Float(k) + 0.5).nextDown, (Float(k) + 0.5).nextUp]
        })
        // Signed zeros as the minimum or maximum, in every position.
        var zeros: [Float] = []
        for p in 0 ..< 32 {
            var minimum = (0 ..< 32).map { Float($0 + 1) }
            minimum[p] = -0.0
            minimum[(p + 7) % 32] = 0.0
            var maximum = (0 ..< 32).map { -Float($0 + 1) }
            maximum[p] = 0.0
            maximum[(p + 3) % 32] = -0.0
            zeros += minimum + maximum
        }
        zeros += [Float](repeating: 0, count: 32) + [Float](repeating: -0.0, count: 32)
        zeros += (0 ..< 32).map { $0 % 2 == 0 ? 0.0 : -0.0 }
        out["signed zeros"] = zeros
        // Non-finite values among ordinary ones, and a block of NaN only.
        var special: [Float] = []
        for bad: Float in [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude] {
            for p in [0, 13, 31] {
                var block = (0 ..< 32).map { _ in rng.normal() }
                block[p] = bad
                special += block
            }
        }
        special += [Float](repeating: .nan, count: 32)
        special += (0 ..< 32).map { $0 % 2 == 0 ? Float.greatestFiniteMagnitude : -Float.greatestFiniteMagnitude }
        out["non-finite"] = special
        // Subnormal and near-subnormal scales, where 1 / d overflows or loses bits.
        out["tiny"] = [1e-45, 1e-42, 1e-40, 3e-39, 1e-38, 1e-37].flatMap { (scale: Float) in
            (0 ..< 32).map { _ in rng.normal() * scale }
        }
        // Constant blocks (d = 0).
        out["constant"] = [Float](repeating: 0.25, count: 32) + [Float](repeating: -3, count: 32)
        return out
    }()

    static func pad(_ v: [Float]) -> [Float] { v + [Float](repeating: 1, count: (32 - v.count % 32) % 32) }
}

func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> (offset: Int, ours: UInt8, theirs: UInt8)? {
    guard a.count == b.count else { return (min(a.count, b.count), 0, 0) }
    return zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }.map { ($0.offset, $0.element.0, $0.element.1) }
}

/// A seeded generator for the inputs (Box-Muller normals).
struct LCG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 11
    }
    mutating func uniform() -> Float { Float(Double(next()) / Double(1 << 53)) }
    mutating func normal() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

// MARK: - Naive twins: ggml's reference loops, one element at a time

/// C's float-to-integer conversion (truncation toward zero), never trapping: NaN and infinities
/// give 0, finite values are clamped to +-2e9 (whose low byte is 0, as x86's out-of-range result's is).
func naiveTruncate(_ v: Float) -> Int32 {
    guard v.isFinite else { return 0 }
    return Int32(max(-2_000_000_000, min(2_000_000_000, v)))
}

/// Q8_0 (34 bytes per 32): d = max |x| / 127 as a half, then roundf(x / d) as int8.
func naiveQuantizeQ8_0(_ x: [Float]) -> [UInt8] {
    var out: [UInt8] = []
    for b in 0 ..< x.count / 32 {
        let v = Array(x[b * 32 ..< b * 32 + 32])
        var amax: Float = 0
        for j in 0 ..< 32 { amax = max(amax, abs(v[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        out += half(d)
        for j in 0 ..< 32 {
            out.append(UInt8(truncatingIfNeeded: naiveTruncate((v[j] * id).rounded(.toNearestOrAwayFromZero))))
        }
    }
    return out
}

/// Q4_1 (20 bytes per 32): d = (max - min) / 15 and m = min as halves, then (x - min) / d + 0.5
/// truncated, at most 15; byte j holds element j low and element j + 16 high.
func naiveQuantizeQ4_1(_ x: [Float]) -> [UInt8] {
    var out: [UInt8] = []
    for b in 0 ..< x.count / 32 {
        let v = Array(x[b * 32 ..< b * 32 + 32])
        var lo = Float.greatestFiniteMagnitude
        var hi = -Float.greatestFiniteMagnitude
        for j in 0 ..< 32 {
            if v[j] < lo { lo = v[j] }
            if v[j] > hi { hi = v[j] }
        }
        let d = (hi - lo) / 15
        let id: Float = d != 0 ? 1 / d : 0
        out += half(d) + half(lo)
        for j in 0 ..< 16 {
            let q0 = min(15, Int8(truncatingIfNeeded: naiveTruncate((v[j] - lo) * id + 0.5)))
            let q1 = min(15, Int8(truncatingIfNeeded: naiveTruncate((v[j + 16] - lo) * id + 0.5)))
            out.append(UInt8(truncatingIfNeeded: q0) | (UInt8(truncatingIfNeeded: q1) << 4))
        }
    }
    return out
}

/// A half's two little-endian bytes.
func half(_ f: Float) -> [UInt8] {
    let h = floatToHalf(f)
    return [UInt8(h & 0xFF), UInt8(h >> 8)]
}
