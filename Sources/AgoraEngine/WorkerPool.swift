import AgoraCore
import Foundation
import Synchronization

/// A fixed set of worker threads that run the shards of one phase in parallel and return when all
/// are done: the phase barrier.
///
/// The calling thread works too, so a pool of `threads` runs `threads - 1` extra threads, and a
/// pool of one runs everything inline. Which thread runs which shard is left to chance; nothing a
/// shard computes may depend on it. Idle workers spin briefly (phases follow each other within
/// microseconds) and then sleep on a condition variable.
public final class WorkerPool: Sendable {
    public let threadCount: Int
    /// Threads per core a pool may have: a simulation asking for more gets `threadLimit`, which
    /// changes nothing of its results (they are the same for any thread count).
    public static let threadsPerCore = 4
    public static var threadLimit: Int { threadsPerCore * max(1, ProcessInfo.processInfo.activeProcessorCount) }
    private let state: PoolState

    public init(threads count: Int) {
        precondition(count >= 1, "a worker pool needs at least one thread")
        threadCount = count
        state = PoolState(workers: count - 1)
        for index in 1..<count {
            state.finished.enter()
            // Workers hold the state, never the pool, so the pool's deinit can stop and join them.
            let thread = Thread { [state] in
                state.workerLoop()
                state.finished.leave()
            }
            thread.name = "agora-worker-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit {
        state.stop()
        state.finished.wait()
    }

    /// Runs `body(0) … body(tasks - 1)` across the pool and returns when every call has returned.
    /// Not reentrant: one phase at a time, from one thread.
    public func run(tasks: Int, _ body: @escaping @Sendable (Int) -> Void) {
        if tasks == 0 { return }
        if threadCount == 1 || tasks == 1 {
            for i in 0..<tasks { body(i) }
            return
        }
        state.run(tasks: tasks, body)
    }
}

/// What the pool's threads share. Every worker checks in for every phase (`pending` counts
/// workers, not tasks), so no worker can still be reading one phase's job when the next phase
/// writes its own; that is what makes the unsynchronised `job` and `taskCount` safe.
private final class PoolState: @unchecked Sendable {
    let workers: Int
    let generation = Atomic<Int>(0)
    let nextTask = Atomic<Int>(0)
    let pending = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let wake = NSCondition()
    let finished = DispatchGroup()
    var taskCount = 0
    var job: (@Sendable (Int) -> Void)?

    /// Spins before a worker sleeps: tens of microseconds on current hardware.
    static let spinLimit = 20_000

    init(workers: Int) { self.workers = workers }

    func run(tasks: Int, _ body: @escaping @Sendable (Int) -> Void) {
        job = body
        taskCount = tasks
        nextTask.store(0, ordering: .relaxed)
        pending.store(workers, ordering: .relaxed)
        wake.lock()
        generation.add(1, ordering: .releasing)
        wake.broadcast()
        wake.unlock()
        drain(body)
        var spins = 0
        while pending.load(ordering: .acquiring) != 0 {
            spins += 1
            if spins > Self.spinLimit { sched_yield() }
        }
        job = nil
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        wake.lock()
        generation.add(1, ordering: .releasing)
        wake.broadcast()
        wake.unlock()
    }

    private func drain(_ body: @Sendable (Int) -> Void) {
        while true {
            let i = nextTask.add(1, ordering: .relaxed).oldValue
            if i >= taskCount { return }
            body(i)
        }
    }

    func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > Self.spinLimit {
                    wake.lock()
                    while generation.load(ordering: .acquiring) == seen { wake.wait() }
                    wake.unlock()
                }
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            if let body = job { drain(body) }
            pending.subtract(1, ordering: .releasing)
        }
    }
}
