#include "pipe_cpuid.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

pipe_cpu_features pipe_cpu_features_detect(void) {
    pipe_cpu_features f = {0};
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    bool osxsave = c & (1u << 27);
    if (!osxsave) return f;
    unsigned long long xcr0 = xgetbv0();
    bool ymm = (xcr0 & 0x6) == 0x6;     // SSE and AVX state
    bool zmm = (xcr0 & 0xE6) == 0xE6;   // and opmask, ZMM0-15 upper halves, ZMM16-31
    f.fma = ymm && (c & (1u << 12));
    f.f16c = ymm && (c & (1u << 29));
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    f.avx2 = ymm && (b & (1u << 5));
    f.avx512f = zmm && (b & (1u << 16));
    f.avx512dq = zmm && (b & (1u << 17));
    f.avx512bw = zmm && (b & (1u << 30));
    f.avx512vl = zmm && (b & (1u << 31));
    f.avx512vnni = zmm && (c & (1u << 11));
    unsigned int a1, b1, c1, d1;
    if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) f.avx512bf16 = zmm && (a1 & (1u << 5));
    return f;
}
#else
pipe_cpu_features pipe_cpu_features_detect(void) {
    pipe_cpu_features f = {0};
    return f;
}
#endif
