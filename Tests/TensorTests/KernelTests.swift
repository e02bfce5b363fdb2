import Foundation
import Testing
import Tensor

@Suite("Tensor kernels agree with their naive twins")
struct KernelTests {
    @Test("matmulForward computes x · Wᵀ + b on random shapes, with and without bias, one row or many", arguments: 0..<6)
    func matmul(seed: UInt64) {
        var f = Fixture(seed: seed)
        let N = seed % 3 == 0 ? 1 : f.int(2..<17), IN = f.int(1..<70), OUT = f.int(1..<50)
        let x = f.normals(N * IN), w = f.normals(OUT * IN), b = seed % 2 == 0 ? f.normals(OUT) : nil
        var out = [Float](repeating: 7, count: N * OUT)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    if let b {
                        b.withUnsafeBufferPointer { bp in
                            matmulForward(op.baseAddress!, xp.baseAddress!, wp.baseAddress!, bp.baseAddress!, N, IN, OUT)
                        }
                    } else {
                        matmulForward(op.baseAddress!, xp.baseAddress!, wp.baseAddress!, nil, N, IN, OUT)
                    }
                }
            }
        }
        let expected = Naive.matmul(x, w, b, N, IN, OUT)
        #expect(maxAbsDiff(out, expected) < 1e-4, "N \(N) IN \(IN) OUT \(OUT)")
    }

    @Test("matmulForward with accumulate adds the product to what is there")
    func matmulAccumulate() {
        var f = Fixture(seed: 42)
        let N = 5, IN = 9, OUT = 7
        let x = f.normals(N * IN), w = f.normals(OUT * IN), start = f.normals(N * OUT)
        var out = start
        matmulForward(&out, x, w, nil, N, IN, OUT, accumulate: true)
        let expected = zip(Naive.matmul(x, w, nil, N, IN, OUT), start).map { $0 + $1 }
        #expect(maxAbsDiff(out, expected) < 1e-4)
    }

    @Test("matvecForward equals a one-row matmul")
    func matvec() {
        var f = Fixture(seed: 9)
        let IN = 37, OUT = 23
        let x = f.normals(IN), w = f.normals(OUT * IN)
        var out = [Float](repeating: 0, count: OUT)
        matvecForward(&out, w, x, OUT, IN)
        #expect(maxAbsDiff(out, Naive.matmul(x, w, nil, 1, IN, OUT)) < 1e-4)
    }

    @Test("rmsNormForward scales rows to unit root-mean-square times the weight", arguments: 0..<4)
    func rmsNorm(seed: UInt64) {
        var f = Fixture(seed: seed)
        let N = f.int(1..<9), C = f.int(1..<100)
        let x = f.normals(N * C, std: 3), w = f.normals(C)
        var out = [Float](repeating: 0, count: N * C)
        var rstd = [Float](repeating: 0, count: N)
        rmsNormForward(&out, &rstd, x, w, N, C, eps: 1e-5)
        #expect(maxAbsDiff(out, Naive.rmsNorm(x, w, N, C, eps: 1e-5)) < 1e-5)
    }

    @Test("ropeForward rotates each half-pair by position times frequency", arguments: 0..<4)
    func rope(seed: UInt64) {
        var f = Fixture(seed: seed)
        let N = f.int(1..<12), NH = f.int(1..<5), HS = 2 * f.int(1..<17)
        let positions = (0..<N).map { _ in f.int(0..<64) }
        let x = f.normals(N * NH * HS)
        let table = RoPETable(headSize: HS, maxPositions: 64, theta: 10000)
        var out = x
        let pos32 = positions.map(Int32.init)
        ropeForward(&out, pos32, table.cos, table.sin, N, NH, HS, stride: NH * HS)
        #expect(maxAbsDiff(out, Naive.rope(x, positions, N, NH, HS, theta: 10000)) < 1e-4)
    }

    @Test("softmaxForward gives the stable softmax of each row even for huge logits", arguments: 0..<4)
    func softmax(seed: UInt64) {
        var f = Fixture(seed: seed)
        let N = f.int(1..<6), V = f.int(1..<300)
        let x = f.normals(N * V, std: seed == 3 ? 1000 : 4)
        var out = [Float](repeating: 0, count: N * V)
        softmaxForward(&out, x, N, V)
        #expect(maxAbsDiff(out, Naive.softmax(x, N, V)) < 1e-6)
        #expect(out.allSatisfy { $0.isFinite })
    }

    @Test("siluForward and swigluForward match x·sigmoid(x) and silu(gate)·up")
    func activations() {
        var f = Fixture(seed: 5)
        let N = 257
        let g = f.normals(N, std: 5), u = f.normals(N)
        var s = [Float](repeating: 0, count: N), sw = s
        siluForward(&s, g, N)
        swigluForward(&sw, g, u, N)
        #expect(maxAbsDiff(s, Naive.silu(g)) < 1e-5)
        #expect(maxAbsDiff(sw, Naive.swiglu(g, u)) < 1e-5)
    }

    @Test("embeddingForward copies the rows of the tokens; residual and argmax do the obvious")
    func elementwise() {
        var f = Fixture(seed: 11)
        let V = 13, C = 6, N = 5
        let table = f.normals(V * C)
        let tokens: [Int32] = [3, 0, 12, 3, 7]
        var out = [Float](repeating: 0, count: N * C)
        embeddingForward(&out, tokens, table, N, C)
        for n in 0..<N {
            #expect(Array(out[(n * C)..<((n + 1) * C)]) == Array(table[(Int(tokens[n]) * C)..<((Int(tokens[n]) + 1) * C)]))
        }
        var x = f.normals(N * C)
        let y = f.normals(N * C)
        let expected = zip(x, y).map { $0 + $1 }
        residualForward(&x, y, N * C)
        #expect(x == expected)
        #expect(argmax([1, 5, 2, 5, -1], 5) == 1)
        #expect(argmax([], 0) == -1)
    }

    @Test("argmax equals the scalar scan on ties, NaNs, signed zeros and infinities at every length and position")
    func argmaxEdges() {
        /// The scan argmax promises to equal: keep what compares greater, from x[0].
        func scan(_ x: [Float]) -> Int {
            var best = 0
            for i in x.indices.dropFirst() where x[i] > x[best] { best = i }
            return best
        }
        var f = Fixture(seed: 12)
        let specials: [Float] = [.nan, 0, -0.0, .infinity, -.infinity, 3, 3]
        for n in [1, 2, 7, 8, 9, 16, 17, 31, 40, 49152] {
            for trial in 0..<20 {
                var x = f.normals(n).map { ($0 * 4).rounded() }  // small integers: many ties
                for _ in 0..<(trial % 4) {
                    x[Int(f.rng.next() % UInt64(n))] = specials[Int(f.rng.next() % UInt64(specials.count))]
                }
                if trial == 19 { x[0] = .nan }
                #expect(argmax(x, n) == scan(x), "n \(n) trial \(trial)")
            }
        }
        #expect(argmax([-0.0, 0], 2) == 0)
        #expect(argmax([-.infinity, -.infinity], 2) == 0)
        #expect(argmax([.nan, 9], 2) == 0)
        #expect(argmax([1, .nan, 9, .nan], 4) == 2)
    }

    @Test("attentionForward matches naive causal grouped-query attention with padding, a past and a sliding window", arguments: 0..<8)
    func attention(seed: UInt64) {
        var f = Fixture(seed: seed)
        let NKV = f.int(1..<3), NH = NKV * f.int(1..<4), HS = f.int(1..<9) * 2
        let T = f.int(1..<10), past = seed % 2 == 0 ? 0 : f.int(0..<6), Tk = past + T
        let q = f.normals(T * NH * HS), k = f.normals(Tk * NKV * HS), v = f.normals(Tk * NKV * HS)
        // Left padding on some seeds: the first query rows then see no key.
        let mask: [Int32]? = seed < 2 ? nil : (0..<Tk).map { $0 < Int(seed) - 2 ? 0 : 1 }
        let window = seed % 3 == 1 ? 3 : 0  // a sliding window on some seeds
        var out = [Float](repeating: 3, count: T * NH * HS)
        var att = [Float](repeating: 0, count: NH * T * Tk)
        if let mask {
            attentionForward(&out, ldo: NH * HS, &att, q, ldq: NH * HS, k, ldk: NKV * HS, v, ldv: NKV * HS,
                             keyMask: mask, T, Tk, past: past, NH, NKV, HS, window: window)
        } else {
            attentionForward(&out, ldo: NH * HS, &att, q, ldq: NH * HS, k, ldk: NKV * HS, v, ldv: NKV * HS,
                             keyMask: nil, T, Tk, past: past, NH, NKV, HS, window: window)
        }
        let expected = Naive.attention(q, k, v, mask: mask, T, Tk, past: past, NH, NKV, HS, window: window)
        #expect(maxAbsDiff(out, expected) < 1e-4, "T \(T) past \(past) NH \(NH) NKV \(NKV) HS \(HS) window \(window)")
    }

    @Test("packed sequences: each query sees only the keys of its own segment", arguments: [false, true])
    func packedSegments(singleQuery: Bool) {
        var f = Fixture(seed: 77)
        let NKV = 2, NH = 4, HS = 8
        // Three packed sequences and right padding (segment 0, masked).
        let segments: [Int32] = [1, 1, 1, 2, 2, 3, 3, 3, 3, 0, 0]
        let mask = segments.map { $0 == 0 ? Int32(0) : 1 }
        let Tk = segments.count, past = singleQuery ? 7 : 0, T = singleQuery ? 1 : Tk
        let q = f.normals(T * NH * HS), k = f.normals(Tk * NKV * HS), v = f.normals(Tk * NKV * HS)
        var out = [Float](repeating: 3, count: T * NH * HS)
        var att = [Float](repeating: 0, count: NH * T * Tk)
        attentionForward(&out, ldo: NH * HS, &att, q, ldq: NH * HS, k, ldk: NKV * HS, v, ldv: NKV * HS,
                         keyMask: mask, segments: segments, T, Tk, past: past, NH, NKV, HS)
        let expected = Naive.attention(q, k, v, mask: mask, segments: segments, T, Tk, past: past, NH, NKV, HS)
        #expect(maxAbsDiff(out, expected) < 1e-4)
        // No probability crosses a segment boundary.
        for h in 0..<NH {
            for i in 0..<T {
                for j in 0..<Tk where segments[j] != segments[past + i] {
                    #expect(att[(h * T + i) * Tk + j] == 0)
                }
            }
        }
    }

    @Test("one query over a cache (decoding's path) matches naive attention with padding and a sliding window",
          arguments: 0..<8)
    func singleQuery(seed: UInt64) {
        var f = Fixture(seed: 50 + seed)
        let NKV = f.int(1..<4), NH = NKV * f.int(1..<4), HS = 8 * f.int(1..<9)
        let past = f.int(0..<12), Tk = past + 1
        let q = f.normals(NH * HS), k = f.normals(Tk * NKV * HS), v = f.normals(Tk * NKV * HS)
        // Some seeds hide keys (all of them on seed 7: the query then gets zeros).
        let mask: [Int32] = (0..<Tk).map { seed == 7 || (seed > 3 && $0 % 3 == 0) ? 0 : 1 }
        let window = seed % 2 == 1 ? 4 : 0
        var out = [Float](repeating: 3, count: NH * HS)
        var att = [Float](repeating: 5, count: NH * Tk)
        attentionForward(&out, ldo: NH * HS, &att, q, ldq: NH * HS, k, ldk: NKV * HS, v, ldv: NKV * HS,
                         keyMask: mask, 1, Tk, past: past, NH, NKV, HS, window: window)
        let expected = Naive.attention(q, k, v, mask: mask, 1, Tk, past: past, NH, NKV, HS, window: window)
        #expect(maxAbsDiff(out, expected) < 1e-4, "past \(past) NH \(NH) NKV \(NKV) HS \(HS) window \(window)")
        for h in 0..<NH {
            let row = att[(h * Tk)..<((h + 1) * Tk)]
            #expect(row.allSatisfy { $0 >= 0 })
            #expect(seed == 7 ? row.allSatisfy { $0 == 0 } : abs(row.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test("one query over a longer cache and wider heads (keys past a multiple of 8, heads past 64 columns) matches naive attention",
          arguments: [(64, 40), (72, 9), (128, 17), (136, 0), (16, 63)])
    func singleQueryWide(HS: Int, past: Int) {
        var f = Fixture(seed: UInt64(60 + HS + past))
        let NKV = 2, NH = 6, Tk = past + 1
        let q = f.normals(NH * HS), k = f.normals(Tk * NKV * HS), v = f.normals(Tk * NKV * HS)
        let mask = [Int32](repeating: 1, count: Tk)
        var out = [Float](repeating: 3, count: NH * HS)
        var att = [Float](repeating: 5, count: NH * Tk)
        attentionForward(&out, ldo: NH * HS, &att, q, ldq: NH * HS, k, ldk: NKV * HS, v, ldv: NKV * HS,
                         keyMask: nil, 1, Tk, past: past, NH, NKV, HS)
        let expected = Naive.attention(q, k, v, mask: mask, 1, Tk, past: past, NH, NKV, HS, window: 0)
        #expect(maxAbsDiff(out, expected) < 1e-4, "past \(past) HS \(HS)")
    }
}

@Suite("Seeded random numbers")
struct RandomTests {
    @Test("the same seed gives the same sequence; different seeds differ")
    func determinism() {
        var a = Xoshiro256(seed: 1), b = Xoshiro256(seed: 1), c = Xoshiro256(seed: 2)
        let xa = (0..<8).map { _ in a.next() }, xb = (0..<8).map { _ in b.next() }, xc = (0..<8).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test("uniform lies in [0, 1) with mean near 1/2; normal has mean near 0 and variance near 1")
    func moments() {
        var r = Xoshiro256(seed: 123)
        let n = 20000
        let u = (0..<n).map { _ in r.uniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / Float(n) - 0.5) < 0.01)
        let z = (0..<n).map { _ in Double(r.normal()) }
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.05)
    }

    @Test("the state round-trips through Codable and continues the same sequence")
    func codable() throws {
        var r = Xoshiro256(seed: 7)
        _ = r.next()
        let data = try JSONEncoder().encode(r)
        var restored = try JSONDecoder().decode(Xoshiro256.self, from: data)
        #expect(r.next() == restored.next())
    }
}
