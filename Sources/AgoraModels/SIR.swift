import AgoraCore
import AgoraEngine
import AgoraSocial

/// An SIR epidemic on a network, as in the shared workloads.
///
/// Each tick, with states as they were at its start: every infected node sends an exposure to each
/// neighbour; a susceptible node with k exposures becomes infected with probability
/// 1 − (1 − transmission)^k; an infected node recovers with probability `recovery`. A node
/// infected in a tick does not recover in that tick.
///
/// Phases: decide (exposures), propagate (infection and recovery), record (one event per state
/// change, S/I/R counters). Random stream: `SIRModel.stream`, at most one draw per node per tick.
public final class SIRModel: Model, @unchecked Sendable {
    public typealias Message = NoPayload

    public enum State: UInt8 { case susceptible = 0, infected = 1, recovered = 2 }

    public static let stream: UInt64 = 0x5142_0001
    /// Event kind: a node changed state; the value is the new state (1 infected, 2 recovered).
    public static let transitionEvent = EventKind(id: 2, name: "transition", columns: ["state"])
        .labelled("state", ["susceptible", "infected", "recovered"])

    /// The network: whole, or spread over processes the rows of this process's agents.
    public private(set) var graph: CSRGraph
    public let transmission: Probability
    public let recovery: Probability
    public let random: RandomStream
    public let state: Column<UInt8>
    /// The tick of each node's last state change (−1: never).
    public let changed: Column<Int32>
    /// Exposures received this tick; each shard zeroes its own nodes after use.
    private let exposures: Column<UInt16>
    /// `infect[k]`: the threshold of 1 − (1 − transmission)^k, for k up to `infect.count − 1`.
    private let infect: [UInt64]
    public internal(set) var peakInfected = 0
    public internal(set) var peakTick = 0
    var last: [Double] = [0, 0, 0]

    public var agentCount: Int { graph.nodeCount }

    public init(graph: CSRGraph, initialInfected: [Int], transmission: Double, recovery: Double, seed: UInt64) {
        precondition(graph.nodeCount <= Int(Int32.max), "too many nodes for the SIR model")
        self.graph = graph
        self.transmission = Probability(transmission)
        self.recovery = Probability(recovery)
        random = RandomStream(seed: seed, stream: Self.stream)
        // A graph of some rows (a process's agents in a spread run): the columns are theirs only.
        state = Column(window: graph.rows, repeating: State.susceptible.rawValue)
        changed = Column(window: graph.rows, repeating: -1)
        exposures = Column(window: graph.rows, repeating: 0)
        for v in initialInfected {
            precondition(v >= 0 && v < graph.nodeCount, "initial infected node \(v) is not in the graph")
            if graph.rows.contains(v) { state[v] = State.infected.rawValue }
        }
        // Repeated multiplication is exact IEEE arithmetic: the same table on every machine.
        var table: [UInt64] = []
        var escape = 1.0
        for _ in 0...1024 {
            table.append(Probability(1 - escape).threshold)
            escape *= 1 - transmission
        }
        infect = table
        peakInfected = Set(initialInfected).count
    }

    public var phases: Phases { [.decide, .propagate, .record] }
    public var metricNames: [String] { ["S", "I", "R"] }
    public var counterCount: Int { 3 }
    public var eventKinds: [EventKind] { [Self.transitionEvent] }
    public var stateBytes: Int { state.byteCount + changed.byteCount + exposures.byteCount + graph.byteCount }

    public func decide(_ ctx: ShardContext, outbox: Outbox<NoPayload>) {
        let s = state.pointer
        for i in ctx.agents where s[i] == State.infected.rawValue {
            for u in graph.neighbors(i) { outbox.send(to: Int(u), NoPayload()) }
        }
    }

    public func propagate(_ ctx: ShardContext, inbox: Inbox<NoPayload>) {
        let x = exposures.pointer
        for segment in inbox.segments {
            for envelope in segment {
                let v = Int(envelope.to)
                if x[v] != .max { x[v] &+= 1 }
            }
        }
        let s = state.pointer
        let c = changed.pointer
        let draws = random.tick(ctx.tick)
        let tick = Int32(ctx.tick)
        let kMax = infect.count - 1
        let recover = recovery.threshold
        infect.withUnsafeBufferPointer { table in
            for i in ctx.agents {
                switch s[i] {
                case State.susceptible.rawValue:
                    let k = Int(x[i])
                    if k == 0 { continue }
                    x[i] = 0
                    var rng = draws.agent(i)
                    if rng.next() < table[min(k, kMax)] {
                        s[i] = State.infected.rawValue
                        c[i] = tick
                    }
                case State.infected.rawValue:
                    x[i] = 0
                    var rng = draws.agent(i)
                    if rng.next() < recover {
                        s[i] = State.recovered.rawValue
                        c[i] = tick
                    }
                default:
                    x[i] = 0
                }
            }
        }
    }

    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        let s = state.pointer
        let c = changed.pointer
        let tick = Int32(ctx.tick)
        var counts: (Int64, Int64, Int64) = (0, 0, 0)
        for i in ctx.agents {
            let v = s[i]
            switch v {
            case 0: counts.0 &+= 1
            case 1: counts.1 &+= 1
            default: counts.2 &+= 1
            }
            if c[i] == tick { recorder.record(kind: 2, agent: i, Int64(v)) }
        }
        recorder.counters[0] &+= counts.0
        recorder.counters[1] &+= counts.1
        recorder.counters[2] &+= counts.2
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        precondition(counters[0] + counters[1] + counters[2] == Int64(agentCount), "S + I + R must equal the population")
        if Int(counters[1]) > peakInfected {
            peakInfected = Int(counters[1])
            peakTick = tick
        }
        last = counters.map(Double.init)
        return last
    }

    public func summary() -> [(name: String, value: Double)] {
        [("S", last[0]), ("I", last[1]), ("R", last[2]),
         ("peak_infected", Double(peakInfected)), ("peak_tick", Double(peakTick))]
    }
}

extension SIRModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        w.write(state)
        w.write(changed)
        w.write(peakInfected)
        w.write(peakTick)
        for v in last { w.write(v) }
    }

    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        try r.read(into: state)
        try r.read(into: changed)
        peakInfected = try r.int()
        peakTick = try r.int()
        last = [try r.double(), try r.double(), try r.double()]
    }
}

/// Infection travels in messages and the figures in counters: nothing else to share, and a
/// process keeps the network rows of its own agents only (and, built for its place, their columns).
extension SIRModel: DistributedModel {
    public func join(_ processes: any ProcessGroup, agents: Range<Int>) {
        if graph.rows != agents { graph = graph.restricted(to: agents) }
    }

    public var partitionedBytes: Int { state.count < agentCount ? stateBytes : graph.byteCount }
}
