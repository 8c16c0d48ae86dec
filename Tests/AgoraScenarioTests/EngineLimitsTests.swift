import AgoraEngine
import AgoraModels
@testable import AgoraScenario
import Foundation
import Testing

/// Thread and shard counts a machine cannot serve are held to what it can, without changing results.
@Suite struct EngineLimitsTests {
    @Test func aPoolHasAtMostOneThreadPerShardAndAFewPerCore() {
        let sim = Simulation(model: BoltzmannModel(agents: 1_000, seed: 2), shards: 3, threads: 1_000)
        #expect(sim.pool.threadCount == min(3, WorkerPool.threadLimit))
        #expect(sim.notes.contains { $0.hasPrefix("threads: 1000 asked, \(sim.pool.threadCount) used") })
        sim.run(ticks: 20)
        let reference = Simulation(model: BoltzmannModel(agents: 1_000, seed: 2), shards: 3, threads: 1)
        reference.run(ticks: 20)
        #expect(sim.digest.hex == reference.digest.hex, "the same run")
        #expect(reference.notes.isEmpty, "nothing to say when the pool has what was asked")
    }

    @Test func moreShardsThanAgentsAreHeldAtOnePerAgent() {
        #expect(World.shardCount(agents: 10, fixed: 500, threads: 2) == 10)
        #expect(World.shardCount(agents: 10_000, fixed: 500, threads: 2) == 500)
        let placement = World.Placement(rank: 0, processes: 2, threads: 1)
        #expect(placement.shardCount(agents: 10, fixed: 500) == 10)
        #expect(placement.shardCount(agents: 1, fixed: 500) == nil, "one shard cannot be spread over two processes")
    }
}
