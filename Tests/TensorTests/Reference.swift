// Naive reference twins of the Tensor kernels: plain loops over Swift arrays,
// written for clarity, computed in double precision. Over [Float] they check the
// forward kernels; over [Double] they are what the backward kernels' finite
// differences differentiate.

import Foundation
import Tensor

enum Naive {
    /// out (N, OUT) = inp (N, IN) · weightᵀ (OUT, IN) + bias
    static func matmul<F: BinaryFloatingPoint>(_ inp: [F], _ weight: [F], _ bias: [F]?, _ N: Int, _ IN: Int, _ OUT: Int) -> [F] {
        var out = [F](repeating: 0, count: N * OUT)
        for n in 0..<N {
            for o in 0..<OUT {
                var s = Double(bias?[o] ?? 0)
                for i in 0..<IN { s += Double(inp[n * IN + i]) * Double(weight[o * IN + i]) }
                out[n * OUT + o] = F(s)
            }
        }
        return out
    }

    static func rmsNorm<F: BinaryFloatingPoint>(_ inp: [F], _ weight: [F], _ N: Int, _ C: Int, eps: F) -> [F] {
        var out = inp
        for n in 0..<N {
            var ms = 0.0
            for c in 0..<C { ms += Double(inp[n * C + c]) * Double(inp[n * C + c]) }
            let r = 1 / (ms / Double(C) + Double(eps)).squareRoot()
            for c in 0..<C { out[n * C + c] = F(Double(inp[n * C + c]) * r * Double(weight[c])) }
        }
        return out
    }

    /// Rotate-half RoPE computed from scratch, angle p · theta^(-2i/HS).
    static func rope(_ x: [Float], _ positions: [Int], _ N: Int, _ NH: Int, _ HS: Int, theta: Double) -> [Float] {
        var out = x
        let D = HS / 2
        for n in 0..<N {
            for h in 0..<NH {
                for i in 0..<D {
                    let angle = Double(positions[n]) * pow(theta, -Double(2 * i) / Double(HS))
                    let a = Double(x[n * NH * HS + h * HS + i])
                    let b = Double(x[n * NH * HS + h * HS + i + D])
                    out[n * NH * HS + h * HS + i] = Float(a * cos(angle) - b * sin(angle))
                    out[n * NH * HS + h * HS + i + D] = Float(b * cos(angle) + a * sin(angle))
                }
            }
        }
        return out
    }

    /// Rotate-half RoPE with the angles of `table`.
    static func rope<F: BinaryFloatingPoint>(_ x: [F], _ positions: [Int32], _ N: Int, _ NH: Int, _ HS: Int, table: RoPETable) -> [F] {
        var out = x
        let D = HS / 2
        for n in 0..<N {
            for h in 0..<NH {
                for i in 0..<D {
                    let p = Int(positions[n])
                    let c = Double(table.cos[p * D + i]), s = Double(table.sin[p * D + i])
                    let a = Double(x[n * NH * HS + h * HS + i]), b = Double(x[n * NH * HS + h * HS + i + D])
                    out[n * NH * HS + h * HS + i] = F(a * c - b * s)
                    out[n * NH * HS + h * HS + i + D] = F(b * c + a * s)
                }
            }
        }
        return out
    }

    static func softmax(_ inp: [Float], _ N: Int, _ V: Int) -> [Float] {
        var out = inp
        for n in 0..<N {
            let row = inp[(n * V)..<((n + 1) * V)].map(Double.init)
            let m = row.max() ?? 0
            let e = row.map { exp($0 - m) }
            let s = e.reduce(0, +)
            for v in 0..<V { out[n * V + v] = Float(e[v] / s) }
        }
        return out
    }

    static func silu(_ x: [Float]) -> [Float] {
        x.map { Float(Double($0) / (1 + exp(-Double($0)))) }
    }

    static func swiglu(_ gate: [Float], _ up: [Float]) -> [Float] {
        zip(silu(gate), up).map { $0 * $1 }
    }

    /// One sequence; q (T, NH*HS), k, v (Tk, NKV*HS); returns (T, NH*HS).
    static func attention<F: BinaryFloatingPoint>(
        _ q: [F], _ k: [F], _ v: [F], mask: [Int32]?, segments: [Int32]? = nil,
        _ T: Int, _ Tk: Int, past: Int, _ NH: Int, _ NKV: Int, _ HS: Int, window: Int = 0
    ) -> [F] {
        var out = [F](repeating: 0, count: T * NH * HS)
        for h in 0..<NH {
            let g = h / (NH / NKV)
            for i in 0..<T {
                var scores: [(Int, Double)] = []
                for j in 0..<Tk where j <= past + i && (window == 0 || past + i - j < window) && (mask?[j] ?? 1) != 0
                    && (segments.map { $0[j] == $0[past + i] } ?? true) {
                    var s = 0.0
                    for d in 0..<HS { s += Double(q[i * NH * HS + h * HS + d]) * Double(k[j * NKV * HS + g * HS + d]) }
                    scores.append((j, s / Double(HS).squareRoot()))
                }
                if scores.isEmpty { continue }
                let m = scores.map(\.1).max()!
                let z = scores.map { exp($0.1 - m) }.reduce(0, +)
                for d in 0..<HS {
                    var acc = 0.0
                    for (j, s) in scores { acc += exp(s - m) / z * Double(v[j * NKV * HS + g * HS + d]) }
                    out[i * NH * HS + h * HS + d] = F(acc)
                }
            }
        }
        return out
    }
}

/// Random arrays from a seeded generator.
struct Fixture {
    var rng: Xoshiro256
    init(seed: UInt64) { rng = Xoshiro256(seed: seed) }
    mutating func normals(_ n: Int, std: Float = 1) -> [Float] { (0..<n).map { _ in rng.normal(mean: 0, std: std) } }
    mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
}

/// Largest absolute difference of two equal-length arrays.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
