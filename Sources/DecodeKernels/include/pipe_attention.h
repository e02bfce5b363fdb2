// The two products of one query head's attention while decoding (Tensor's Attention.swift
// masks and normalizes in between). AVX2 + FMA (the baseline every build of pipe needs).
// Legend: HS head size (a multiple of 8), keys and values rows first ..< visible, row j of k at
// k + j·ldk (this head's columns), likewise v.
#ifndef PIPE_ATTENTION_H
#define PIPE_ATTENTION_H

/// scores[j] = scale · (q · k_j) for j in first ..< visible.
void pipe_attention_scores(const float *q, const float *k, long ldk, long first, long visible, long HS,
                           float scale, float *scores);

/// out = Σ_j p[j] · v_j over j in first ..< visible with p[j] != 0 (HS floats).
void pipe_attention_values(const float *p, const float *v, long ldv, long first, long visible, long HS,
                           float *out);

#endif
