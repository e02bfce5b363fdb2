// Backward of rotary position embeddings (rotate-half).
//
// Legend: N rows (tokens), NH heads, HS head size, D = HS / 2 rotated pairs.
// The forward turns each pair by +angle; its transpose turns it by −angle.

/// Turns the gradient of the rotated values into the gradient of the values
/// before rotation, in place.
///
///     dx        (N, stride), heads at dx[n, h*HS ..< (h+1)*HS] for h < NH
///     positions (N)
///     cos, sin  (maxPositions, HS/2)
public func ropeBackward(
    _ dx: UnsafeMutablePointer<Float>,
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
            let d1 = dx + n * stride + h * HS
            let d2 = d1 + D
            for i in 0..<D {
                let a = d1[i], b = d2[i]
                d1[i] = a * c[i] + b * s[i]
                d2[i] = b * c[i] - a * s[i]
            }
        }
    }
}
