// Rotary position embeddings, rotate-half convention (Hugging Face Llama).
//
// Legend: N rows (tokens), NH heads, HS head size, D = HS / 2 rotated pairs.
// Channel i of a head pairs with channel i + D: the pair (x1, x2) at position
// p turns by the angle p · theta^(-2i/HS).

import Foundation

/// Cosine and sine tables for positions `0..<maxPositions`.
///
///     cos, sin (maxPositions, D)
public struct RoPETable: Sendable {
    public let headSize: Int
    public let maxPositions: Int
    public let cos: [Float]
    public let sin: [Float]
    /// The HS/2 frequencies the tables were built from.
    public let inverseFrequencies: [Float]

    /// Frequencies `theta^(-2i/HS)` as Hugging Face's default rope computes them
    /// (inverse frequencies in float32, angles in float32), for positions below
    /// `maxPositions`. `inverseFrequencies` replaces the default when given
    /// (scaled variants compute their own).
    public init(headSize: Int, maxPositions: Int, theta: Double, inverseFrequencies: [Float]? = nil) {
        let D = headSize / 2
        let invFreq: [Float] = inverseFrequencies ?? (0..<D).map { i in
            Float(1.0 / pow(theta, Double(Float(2 * i) / Float(headSize))))
        }
        var c = [Float](repeating: 0, count: maxPositions * D)
        var s = [Float](repeating: 0, count: maxPositions * D)
        for p in 0..<maxPositions {
            for i in 0..<D {
                let angle = Float(p) * invFreq[i]
                c[p * D + i] = Foundation.cos(angle)
                s[p * D + i] = Foundation.sin(angle)
            }
        }
        self.headSize = headSize
        self.maxPositions = maxPositions
        self.cos = c
        self.sin = s
        self.inverseFrequencies = invFreq
    }
}

/// Rotates each head of each row in place.
///
///     x         (N, stride), heads at x[n, h*HS ..< (h+1)*HS] for h < NH
///     positions (N): the position of each row, below the table's maxPositions
///     cos, sin  (maxPositions, HS/2)
public func ropeForward(
    _ x: UnsafeMutablePointer<Float>,
    _ positions: UnsafePointer<Int32>,
    _ cos: UnsafePointer<Float>,
    _ sin: UnsafePointer<Float>,
    _ N: Int, _ NH: Int, _ HS: Int,
    stride: Int
) {
    let D = HS / 2
    for n in 0..<N {
        let p = Int(positions[n])
        let c = cos + p * D
        let s = sin + p * D
        for h in 0..<NH {
            let x1 = x + n * stride + h * HS
            let x2 = x1 + D
            for i in 0..<D {
                let a = x1[i], b = x2[i]
                x1[i] = a * c[i] - b * s[i]
                x2[i] = b * c[i] + a * s[i]
            }
        }
    }
}
