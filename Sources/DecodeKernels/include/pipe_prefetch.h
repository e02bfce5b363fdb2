// Software prefetch for Swift code, which has no prefetch instruction: brings memory that is about
// to be read, in a pattern the hardware prefetcher does not follow, toward the core (plain C, runs
// on every x86-64 CPU; a no-op elsewhere).
#ifndef PIPE_PREFETCH_H
#define PIPE_PREFETCH_H

/// Prefetches `rows` runs of `row_bytes` bytes, the runs `stride_bytes` apart from `base` on (every
/// cache line they touch). Addresses are not dereferenced: a prefetch never faults.
void pipe_prefetch_rows(const void *base, long rows, long row_bytes, long stride_bytes);

#endif
