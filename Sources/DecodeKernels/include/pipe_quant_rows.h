// Rows of the quantized matrix-vector product of decoding (Tensor's QuantizedMatvec.swift explains
// the method and the 4-bit lane order of `xp`): out[r] = W[r] · x for rows lo ..< hi.
// The _avx512 functions run only on a CPU with AVX-512 F/BW/DQ/VL and F16C, the _avx2 ones only on
// one with AVX2, FMA and F16C (the caller checks cpuid; each function carries its own target
// attribute, so this target needs no instruction-set flags).
#ifndef PIPE_QUANT_ROWS_H
#define PIPE_QUANT_ROWS_H

/// Operands of one product's rows (memory the caller owns for the call).
/// Row r starts at matrix + r·row_bytes: NB halves d, (4-bit) NB halves m, then the quants.
typedef struct {
    float *out;
    const void *matrix;
    long row_bytes;
    long blocks_per_row;
    /// x in natural order (IN floats).
    const float *x;
    /// 4-bit: x in lane order, each nibble group scaled (the lane order in QuantizedMatvec.swift).
    const float *xp;
    /// Σ x over each block (NB floats), then 16 zeros.
    const float *xsum;
    /// Bytes ahead of the row being read that are prefetched (0: none).
    long prefetch_bytes;
} pipe_matvec_rows;

/// Prepares a product's input: xsum[b] = Σ x over block b (NB floats, then 16 zeros), and for 4-bit
/// matrices (four_bit != 0) xp = x in lane order (`quads` quads of 16 lanes, then pairs, then an odd
/// last block; the lane order in QuantizedMatvec.swift). AVX2 (the baseline every build needs).
void pipe_matvec_prepare(const float *x, long blocks, long quads, int four_bit, float *xp, float *xsum);

/// 4-bit (Q4_1 / Q4_0) rows, xp with quads of 16 lanes, then a pair, then an odd last block.
void pipe_four_bit_rows_avx512(const pipe_matvec_rows *a, long lo, long hi);
/// 8-bit (Q8_0) rows, x in natural order.
void pipe_eight_bit_rows_avx512(const pipe_matvec_rows *a, long lo, long hi);
/// 4-bit rows, xp with pairs of 8 lanes, then an odd last block.
void pipe_four_bit_rows_avx2(const pipe_matvec_rows *a, long lo, long hi);
/// 8-bit rows, x in natural order.
void pipe_eight_bit_rows_avx2(const pipe_matvec_rows *a, long lo, long hi);

#endif
