// A tiny persistent pool for the matrix-vector products: one token needs ~200 of them, each a few
// to a few hundred microseconds, so starting threads (or waking sleeping ones) per call costs too
// much. Workers spin on a generation counter for a while after each job, then sleep on a
// condition; the caller runs part 0 of a job itself and spins until the workers are done.
// Jobs are serialized (one at a time per pool); a job must not submit to its own pool.

import Foundation
import Synchronization

@available(macOS 15, *)
final class WorkerPool: @unchecked Sendable {
    /// Threads that run a job, the caller included.
    let threads: Int
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let condition = NSCondition()
    private let submission = NSLock()
    /// The current job (valid between a generation bump and `pending` reaching zero).
    private var job: ((Int) -> Void)?
    /// Spins of a worker before it sleeps (~1 ms: a few thousand plain, then yielding).
    private let spinLimit = 4_000

    /// A pool in which jobs run on `threads` threads (the caller and `threads - 1` workers).
    init(threads: Int) {
        self.threads = max(1, threads)
        for index in 1 ..< self.threads {
            let thread = Thread { [self] in work(index) }
            thread.name = "gguf-matvec-\(index)"
            thread.start()
        }
    }

    /// Runs `body(part)` for part in 0..<threads, part 0 on the calling thread; returns when all are done.
    func run(_ body: (Int) -> Void) {
        if threads == 1 { return body(0) }
        submission.lock()
        defer { submission.unlock() }
        withoutActuallyEscaping(body) { body in
            job = body
            pending.store(threads - 1, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            body(0)
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 2_000 { sched_yield() }
            }
            job = nil
        }
    }

    private func work(_ index: Int) {
        var seen = 0
        while true {
            var current = generation.load(ordering: .acquiring)
            var spins = 0
            while current == seen {
                spins += 1
                if spins < spinLimit {
                    // Busy for a few microseconds, then let other threads (the caller's) have the core.
                    if spins > 2_000 { sched_yield() }
                    current = generation.load(ordering: .acquiring)
                    continue
                }
                // Sleep. The caller bumps `generation` before reading `sleepers`, we count ourselves
                // in `sleepers` before reading `generation`: one of us sees the other.
                condition.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                current = generation.load(ordering: .sequentiallyConsistent)
                while current == seen {
                    condition.wait()
                    current = generation.load(ordering: .sequentiallyConsistent)
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                condition.unlock()
            }
            seen = current
            runJob(index)
            pending.subtract(1, ordering: .releasing)
        }
    }

    /// Calls the current job (its reference is dropped when this returns, before `pending` counts down).
    @inline(never)
    private func runJob(_ index: Int) { job?(index) }

    /// Process-wide pools by thread count (created on first use, never torn down).
    static func shared(threads: Int) -> WorkerPool {
        poolsLock.lock()
        defer { poolsLock.unlock() }
        if let pool = pools[threads] { return pool }
        let pool = WorkerPool(threads: threads)
        pools[threads] = pool
        return pool
    }
}

private let poolsLock = NSLock()
@available(macOS 15, *)
nonisolated(unsafe) private var pools: [Int: WorkerPool] = [:]
