// Each backward kernel against central finite differences of its naive
// forward twin (Naive, over doubles), on small random shapes. The loss is
// L = Σ dout · out for a random dout, so ∂L/∂input is what backward adds.

import Foundation
import Testing
import Tensor

/// Central differences of a scalar function of one input array, in double.
private func finiteDifferences(_ x: [Float], _ f: ([Double]) -> Double) -> [Float] {
    var xd = x.map(Double.init)
    let h = 1e-5
    return (0..<x.count).map { i in
        let keep = xd[i]
        xd[i] = keep + h
        let up = f(xd)
        xd[i] = keep - h
        let down = f(xd)
        xd[i] = keep
        return Float((up - down) / (2 * h))
    }
}

private func dot(_ a: [Double], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + $1.0 * Double($1.1) }
}

/// Expects |a − b| <= 1e-3 · (1 + |b|) everywhere.
private func expectClose(_ a: [Float], _ b: [Float], _ what: String) {
    #expect(a.count == b.count)
    var worst: Float = 0
    for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a[i] - b[i]) / (1 + abs(b[i]))) }
    #expect(worst <= 1e-3, "\(what): worst scaled difference \(worst); first values \(Array(a.prefix(4))) vs \(Array(b.prefix(4)))")
}

@Suite("Backward kernels agree with finite differences")
struct BackwardKernelTests {
    @Test("matmulBackward gives the input, weight and bias gradients of x · Wᵀ + b", arguments: 0..<3)
    func matmul(seed: UInt64) {
        var f = Fixture(seed: seed)
        let N = f.int(1..<6), IN = f.int(1..<9), OUT = f.int(1..<7)
        let x = f.normals(N * IN), w = f.normals(OUT * IN), b = f.normals(OUT), dout = f.normals(N * OUT)
        var dx = [Float](repeating: 0, count: N * IN), dw = [Float](repeating: 0, count: OUT * IN)
        var db = [Float](repeating: 0, count: OUT)
        matmulBackward(&dx, &dw, &db, dout, x, w, N, IN, OUT)
        let wd = w.map(Double.init), xd = x.map(Double.init), bd = b.map(Double.init)
        expectClose(dx, finiteDifferences(x) { dot(Naive.matmul($0, wd, bd, N, IN, OUT), dout) }, "dx")
        expectClose(dw, finiteDifferences(w) { dot(Naive.matmul(xd, $0, bd, N, IN, OUT), dout) }, "dw")
        expectClose(db, finiteDifferences(b) { dot(Naive.matmul(xd, wd, $0, N, IN, OUT), dout) }, "db")
    }

    @Test("rmsNormBackward gives the input and weight gradients and adds to what is there", arguments: 0..<3)
    func rmsNorm(seed: UInt64) {
        var f = Fixture(seed: seed)
        let N = f.int(1..<5), C = f.int(2..<12)
        let x = f.normals(N * C), w = f.normals(C), dout = f.normals(N * C)
        var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
        rmsNormForward(&out, &rstd, x, w, N, C, eps: 1e-5)
        var dx = [Float](repeating: 1, count: N * C), dw = [Float](repeating: 0, count: C)
        rmsNormBackward(&dx, &dw, dout, x, w, rstd, N, C)
        let wd = w.map(Double.init), xd = x.map(Double.init)
        expectClose(dx.map { $0 - 1 }, finiteDifferences(x) { dot(Naive.rmsNorm($0, wd, N, C, eps: 1e-5), dout) }, "dx")
        expectClose(dw, finiteDifferences(w) { dot(Naive.rmsNorm(xd, $0, N, C, eps: 1e-5), dout) }, "dw")
    }

    @Test("ropeBackward turns the gradient back by the forward's angle", arguments: 0..<3)
    func rope(seed: UInt64) {
        var f = Fixture(seed: seed)
        let N = f.int(1..<6), NH = f.int(1..<4), HS = 2 * f.int(1..<5)
        let table = RoPETable(headSize: HS, maxPositions: 32, theta: 10000)
        let positions = (0..<N).map { _ in Int32(f.int(0..<32)) }
        let x = f.normals(N * NH * HS), dout = f.normals(N * NH * HS)
        var dx = dout
        table.cos.withUnsafeBufferPointer { c in
            table.sin.withUnsafeBufferPointer { s in
                ropeBackward(&dx, positions, c.baseAddress!, s.baseAddress!, N, NH, HS, stride: NH * HS)
            }
        }
        expectClose(dx, finiteDifferences(x) { dot(Naive.rope($0, positions, N, NH, HS, table: table), dout) }, "dx")
    }

