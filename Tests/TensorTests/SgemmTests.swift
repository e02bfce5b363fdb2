import Testing
import Tensor

/// sgemm on each kernel set this CPU runs (the AVX-512 kernel and OpenBLAS) against float64 sums.
@Suite("sgemm equals a triple loop in float64 on every transpose, stride, alpha and beta")
struct SgemmTests {
    static let kernelSets = KernelSet.available

    /// A stored operand: `rows x columns` values with row stride `ld` (the cells past `columns` hold NaN,
    /// which a kernel must never read).
    struct Stored {
        var values: [Float]
        let ld: Int
        init(_ f: inout Fixture, rows: Int, columns: Int, pad: Int) {
            ld = columns + pad
            values = [Float](repeating: .nan, count: max(1, rows * ld))
            for r in 0..<rows { for c in 0..<columns { values[r * ld + c] = f.rng.normal(mean: 0, std: 1) } }
        }
    }

    /// C (M x N, stride ldc) = alpha · op(A) · op(B) + beta · C in float64, and a bound on its float32 error.
    static func reference(
        _ ta: Bool, _ tb: Bool, _ M: Int, _ N: Int, _ K: Int, alpha: Float, _ a: Stored, _ b: Stored,
        beta: Float, _ c: [Float], ldc: Int
    ) -> (values: [Float], tolerance: [Float]) {
        var out = c, tolerance = [Float](repeating: 0, count: c.count)
        for i in 0..<M {
            for j in 0..<N {
                var sum = 0.0, magnitude = 0.0
                for k in 0..<K {
                    let x = Double(ta ? a.values[k * a.ld + i] : a.values[i * a.ld + k])
                    let y = Double(tb ? b.values[j * b.ld + k] : b.values[k * b.ld + j])
                    sum += x * y
                    magnitude += abs(x * y)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                out[i * ldc + j] = Float(Double(alpha) * sum + old)
                tolerance[i * ldc + j] = Float(1e-5 * (abs(Double(alpha)) * magnitude + abs(old)) + 1e-6)
            }
        }
        return (out, tolerance)
    }

    static func check(_ M: Int, _ N: Int, _ K: Int, alphaBetas: [(Float, Float)], seed: UInt64) {
        var f = Fixture(seed: seed)
        for ta in [false, true] {
            for tb in [false, true] {
                let a = Stored(&f, rows: ta ? K : M, columns: ta ? M : K, pad: 3)
                let b = Stored(&f, rows: tb ? N : K, columns: tb ? K : N, pad: 5)
                let ldc = N + 2
                var start = [Float](repeating: 0, count: M * ldc)
                for i in start.indices { start[i] = i % ldc < N ? f.rng.normal(mean: 0, std: 1) : -7 }
                for (alpha, beta) in alphaBetas {
                    let want = reference(ta, tb, M, N, K, alpha: alpha, a, b, beta: beta, start, ldc: ldc)
                    for kernels in kernelSets {
                        // beta == 0: C's old values must not be read (NaN would survive a 0 · NaN)
                        var c = beta == 0 ? start.enumerated().map { $0.offset % ldc < N ? .nan : $0.element } : start
                        sgemm(transposeA: ta, transposeB: tb, M, N, K, alpha: alpha, a.values, lda: a.ld, b.values,
                              ldb: b.ld, beta: beta, &c, ldc: ldc, kernels: kernels)
                        let bad = c.indices.filter { !(abs(c[$0] - want.values[$0]) <= want.tolerance[$0]) }
                        let wrong = bad.count, first = bad.first ?? 0
                        #expect(wrong == 0, """
                            \(kernels) \(ta ? "T" : "N")\(tb ? "T" : "N") \(M)x\(N)x\(K) alpha \(alpha) beta \(beta): \
                            first wrong at \(first): \(c[first]), want \(want.values[first])
                            """)
                    }
                }
            }
        }
    }

    static let allAlphaBetas: [(Float, Float)] = [(1, 0), (1, 1), (0.7, 0.3), (-2, 0), (0, 1.5)]

    @Test("tiny and odd shapes, with every alpha and beta case",
          arguments: [(1, 1, 1), (37, 100, 61), (5, 40, 0), (12, 32, 16), (3, 33, 7), (31, 95, 17), (13, 31, 5)])
    func oddShapes(shape: (Int, Int, Int)) {
        Self.check(shape.0, shape.1, shape.2, alphaBetas: Self.allAlphaBetas, seed: UInt64(shape.0 * 1000 + shape.1))
    }

    @Test("more than one depth block (K > 768) and more than one row block (M > 600)",
          arguments: [(70, 65, 1601), (601, 40, 20), (25, 64, 600)])
    func blocks(shape: (Int, Int, Int)) {
        Self.check(shape.0, shape.1, shape.2, alphaBetas: [(1, 0), (0.7, 0.3)], seed: UInt64(shape.2))
    }

    @Test("the AVX-512 kernel gives the same bytes on 1, 2 and 3 threads, call after call")
    func threadCountIndependent() {
        guard KernelSet.avx512.isSupported else { return }
        var f = Fixture(seed: 5)
        let M = 301, N = 210, K = 700
        let a = f.normals(M * K), b = f.normals(N * K), start = f.normals(M * N)
        var results: [[Float]] = []
        for threads in [1, 2, 3, 2] {
            var c = start
            sgemm(transposeA: true, transposeB: true, M, N, K, alpha: 0.5, a, lda: M, b, ldb: K, beta: 1, &c, ldc: N,
                  kernels: .avx512, threads: threads)
            results.append(c)
        }
        #expect(results.allSatisfy { $0 == results[0] })
    }

    @Test("OpenBLAS runs every product under the AVX2 set (PIPE_KERNELS=avx2); the AVX-512 set splits at 16 columns")
    func backendChoice() {
        #expect(KernelSet.chosen(environment: ["PIPE_KERNELS": "avx2"]) == .avx2)
        #expect(KernelSet.chosen(environment: [:]) == KernelSet.available.last)
        for (M, N, K) in [(512, 576, 576), (128, 49152, 576), (1, 1, 1), (512, 8, 576)] {
            #expect(sgemmBackend(M, N, K, kernels: .avx2) == .openBLAS)
        }
        if KernelSet.avx512.isSupported {
            #expect(sgemmBackend(512, 576, 576, kernels: .avx512) == .avx512)
            #expect(sgemmBackend(49152, 576, 128, kernels: .avx512) == .avx512)
            #expect(sgemmBackend(512, 17, 576, kernels: .avx512) == .avx512)
            #expect(sgemmBackend(512, 16, 576, kernels: .avx512) == .narrow)
            #expect(sgemmBackend(512, 8, 576, kernels: .avx512) == .narrow)
        }
    }
}
