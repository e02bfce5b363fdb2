// The processes of an `mpirun` or `srun` launch (Open MPI's MPI_COMM_WORLD), summing training
// gradients with MPI_Allreduce. Only a rank process initializes MPI: a plain `pipe` run loads
// libmpi but never calls into it.

import CMPI
import Foundation
import Llama

/// An MPI call that failed, with Open MPI's own words for why.
public enum CollectiveError: Error, CustomStringConvertible {
    case callFailed(function: String, code: Int32, message: String)
    /// MPI_Init ran already in this process (a process is one rank of one world).
    case alreadyInitialized

    public var description: String {
        switch self {
        case let .callFailed(function, code, message): return "\(function) failed (MPI error \(code)): \(message)"
        case .alreadyInitialized: return "MPI is already initialized in this process"
        }
    }
}

/// This process's place in MPI_COMM_WORLD. Calls must not overlap (MPI_THREAD_SERIALIZED).
public final class MPIWorld: GradientReducer {
    public let rank: Int
    public let size: Int
    /// Bytes this rank contributed to sums so far (the payload; the wire traffic depends on Open MPI's algorithm).
    public private(set) var reducedBytes = 0

    /// Initializes MPI (once per process) and reads this process's rank and the world's size.
    public init() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        guard initialized == 0 else { throw CollectiveError.alreadyInitialized }
        var provided: Int32 = 0
        try Self.check("MPI_Init_thread", MPI_Init_thread(nil, nil, cmpi_thread_serialized(), &provided))
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check("MPI_Comm_rank", MPI_Comm_rank(cmpi_comm_world(), &rank))
        try Self.check("MPI_Comm_size", MPI_Comm_size(cmpi_comm_world(), &size))
        self.rank = Int(rank)
        self.size = Int(size)
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try allreduce(values.baseAddress, count: values.count, type: cmpi_float(), stride: MemoryLayout<Float>.size)
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try allreduce(values.baseAddress, count: values.count, type: cmpi_double(), stride: MemoryLayout<Double>.size)
    }

    /// In-place MPI_SUM, in pieces whose count fits MPI's `int`.
    private func allreduce(_ base: UnsafeMutableRawPointer?, count: Int, type: MPI_Datatype, stride: Int) throws {
        guard let base, count > 0 else { return }
        let piece = Int(Int32.max)
        for start in Swift.stride(from: 0, to: count, by: piece) {
            let n = Int32(min(piece, count - start))
            try Self.check(
                "MPI_Allreduce",
                MPI_Allreduce(cmpi_in_place(), base + start * stride, n, type, cmpi_sum(), cmpi_comm_world()))
        }
        reducedBytes += count * stride
    }

    /// Waits until every rank got here.
    public func barrier() throws {
        try Self.check("MPI_Barrier", MPI_Barrier(cmpi_comm_world()))
    }

    /// Ends every rank of the world (the launcher reports the failure): for an error on one rank,
    /// which the others, blocked in a sum, would otherwise wait for forever.
    public func abort(code: Int32) -> Never {
        MPI_Abort(cmpi_comm_world(), code)
        exit(code)
    }

    /// Ends MPI in this process after a run every rank finished.
    public func finalize() {
        MPI_Finalize()
    }

    private static func check(_ function: String, _ code: Int32) throws {
        guard code != cmpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw CollectiveError.callFailed(function: function, code: code, message: message)
    }
}
