import AgoraCore

/// The processes one simulation's shards are spread over, and the one collective operation the
/// engine needs between them. The engine stays free of MPI: `AgoraDistributed.MPIWorld` is the
/// implementation a run under `mpirun` passes in.
///
/// Every process calls `exchange` at the same points of a tick, in the same order. A failure of the
/// transport (a process died, a peer cannot be reached) does not return: the implementation says
/// which process failed and stops them all, because a simulation missing one of its processes
/// cannot go on.
public protocol ProcessGroup: AnyObject, Sendable {
    /// This process's index, 0 ..< size.
    var rank: Int { get }
    var size: Int { get }
    /// Sends `outgoing[d]` to process d and returns what every process sent here, `incoming[s]`
    /// from process s, whatever the sizes.
    func exchange(_ outgoing: [[UInt8]]) -> [[UInt8]]
}

extension ProcessGroup {
    /// Every process contributes `bytes` and gets every process's, in process order.
    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        exchange(Array(repeating: bytes, count: size))
    }

    /// Process 0's `bytes` on every process (the others pass anything; it is not sent).
    public func fromProcessZero(_ bytes: [UInt8]) -> [UInt8] {
        exchange(rank == 0 ? Array(repeating: bytes, count: size) : Array(repeating: [], count: size))[0]
    }

    /// The shards process `rank` hosts: a contiguous block, so that "processes in order" is
    /// "shards in order" is "agents in order".
    public func shards(of rank: Int, shardCount: Int) -> Range<Int> {
        ShardLayout.shards(ofProcess: rank, processes: size, shardCount: shardCount)
    }
}

/// The points in a tick where a distributed model's processes share what their shards wrote.
public enum SyncPoint: Int, Sendable, CaseIterable {
    case afterObserve, afterDecide, afterSubmit, afterPropagate, afterRecord
    /// Once, before the run's summary is asked for.
    case beforeSummary
}

/// A model that can run with its shards spread over several processes.
///
/// Every process builds the model from the scenario and runs the serial hooks (`match`,
/// `recordSerial`, `endTick`, `summary`) on the same inputs, so their state stays identical
/// everywhere; each process runs the parallel phases for its own shards only. Messages cross
/// processes in the engine, in the canonical order. What else a parallel phase writes and another
/// process reads before it is written again — orders queued for the exchange, the state of agents
/// a serial hook looks at — the model names here: at each of its `syncPoints`, every process
/// writes what its shards produced with `share`, and reads every other process's with `absorb`.
///
/// A model whose every cross-agent effect goes through messages has no sync points.
public protocol DistributedModel: Model {
    /// Called once, before `prepare`, when the run is spread over processes: the processes, for a
    /// serial hook that shares work out among them (the market's books, each run by one process)
    /// and must then exchange the results itself — every process calling `exchange` at the same
    /// point of the same hook; and `agents`, those this process hosts, so that the model can let
    /// go of what only the others need (the network rows of their agents).
    func join(_ processes: any ProcessGroup, agents: Range<Int>)
    /// Of `stateBytes`, those held for some agents only (this process's: their network rows and
    /// columns): the part of the state that shrinks as processes are added, the rest being held
    /// by every process.
    var partitionedBytes: Int { get }
    /// Of `partitionedBytes`, those split by a key with only `parts` values rather than by agent,
    /// so that no more than `parts` processes share them (the market's accounts, kept by the
    /// owner of the book that settles them: one part per instrument). Nil: none.
    var coarseSplit: (bytes: Int, parts: Int)? { get }
    var syncPoints: [SyncPoint] { get }
    /// Writes what the shards `shards` (agents `agents`) of this process produced up to `point`.
    func share(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, into writer: inout StateWriter)
    /// Reads what another process's shards produced, as its `share` wrote it.
    func absorb(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, from reader: inout StateReader) throws(StateReader.Failure)
}

extension DistributedModel {
    public func join(_ processes: any ProcessGroup, agents: Range<Int>) {}
    public var partitionedBytes: Int { 0 }
    public var coarseSplit: (bytes: Int, parts: Int)? { nil }
    public var syncPoints: [SyncPoint] { [] }
    public func share(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, into writer: inout StateWriter) {}
    public func absorb(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, from reader: inout StateReader)
        throws(StateReader.Failure) {}
}

/// What the processes of a distributed run sent each other, for `agora bench distributed` and the
/// run's manifest.
public struct TransportStats: Sendable {
    /// Bytes this process sent to other processes.
    public var bytesSent = 0
    /// Collective calls made.
    public var exchanges = 0
    /// Seconds spent inside them: moving bytes, and waiting for the slowest process.
    public var seconds = 0.0

    public init() {}
}
