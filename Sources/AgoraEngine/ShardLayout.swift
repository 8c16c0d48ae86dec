import AgoraCore

/// How a population of agents is split into shards: shard `s` owns the contiguous agents
/// `s·B ..< (s+1)·B` (clamped to the population), with `B = ⌈agents / shards⌉`.
///
/// Contiguous slices keep every shard's columns dense, and make "all shards in order" equal to
/// "all agents in order", which is what lets a merge be independent of the shard count.
public struct ShardLayout: Sendable, Hashable {
    public let agentCount: Int
    public let shardCount: Int
    public let blockSize: Int
    /// ⌈2^64 / blockSize⌉, for division by multiply-high (exact for agent ids below 2^32).
    @usableFromInline let reciprocal: UInt64

    /// Agent ids are 32-bit inside the engine.
    public static let maxAgents = Int(UInt32.max)

    public init(agentCount: Int, shardCount: Int) {
        precondition(shardCount > 0, "a layout needs at least one shard")
        precondition(agentCount >= 0 && agentCount <= Self.maxAgents,
                     "agent count \(agentCount) outside 0...\(Self.maxAgents)")
        self.agentCount = agentCount
        self.shardCount = shardCount
        blockSize = max(1, (agentCount + shardCount - 1) / shardCount)
        reciprocal = blockSize == 1 ? 0 : UInt64.max / UInt64(blockSize) &+ 1
    }

    /// The agents owned by `shard`.
    @inlinable public func range(of shard: Int) -> Range<Int> {
        let lower = min(shard * blockSize, agentCount)
        return lower ..< min(lower + blockSize, agentCount)
    }

    /// The shards process `rank` of `processes` hosts when a run is spread over processes: a
    /// contiguous block, so that "processes in order" is "shards in order" is "agents in order".
    public static func shards(ofProcess rank: Int, processes: Int, shardCount: Int) -> Range<Int> {
        (rank * shardCount / processes) ..< ((rank + 1) * shardCount / processes)
    }

    /// The agents process `rank` of `processes` hosts: those of its shards.
    public func agents(ofProcess rank: Int, processes: Int) -> Range<Int> {
        let shards = Self.shards(ofProcess: rank, processes: processes, shardCount: shardCount)
        guard !shards.isEmpty else { return agentCount ..< agentCount }
        return range(of: shards.lowerBound).lowerBound ..< range(of: shards.upperBound - 1).upperBound
    }

    /// The shard that owns `agent`. - Complexity: O(1), one multiply.
    @inlinable @inline(__always)
    public func shard(of agent: Int) -> Int {
        if blockSize == 1 { return agent }
        return Int(truncatingIfNeeded: reciprocal.multipliedFullWidth(by: UInt64(truncatingIfNeeded: agent)).high)
    }
}
