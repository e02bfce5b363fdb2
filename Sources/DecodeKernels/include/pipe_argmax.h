// Greedy decoding's pick over a vocabulary of logits. AVX2 (the baseline every build needs).
#ifndef PIPE_ARGMAX_H
#define PIPE_ARGMAX_H

/// The index of the largest of x[0 ..< n], the first one on ties (-0 and +0 tie); a NaN never wins,
/// but a NaN x[0] gives 0 (as a scalar scan from x[0] with `>`); -1 when n is 0.
long pipe_argmax(const float *x, long n);

#endif
