// A float32 GEMM on AVX-512 F (16-lane FMA), blocked as GotoBLAS does, for
//     C (M x N) = alpha . op(A) . op(B) + beta . C        (row-major, op(X) = X or X^T)
// The caller (Tensor's sgemm) walks the blocks and splits each over threads:
//   - depth K is cut into blocks of at most PIPE_F32_KC (pipe_f32_depth_block), rows M into blocks of
//     at most PIPE_F32_MC (pipe_f32_row_block); both depend only on M and K, never on threads.
//   - per (depth block, row block): the rows of op(A) are packed into strips of PIPE_F32_MR rows
//     (pipe_f32_pack_a, strips split over threads), then C's columns, in panels of 32, are computed
//     from the packed strips (pipe_f32_gemm_panels, panels split over threads).
// Each element of C is summed in k order within a depth block and the blocks are added in order, so
// the result does not depend on the thread count or on which thread ran what.
// Every function here runs only on a CPU with AVX-512 F (the caller checks cpuid).
#ifndef PIPE_GEMM_F32_H
#define PIPE_GEMM_F32_H
#include <stdbool.h>

/// Rows of a packed strip of A (the micro-kernel's height).
#define PIPE_F32_MR 12
/// Columns of C per panel (one piece of a thread's work).
#define PIPE_F32_PANEL 32
/// Largest depth block. A packed panel of B (up to 96 KB) stays in L2; fewer depth blocks mean fewer
/// passes over C, which is what bounds the LM head's products (C of 128 x 49152 floats).
#define PIPE_F32_KC 768
/// Largest row block: the packed strips of A that stream past each panel.
#define PIPE_F32_MC 600

/// The depth of each block when K is cut into blocks of at most PIPE_F32_KC of nearly equal depth.
static inline long pipe_f32_depth_block(long K) {
    long blocks = (K + PIPE_F32_KC - 1) / PIPE_F32_KC;
    return blocks == 0 ? 0 : (K + blocks - 1) / blocks;
}

/// The rows of each block (a multiple of PIPE_F32_MR but the last) when M is cut into nearly equal
/// blocks of at most PIPE_F32_MC rows.
static inline long pipe_f32_row_block(long M) {
    long blocks = (M + PIPE_F32_MC - 1) / PIPE_F32_MC;
    if (blocks == 0) return 0;
    long rows = (M + blocks - 1) / blocks;
    return (rows + PIPE_F32_MR - 1) / PIPE_F32_MR * PIPE_F32_MR;
}

/// Packs strips s0 ..< s1 of rows 0 ..< mc, depths 0 ..< kc of op(A), where op(A)[i][k] is
///     A[i*lda + k]  (not transposed)   or   A[k*lda + i]  (transposed),
/// into Ap: strip s (rows 12s ..< 12s + r, r = min(12, mc - 12s)) starts at Ap + 12s*kc and holds
/// kc groups of r floats, group k being op(A)[12s ..< 12s+r][k].
void pipe_f32_pack_a(bool transposed, const float *A, long lda, long mc, long kc, long s0, long s1, float *Ap);

/// Columns 32p ..< 32p+32 (those below N) of rows 0 ..< mc of C, for panels p in p0 ..< p1:
///     C = alpha . Ap . op(B) + beta . C
/// Ap is mc x kc, packed by pipe_f32_pack_a; op(B) is kc x N with op(B)[k][n] = B[k*ldb + n] (not
/// transposed) or B[n*ldb + k] (transposed). beta == 0 never reads C. `scratch` (64-byte aligned,
/// pipe_f32_panel_floats(kc) floats) holds the packed panel.
void pipe_f32_gemm_panels(long mc, long N, long kc, const float *Ap, const float *B, long ldb, bool transposed,
                          float alpha, float beta, float *C, long ldc, long p0, long p1, float *scratch);

/// C (M x N) = beta . C (C is not read when beta == 0): the product when K is 0.
void pipe_f32_scale(long M, long N, float beta, float *C, long ldc);

/// Floats of a packed panel of depth kc.
static inline long pipe_f32_panel_floats(long kc) { return kc * PIPE_F32_PANEL; }

#endif
