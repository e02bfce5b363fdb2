import Testing
import Tensor

/// Large elementwise kernels go over the worker pool; their bytes must not depend on that.
@Suite("Kernels big enough to be split over threads give the bytes of small single-threaded calls")
struct SplitTests {
    @Test("swigluForward and swigluBackward on 140001 elements equal the same kernels on pieces of 1000")
    func swiglu() {
        var f = Fixture(seed: 21)
        let N = 140_001, piece = 1000
        let g = f.normals(N, std: 4), u = f.normals(N), dout = f.normals(N)
        var whole = [Float](repeating: 0, count: N), parts = whole
        swigluForward(&whole, g, u, N)
        for start in stride(from: 0, to: N, by: piece) {
            let n = min(piece, N - start)
            parts.withUnsafeMutableBufferPointer { swigluForward($0.baseAddress! + start, Array(g[start..<start + n]), Array(u[start..<start + n]), n) }
        }
        #expect(whole == parts)

        let start = f.normals(N)
        var dg = start, du = start, dgParts = start, duParts = start
        swigluBackward(&dg, &du, dout, g, u, N)
        for s in stride(from: 0, to: N, by: piece) {
            let n = min(piece, N - s)
            dgParts.withUnsafeMutableBufferPointer { dgp in
                duParts.withUnsafeMutableBufferPointer { dup in
                    swigluBackward(dgp.baseAddress! + s, dup.baseAddress! + s, Array(dout[s..<s + n]),
                                   Array(g[s..<s + n]), Array(u[s..<s + n]), n)
                }
            }
        }
        #expect(dg == dgParts && du == duParts)
    }

    @Test("swigluBackward without accumulate stores what accumulating into zeros gives")
    func swigluStore() {
        var f = Fixture(seed: 22)
        let N = 140_003
        let g = f.normals(N, std: 4), u = f.normals(N), dout = f.normals(N)
        var dg = [Float](repeating: 0, count: N), du = dg
        swigluBackward(&dg, &du, dout, g, u, N)
        var dgStored = f.normals(N), duStored = f.normals(N)
        swigluBackward(&dgStored, &duStored, dout, g, u, N, accumulate: false)
        #expect(dg == dgStored && du == duStored)
    }

    @Test("rmsNormForward and rmsNormBackward on 240 rows of 577 equal row-by-row calls")
    func rmsNorm() {
        var f = Fixture(seed: 23)
        let N = 240, C = 577
        let x = f.normals(N * C), w = f.normals(C), dout = f.normals(N * C)
        var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
        var outRows = out, rstdRows = rstd
        rmsNormForward(&out, &rstd, x, w, N, C, eps: 1e-5)
        for n in 0..<N {
            outRows.withUnsafeMutableBufferPointer { o in
                rstdRows.withUnsafeMutableBufferPointer { r in
                    rmsNormForward(o.baseAddress! + n * C, r.baseAddress! + n, Array(x[n * C..<(n + 1) * C]), w, 1, C, eps: 1e-5)
                }
            }
        }
        #expect(out == outRows && rstd == rstdRows)

        var dx = f.normals(N * C), dw = f.normals(C)
        var dxRows = dx, dwRows = dw
        rmsNormBackward(&dx, &dw, dout, x, w, rstd, N, C)
        for n in 0..<N {
            dxRows.withUnsafeMutableBufferPointer { d in
                rmsNormBackward(d.baseAddress! + n * C, &dwRows, Array(dout[n * C..<(n + 1) * C]),
                                Array(x[n * C..<(n + 1) * C]), w, [rstd[n]], 1, C)
            }
        }
        #expect(dx == dxRows && dw == dwRows)
    }
}

@Suite("Worker pool")
struct WorkerPoolTests {
    @Test("a job submitted from inside a piece of another runs all its pieces instead of deadlocking")
    func nestedJobs() {
        let pool = WorkerPool.shared(threads: 2)
        let outer = 6, inner = 5
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: outer * inner)
        counts.initialize(repeating: 0, count: outer * inner)
        defer { counts.deallocate() }
        let shared = UnsafeMutableRawPointer(counts)
        pool.run(chunks: outer) { o in
            pool.run(chunks: inner) { i in
                shared.assumingMemoryBound(to: Int.self)[o * inner + i] += 1
            }
        }
        #expect((0..<(outer * inner)).allSatisfy { counts[$0] == 1 })
        // The pool still runs ordinary jobs afterwards.
        var done = [Int](repeating: 0, count: 8)
        done.withUnsafeMutableBufferPointer { buffer in
            let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
            pool.run(chunks: 8) { raw.assumingMemoryBound(to: Int.self)[$0] = 1 }
        }
        #expect(done == [Int](repeating: 1, count: 8))
    }
}
