import Foundation
import Testing
import Tensor

@Suite("sgemm with at most 16 columns (LoRA ranks)")
struct NarrowMatmulTests {
    /// C = alpha · op(A) · op(B) + beta · C in double sums.
    private func naive(_ tA: Bool, _ tB: Bool, _ M: Int, _ N: Int, _ K: Int, _ alpha: Float, _ A: [Float], _ lda: Int,
                       _ B: [Float], _ ldb: Int, _ beta: Float, _ C: [Float], _ ldc: Int) -> [Float] {
        var out = C
        for m in 0..<M {
            for n in 0..<N {
                var s = 0.0
                for k in 0..<K {
                    let a = tA ? A[k * lda + m] : A[m * lda + k], b = tB ? B[n * ldb + k] : B[k * ldb + n]
                    s += Double(a) * Double(b)
                }
                out[m * ldc + n] = Float(Double(alpha) * s + Double(beta) * Double(C[m * ldc + n]))
            }
        }
        return out
    }

    @Test("every transpose, odd shapes and strides, alpha and beta: the naive product's values",
          arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matchesNaive(transposeA: Bool, transposeB: Bool) {
        var f = Fixture(seed: 11)
        for (M, N, K) in [(1, 1, 1), (37, 5, 61), (512, 8, 576), (20, 16, 33), (576, 8, 512), (3, 12, 700)] {
            let lda = (transposeA ? M : K) + 3, ldb = (transposeB ? K : N) + 2, ldc = N + 1
            let A = f.normals((transposeA ? K : M) * lda), B = f.normals((transposeB ? N : K) * ldb)
            let C0 = f.normals(M * ldc)
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                let expected = naive(transposeA, transposeB, M, N, K, alpha, A, lda, B, ldb, beta, C0, ldc)
                var C = C0
                sgemm(transposeA: transposeA, transposeB: transposeB, M, N, K, alpha: alpha, A, lda: lda, B, ldb: ldb,
                      beta: beta, &C, ldc: ldc)
                let scale = Float(K) * 1e-6 * max(1, abs(alpha))  // float32 sums of K products of normals
                #expect(maxAbsDiff(C, expected) < scale, "\(M)x\(N)x\(K) tA \(transposeA) tB \(transposeB) \(alpha) \(beta)")
                for m in 0..<M { #expect(C[m * ldc + N] == C0[m * ldc + N], "wrote past column N") }
            }
        }
    }
}
