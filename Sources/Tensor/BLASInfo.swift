// What the BLAS library reports about itself: OpenBLAS's build options and the core whose
// kernels it chose at load (DYNAMIC_ARCH builds pick by cpuid unless OPENBLAS_CORETYPE names one).

import CBLAS

/// e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64; core Haswell".
public var blasDescription: String {
    let config = openblas_get_config().map { String(cString: $0) } ?? "unknown BLAS"
    let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    return "\(config); core \(core)"
}
