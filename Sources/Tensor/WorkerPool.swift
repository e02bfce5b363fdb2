// A small persistent thread pool for the matrix-vector products of decoding: one token needs ~100-200 of them, each a
// few to a few hundred microseconds, so starting threads (or waking sleeping ones) per call costs
// too much. A job is `chunks` independent pieces; the caller and the workers claim pieces from a
// shared counter until none are left, so a worker the OS has not scheduled (a busy machine) holds
// nothing up: the caller then does all the pieces itself. Which thread runs a piece never changes
// its result. Idle workers spin on a generation counter for 0.1 ms (longer than the gaps between
// the products of one token), then spin yielding the core until 1 ms, then sleep on a condition.
// Spinning is what makes small products (~10 us) worth splitting on an idle machine; on a machine
// busy with other work it takes CPU from the caller, and one thread can be faster.
// Jobs are serialized (one at a time per pool); a job submitted from inside a job's piece (a
// kernel that splits its work, called from another that does) runs its pieces right there, in
// order, instead of waiting for a pool that is busy with its caller.

import Foundation
import Synchronization

public final class WorkerPool: @unchecked Sendable {
    /// Threads that run a job, the caller included.
    public let threads: Int
    /// Bumped to announce a job.
    private let generation = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// Keeps the counters below off the cache line that idle workers spin on.
    private let padding = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Whether the current job still takes helpers (the caller closes it when all pieces are claimed).
    private let open = Atomic<Bool>(false)
    /// Workers inside the current job.
    private let active = Atomic<Int>(0)
    /// The next unclaimed piece.
    private let next = Atomic<Int>(0)
    private let condition = NSCondition()
    private let submission = NSLock()
    /// The current job and its number of pieces (published by the release store of `open`).
    private var job: ((Int) -> Void)?
    private var chunks = 0
    /// How long an idle worker spins (the gaps between the products of one token are shorter),
    /// then spins yielding the core, before it sleeps.
    private let spinNanoseconds: UInt64 = 100_000
    private let yieldNanoseconds: UInt64 = 1_000_000

    /// A pool in which jobs run on `threads` threads (the caller and `threads - 1` workers).
    init(threads: Int) {
        self.threads = max(1, threads)
        for index in 1 ..< self.threads {
            let thread = Thread { [self] in work() }
            thread.name = "pipe-worker-\(index)"
            thread.start()
        }
    }

    /// Runs `body(piece)` for every piece in 0..<chunks, on the caller and the workers; returns
    /// when all are done.
    public func run(chunks: Int, _ body: (Int) -> Void) {
        if threads == 1 || chunks <= 1 || pthread_getspecific(insideJob) != nil {
            for piece in 0 ..< chunks { body(piece) }
            return
        }
        submission.lock()
        defer { submission.unlock() }
        withoutActuallyEscaping(body) { body in
            job = body
            self.chunks = chunks
            next.store(0, ordering: .relaxed)
            open.store(true, ordering: .releasing)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            pthread_setspecific(insideJob, insideJobMarker)
            drain(body, chunks)
            pthread_setspecific(insideJob, nil)
            // A worker counts itself in `active` before it checks `open`: it either sees the job
            // closed or is waited for here.
            open.store(false, ordering: .sequentiallyConsistent)
            var spins = 0
            while active.load(ordering: .sequentiallyConsistent) > 0 {
                spins += 1
                if spins > 2_000 { sched_yield() }
            }
            job = nil
        }
    }

    /// Claims and runs pieces until none are left.
    @inline(__always)
    private func drain(_ body: (Int) -> Void, _ chunks: Int) {
        while true {
            let piece = next.add(1, ordering: .relaxed).oldValue
            if piece >= chunks { return }
            body(piece)
        }
    }

    private func work() {
        pthread_setspecific(insideJob, insideJobMarker)
        var seen = 0
        while true {
            var current = generation.load(ordering: .acquiring)
            var spins = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var waited: UInt64 = 0
            while current == seen {
                spins += 1
                if spins % 128 == 0 { waited = DispatchTime.now().uptimeNanoseconds &- start }
                if waited < spinNanoseconds {
                    current = generation.load(ordering: .acquiring)
                    continue
                }
                if waited < yieldNanoseconds {
                    // Still ready for the next job, but let other threads have the core.
                    sched_yield()
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
            active.add(1, ordering: .sequentiallyConsistent)
            if open.load(ordering: .sequentiallyConsistent) { help() }
            active.subtract(1, ordering: .releasing)
        }
    }

    /// Runs pieces of the current job (its reference is dropped when this returns, before the
    /// worker leaves `active`).
    @inline(never)
    private func help() {
        guard let job else { return }
        drain(job, chunks)
    }

    /// Process-wide pools by thread count (created on first use, never torn down).
    public static func shared(threads: Int) -> WorkerPool {
        poolsLock.lock()
        defer { poolsLock.unlock() }
        if let pool = pools[threads] { return pool }
        let pool = WorkerPool(threads: threads)
        pools[threads] = pool
        return pool
    }
}

private let poolsLock = NSLock()

/// Set (to `insideJobMarker`) on a thread while it runs pieces of a job: worker threads always,
/// a caller while it helps with its own job.
private let insideJob: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()
nonisolated(unsafe) private let insideJobMarker = UnsafeMutableRawPointer(bitPattern: 1)
nonisolated(unsafe) private var pools: [Int: WorkerPool] = [:]