    @Test("swigluBackward gives the gate and up gradients of silu(gate) · up")
    func swiglu() {
        var f = Fixture(seed: 7)
        let N = 40
        let g = f.normals(N, std: 3), u = f.normals(N), dout = f.normals(N)
        var dg = [Float](repeating: 0, count: N), du = [Float](repeating: 0, count: N)
        swigluBackward(&dg, &du, dout, g, u, N)
        let fwd: ([Double], [Double]) -> [Double] = { g, u in zip(g, u).map { $0 / (1 + exp(-$0)) * $1 } }
        let ud = u.map(Double.init), gd = g.map(Double.init)
        expectClose(dg, finiteDifferences(g) { dot(fwd($0, ud), dout) }, "dgate")
        expectClose(du, finiteDifferences(u) { dot(fwd(gd, $0), dout) }, "dup")
    }

    @Test("embeddingBackward adds each row's gradient to its token's row, repeated tokens summed")
    func embedding() {
        var f = Fixture(seed: 3)
        let V = 5, C = 3
        let tokens: [Int32] = [1, 4, 1, 0]
        let dout = f.normals(tokens.count * C)
        var dtable = [Float](repeating: 0, count: V * C)
        embeddingBackward(&dtable, dout, tokens, tokens.count, C)
        var expected = [Float](repeating: 0, count: V * C)
        for (n, t) in tokens.enumerated() { for c in 0..<C { expected[Int(t) * C + c] += dout[n * C + c] } }
        #expect(dtable == expected)
    }

    @Test("attentionBackward gives q, k, v gradients of causal grouped-query attention with padding", arguments: 0..<4)
    func attention(seed: UInt64) {
        var f = Fixture(seed: seed)
        let T = f.int(2..<7), NKV = f.int(1..<3), NH = NKV * f.int(1..<3), HS = f.int(1..<5)
        let QD = NH * HS, KVD = NKV * HS
        var mask = [Int32](repeating: 1, count: T)
        if seed % 2 == 1 { mask[0] = 0; mask[T - 1] = 0 }  // padding keys, and a query that sees nothing
        let q = f.normals(T * QD), k = f.normals(T * KVD), v = f.normals(T * KVD), dout = f.normals(T * QD)
        var out = [Float](repeating: 0, count: T * QD), att = [Float](repeating: 0, count: NH * T * T)
        attentionForward(&out, ldo: QD, &att, q, ldq: QD, k, ldk: KVD, v, ldv: KVD, keyMask: mask, T, T, past: 0, NH, NKV, HS)
        var dq = [Float](repeating: 0, count: T * QD), dk = [Float](repeating: 0, count: T * KVD)
        var dv = [Float](repeating: 0, count: T * KVD), scratch = [Float](repeating: 0, count: T * T)
        attentionBackward(&dq, ldq: QD, &dk, &dv, ldk: KVD, &scratch, dout, ldo: QD, att, q, k, v, T, NH, NKV, HS)
        let qd = q.map(Double.init), kd = k.map(Double.init), vd = v.map(Double.init)
        expectClose(dq, finiteDifferences(q) { dot(Naive.attention($0, kd, vd, mask: mask, T, T, past: 0, NH, NKV, HS), dout) }, "dq")
        expectClose(dk, finiteDifferences(k) { dot(Naive.attention(qd, $0, vd, mask: mask, T, T, past: 0, NH, NKV, HS), dout) }, "dk")
        expectClose(dv, finiteDifferences(v) { dot(Naive.attention(qd, kd, $0, mask: mask, T, T, past: 0, NH, NKV, HS), dout) }, "dv")
    }

    @Test("dropout drops about p of the values, scales the rest by 1/(1-p), and backward regenerates the same mask")
    func dropout() {
        var f = Fixture(seed: 11)
        let N = 4000
        let x = f.normals(N), dout = f.normals(N)
        var y = [Float](repeating: 0, count: N)
        dropoutForward(&y, x, p: 0.25, seed: 99, N)
        let dropped = y.filter { $0 == 0 }.count
        #expect(abs(Double(dropped) / Double(N) - 0.25) < 0.03)
        var dx = [Float](repeating: 0, count: N)
        dropoutBackward(&dx, dout, p: 0.25, seed: 99, N)
        for i in 0..<N {
            let kept = y[i] != 0
            if kept { #expect(abs(y[i] - x[i] / 0.75) < 1e-5 && abs(dx[i] - dout[i] / 0.75) < 1e-5) } else { #expect(dx[i] == 0) }
        }
    }
}

@Suite("fastExp")
struct FastExpTests {
    @Test("fastExp is within 3e-7 relative of exp over the range training uses, 0 below -87.3 and NaN for NaN")
    func accuracy() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0013 })
            let e = fastExp(lanes)
            for i in 0..<8 {
                let exact = Foundation.exp(Double(lanes[i]))
                worst = max(worst, abs(Double(e[i]) - exact) / exact)
            }
            x += 0.0917
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        #expect(fastExp(-Float.infinity) == 0 && fastExp(Float(-90)) == 0 && fastExp(Float(0)) == 1)
        #expect(fastExp(Float.nan).isNaN && fastExp(Float(200)).isFinite)
    }
}
