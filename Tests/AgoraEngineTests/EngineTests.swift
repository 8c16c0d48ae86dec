import AgoraCore
@testable import AgoraEngine
import Synchronization
import Testing

@Suite struct ShardLayoutTests {
    @Test func rangesPartitionTheAgentsAndShardOfAgrees() {
        for n in [0, 1, 2, 5, 17, 100, 1000, 4099] {
            for s in [1, 2, 3, 4, 7, 8, 64] {
                let layout = ShardLayout(agentCount: n, shardCount: s)
                var next = 0
                for shard in 0..<s {
                    let r = layout.range(of: shard)
                    #expect(r.lowerBound == next, "n=\(n) s=\(s) shard=\(shard)")
                    next = r.upperBound
                    for a in r { #expect(layout.shard(of: a) == shard, "n=\(n) s=\(s) agent=\(a)") }
                }
                #expect(next == n)
            }
        }
    }

    @Test func shardOfIsExactNearThe32BitLimit() {
        let layout = ShardLayout(agentCount: ShardLayout.maxAgents, shardCount: 7)
        for shard in 0..<7 {
            let r = layout.range(of: shard)
            for a in [r.lowerBound, r.lowerBound + 1, r.upperBound - 1] {
                #expect(layout.shard(of: a) == shard)
            }
        }
    }
}

@Suite struct WorkerPoolTests {
    @Test(arguments: [1, 2, 3, 4])
    func everyTaskRunsExactlyOncePerPhase(threads: Int) {
        let pool = WorkerPool(threads: threads)
        final class Counts: Sendable {
            let slots = Mutex([Int](repeating: 0, count: 37))
        }
        let counts = Counts()
        for _ in 0..<300 {
            pool.run(tasks: 37) { i in counts.slots.withLock { $0[i] += 1 } }
        }
        #expect(counts.slots.withLock { $0 } == [Int](repeating: 300, count: 37))
    }

    @Test func poolsStartAndStopCleanly() {
        // Each pool's deinit stops and joins its threads; a leak or a hang here fails the run.
        final class Total: Sendable { let value = Mutex(0) }
        let total = Total()
        for _ in 0..<50 {
            let pool = WorkerPool(threads: 3)
            pool.run(tasks: 6) { _ in total.value.withLock { $0 += 1 } }
        }
        #expect(total.value.withLock { $0 } == 300)
    }

    @Test func phasesAreBarriers() {
        // Each phase reads what every task of the previous phase wrote.
        let pool = WorkerPool(threads: 3)
        final class Board: @unchecked Sendable { var cells = [Int](repeating: 0, count: 16) }
        let board = Board()
        for round in 1...200 {
            pool.run(tasks: 16) { i in board.cells[i] = round }
            final class Seen: Sendable { let count = Mutex(0) }
            let seen = Seen()
            pool.run(tasks: 16) { _ in
                if board.cells.allSatisfy({ $0 == round }) { seen.count.withLock { $0 += 1 } }
            }
            #expect(seen.count.withLock { $0 } == 16)
        }
    }
}

/// A model that exercises message routing: every agent sends two messages to pseudo-random agents,
/// tagged with (sender, index); receivers fold what they get, in arrival order, into a running hash.
/// Any change in delivery order changes the hash.
final class GossipModel: Model, @unchecked Sendable {
    struct Note: BitwiseCopyable { var from: UInt32; var index: UInt32 }
    typealias Message = Note

    let agentCount: Int
    let random: RandomStream
    let inboxHash: Column<UInt64>
    let received: Column<UInt32>

    init(agents: Int, seed: UInt64) {
        agentCount = agents
        random = RandomStream(seed: seed, stream: 77)
        inboxHash = Column(count: agents, repeating: 0)
        received = Column(count: agents, repeating: 0)
    }

    var phases: Phases { [.decide, .propagate, .record] }
    var counterCount: Int { 1 }
    var metricNames: [String] { ["messages"] }
    var eventKinds: [EventKind] { [EventKind(id: 1, name: "inbox", columns: ["hash", "received"])] }

    func decide(_ ctx: ShardContext, outbox: Outbox<Note>) {
        let draws = random.tick(ctx.tick)
        for i in ctx.agents {
            var r = draws.agent(i)
            for k in 0..<2 { outbox.send(to: r.index(below: agentCount), Note(from: UInt32(i), index: UInt32(k))) }
        }
    }

    func propagate(_ ctx: ShardContext, inbox: Inbox<Note>) {
        inbox.forEach { e in
            let to = Int(e.to)
            precondition(ctx.agents.contains(to), "a message was delivered to the wrong shard")
            inboxHash[to] = mix64(inboxHash[to] ^ (UInt64(e.message.from) << 32 | UInt64(e.message.index)))
            received[to] += 1
        }
    }

    func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        for i in ctx.agents {
            recorder.record(kind: 1, agent: i, Int64(bitPattern: inboxHash[i]), Int64(received[i]))
            recorder.counters[0] += Int64(received[i])
        }
    }

    func endTick(_ tick: Tick, counters: [Int64]) -> [Double] { [Double(counters[0])] }
}

@Suite struct SimulationTests {
    static func run(shards: Int, threads: Int, agents: Int = 1_001, ticks: Int = 12) -> (String, [UInt64], Int) {
        let model = GossipModel(agents: agents, seed: 5)
        let sim = Simulation(model: model, shards: shards, threads: threads)
        sim.run(ticks: ticks)
        return (sim.digest.hex, model.inboxHash.toArray(), sim.messageCount)
    }

    @Test func deliveryOrderAndDigestDoNotDependOnShardsOrThreads() {
        let reference = Self.run(shards: 1, threads: 1)
        #expect(reference.2 == 1_001 * 2 * 12)
        for shards in [2, 3, 8, 13] {
            for threads in [1, 2, 4] {
                let other = Self.run(shards: shards, threads: threads)
                #expect(other.0 == reference.0, "shards \(shards), threads \(threads)")
                #expect(other.1 == reference.1, "shards \(shards), threads \(threads)")
            }
        }
    }

    @Test func moreShardsThanAgentsStillWork() {
        let few = Self.run(shards: 1, threads: 1, agents: 5, ticks: 4)
        let many = Self.run(shards: 9, threads: 2, agents: 5, ticks: 4)
        #expect(few.0 == many.0)
        #expect(few.1 == many.1)
    }

    @Test func aDifferentSeedGivesADifferentDigest() {
        let a = Simulation(model: GossipModel(agents: 100, seed: 1), shards: 2, threads: 2)
        let b = Simulation(model: GossipModel(agents: 100, seed: 2), shards: 2, threads: 2)
        a.run(ticks: 3)
        b.run(ticks: 3)
        #expect(a.digest != b.digest)
    }

    @Test func countersAreSummedAcrossShardsAndMetricsReturned() {
        let sim = Simulation(model: GossipModel(agents: 300, seed: 1), shards: 4, threads: 2)
        let r = sim.step()
        #expect(r.tick == 0)
        #expect(r.metrics == [600])
        #expect(r.events.count == 300)
        #expect(sim.tick == 1)
    }

    @Test func paddedStructsKeepTheirSize() {
        #expect(MemoryLayout<Envelope<NoPayload>>.stride == 4)
        #expect(MemoryLayout<Envelope<GossipModel.Note>>.stride == 12)
        #expect(MemoryLayout<MessageBuffer<Envelope<NoPayload>>>.stride == 128)
    }
}
