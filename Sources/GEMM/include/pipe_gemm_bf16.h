// Matrix products with bfloat16 operands and float32 sums (AVX512_BF16's vdpbf16ps), for the
// frozen weights of LoRA training and for batched passes that opt into bf16 precision.
// Every function here runs only on a CPU with AVX-512 F/BW/VL and AVX512_BF16 (the caller checks
// cpuid), except the conversions, which are plain C and run everywhere.
#ifndef PIPE_GEMM_BF16_H
#define PIPE_GEMM_BF16_H
#include <stdint.h>
#include <stdbool.h>

/// Columns of C per panel (one thread's unit of work).
#define PIPE_BF16_PANEL 32
/// The most k-pairs of a panel packed at once (a block of 64 KB).
#define PIPE_BF16_DEPTH 512

/// out[i] = the bfloat16 nearest to in[i] (ties to even; NaN stays NaN), for n values.
void pipe_bf16_from_float(const float *in, uint16_t *out, long n);

/// pipe_bf16_from_float with 16-lane conversions (the same values). AVX512_BF16 only.
void pipe_bf16_from_float_avx512(const float *in, uint16_t *out, long n);

/// out[i] = in[i] widened to float32 (exact).
void pipe_bf16_to_float(const uint16_t *in, float *out, long n);

/// The row stride of packed rows of depth K (in bfloat16 values): K rounded up to even, plus 32
/// when that is a multiple of 2048, so that rows 4 KB apart do not all fall in the same cache sets.
static inline long pipe_bf16_row_stride(long K) {
    long even = K + (K & 1);
    return even % 2048 == 0 ? even + 32 : even;
}

/// Rows of A (M x K, row stride lda) rounded to bfloat16 into Ap (M rows of pipe_bf16_row_stride(K)
/// values, zero past K): the left operand of pipe_bf16_gemm_panels. AVX512_BF16 only.
void pipe_bf16_pack_rows(const float *A, long lda, long M, long K, uint16_t *Ap);

/// C[:, 32p ..< 32p+32] for panels p in p0 ..< p1 of
///     C (M x N, row stride ldc)  =  Ap (M x K, from pipe_bf16_pack_rows) . B  (+ C when accumulate)
/// where B (K x N) is read from the bfloat16 matrix W (row stride ldw):
///     transposed: B[k][n] = W[n][k]  (W is N x K: a linear layer's forward, out = x . W^T)
///     otherwise:  B[k][n] = W[k][n]  (W is K x N: the gradient of its input, dx = dy . W)
/// Columns past N are neither read nor written. `scratch` (64-byte aligned, pipe_bf16_panel_words(K)
/// words) holds the packed panel. AVX512_BF16 only.
void pipe_bf16_gemm_panels(long M, long N, long K, const uint16_t *Ap, const uint16_t *W, long ldw,
                           bool transposed, float *C, long ldc, bool accumulate, long p0, long p1,
                           uint32_t *scratch);

/// Words of a packed panel block for depth K.
static inline long pipe_bf16_panel_words(long K) {
    long pairs = (K + 1) / 2;
    return (pairs < PIPE_BF16_DEPTH ? pairs : PIPE_BF16_DEPTH) * PIPE_BF16_PANEL;
}

#endif
