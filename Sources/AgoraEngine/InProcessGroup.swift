import Foundation

/// Processes as threads: `size` ranks in this one process, exchanging their bytes through memory.
///
/// A run spread over MPI processes must give the same digest as one process; with this group that
/// is a unit test, without mpirun. Each rank runs on a thread of its own, builds its model with
/// its placement and steps its `Simulation` with its group, exactly as `agora run` does under
/// mpirun — only `exchange` differs, which here hands each rank's buffers to the others at a
/// barrier. Outside models use it the same way (`InProcessGroup.run(ranks:)`).
public final class InProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    private let hub: Hub

    private init(rank: Int, hub: Hub) {
        self.rank = rank
        self.hub = hub
    }

    public var size: Int { hub.size }

    /// Every rank deposits its outgoing buffers; once all have, each takes what was sent to it.
    public func exchange(_ outgoing: [[UInt8]]) -> [[UInt8]] {
        precondition(outgoing.count == size, "one buffer per rank")
        let all = hub.meet(rank, outgoing)
        return all.map { $0[rank] }
    }

    /// Runs `body` once per rank, each on a thread of its own with its group, and returns the
    /// results in rank order (rethrowing the first error, by rank).
    public static func run<T: Sendable>(ranks: Int, _ body: @escaping @Sendable (InProcessGroup) throws -> T) throws -> [T] {
        precondition(ranks >= 1, "at least one rank")
        let hub = Hub(size: ranks)
        let results = Results<T>(count: ranks)
        let done = DispatchGroup()
        for r in 0..<ranks {
            done.enter()
            let group = InProcessGroup(rank: r, hub: hub)
            let thread = Thread {
                results.set(r, Result { try body(group) })
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return try results.all.map { try $0.get() }
    }

    /// The meeting point of the ranks: a barrier that also passes each rank's buffers.
    private final class Hub: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var deposited: [[[UInt8]]]
        private var arrived = 0
        private var round = 0
        private var last: [[[UInt8]]] = []

        init(size: Int) {
            self.size = size
            deposited = Array(repeating: [], count: size)
        }

        /// Deposits `outgoing` for `rank` and waits for every rank's; returns them all, by rank.
        func meet(_ rank: Int, _ outgoing: [[UInt8]]) -> [[[UInt8]]] {
            condition.lock()
            defer { condition.unlock() }
            let mine = round
            deposited[rank] = outgoing
            arrived += 1
            if arrived == size {
                last = deposited
                deposited = Array(repeating: [], count: size)
                arrived = 0
                round += 1
                condition.broadcast()
            } else {
                while round == mine { condition.wait() }
            }
            // `last` is replaced only when every rank has met again, which this one has not.
            return last
        }
    }

    private final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<T, any Error>?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ r: Result<T, any Error>) { lock.withLock { slots[i] = r } }
        var all: [Result<T, any Error>] { lock.withLock { slots.map { $0! } } }
    }
}
