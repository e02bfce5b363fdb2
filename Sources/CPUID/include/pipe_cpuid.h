// The x86 instruction-set extensions this CPU has and the operating system saves the registers
// of (cpuid and xgetbv), for choosing kernels once at start. Everything is false on other CPUs.
#ifndef PIPE_CPUID_H
#define PIPE_CPUID_H
#include <stdbool.h>

typedef struct {
    bool avx2, fma, f16c;
    bool avx512f, avx512bw, avx512vl, avx512dq, avx512vnni, avx512bf16;
} pipe_cpu_features;

pipe_cpu_features pipe_cpu_features_detect(void);

#endif
