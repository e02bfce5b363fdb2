// Which kernels run: chosen once per process from what the CPU has (cpuid), for the
// matrix-vector products of decoding and sgemm's float32 GEMM. `PIPE_KERNELS=avx2` keeps the AVX2 kernels on a host
// that has more (to compare them); a set the CPU lacks is never chosen.

import CPUID
import Foundation

public enum KernelSet: String, Sendable, CaseIterable {
    /// 8-lane kernels (AVX2, FMA, F16C): the baseline every build needs.
    case avx2
    /// 16-lane kernels (AVX-512 F, BW, DQ, VL), C functions with a target attribute (DecodeKernels).
    case avx512

    /// The CPU's extensions.
    static let host: pipe_cpu_features = pipe_cpu_features_detect()

    /// Whether this CPU (and its operating system) runs the set.
    public var isSupported: Bool {
        let f = Self.host
        switch self {
        case .avx2: return f.avx2 && f.fma && f.f16c
        case .avx512: return f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.f16c
        }
    }

    /// The sets this CPU runs, best last.
    public static var available: [KernelSet] { allCases.filter(\.isSupported) }

    /// The set in use: the best one supported, or the one `PIPE_KERNELS` names if supported.
    public static let best: KernelSet = chosen(environment: ProcessInfo.processInfo.environment)

    /// The set a process with `environment` uses: the one `PIPE_KERNELS` names if supported, else the best.
    public static func chosen(environment: [String: String]) -> KernelSet {
        if let name = environment["PIPE_KERNELS"], let chosen = KernelSet(rawValue: name), chosen.isSupported {
            return chosen
        }
        return available.last ?? .avx2
    }

    /// The extensions found, e.g. "avx2 fma f16c avx512f avx512bw avx512dq avx512vl avx512vnni avx512bf16".
    public static var hostFeatures: String {
        let f = host
        let named: [(String, Bool)] = [
            ("avx2", f.avx2), ("fma", f.fma), ("f16c", f.f16c), ("avx512f", f.avx512f), ("avx512bw", f.avx512bw),
            ("avx512dq", f.avx512dq), ("avx512vl", f.avx512vl), ("avx512vnni", f.avx512vnni),
            ("avx512bf16", f.avx512bf16),
        ]
        return named.filter(\.1).map(\.0).joined(separator: " ")
    }
}
