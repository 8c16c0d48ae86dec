import AgoraCore
import AgoraEngine
import AgoraSocial

/// Information cascades on a network: a few seeds are active at tick 0 and activation spreads.
///
/// - Independent cascade: a node activated at tick t gets one chance, at tick t + 1, to activate
///   each inactive neighbour with probability `p`; a node reached by k newly active neighbours
///   activates with probability 1 − (1 − p)^k.
/// - Linear threshold: every node draws a threshold θ uniform in (0, 1] from the seed; an inactive
///   node activates once the share of its neighbours that are active reaches θ.
///
/// Newly active nodes message their neighbours (decide); receivers count and decide (propagate).
/// Random stream `CascadeModel.stream`: one draw per reached node per tick (independent cascade),
/// one per node at set-up (thresholds).
public final class CascadeModel: Model, @unchecked Sendable {
    public enum Rule: String, Sendable { case independentCascade = "independent_cascade", linearThreshold = "linear_threshold" }

    public static let stream: UInt64 = 0xCA5C_0001
    /// Event kind: a node became active; the value is the tick it was reached from (its wave).
    public static let activationEvent = EventKind(id: 3, name: "activation", columns: ["wave"])

    /// The network: whole, or spread over processes the rows of this process's agents.
    public private(set) var graph: CSRGraph
    public let rule: Rule
    public let probability: Probability
    public let random: RandomStream
    /// The tick each node became active (−1: inactive).
    public let activatedAt: Column<Int32>
    /// Active neighbours counted so far (linear threshold) or this tick's exposures.
    let reached: Column<UInt32>
    /// Linear-threshold thresholds as 32-bit fractions.
    private let threshold: Column<UInt32>
    public internal(set) var active = 0
    public internal(set) var lastWave = 0

    public var agentCount: Int { graph.nodeCount }

    public init(graph: CSRGraph, rule: Rule, probability: Double, seeds: [Int], seed: UInt64) {
        self.graph = graph
        self.rule = rule
        self.probability = Probability(probability)
        random = RandomStream(seed: seed, stream: Self.stream)
        // A graph of some rows (a process's agents in a spread run): the columns are theirs only.
        activatedAt = Column(window: graph.rows, repeating: -1)
        reached = Column(window: graph.rows, repeating: 0)
        threshold = Column(window: graph.rows, repeating: 0)
        for v in seeds {
            precondition(v >= 0 && v < graph.nodeCount, "seed node \(v) is not in the graph")
            if graph.rows.contains(v) { activatedAt[v] = 0 }
        }
        active = Set(seeds).count
        let setup = random.tick(-1)
        for v in graph.rows {
            var r = setup.agent(v)
            threshold[v] = UInt32(truncatingIfNeeded: r.next() >> 32) | 1
        }
    }

    public var phases: Phases { [.decide, .propagate, .record] }
    public var metricNames: [String] { ["active", "new"] }
    public var counterCount: Int { 2 }
    public var eventKinds: [EventKind] { [Self.activationEvent] }
    public var stateBytes: Int { activatedAt.byteCount + reached.byteCount + threshold.byteCount + graph.byteCount }

    /// Nodes activated at tick t − 1 (the seeds count as activated "at tick 0" and spread at tick 0).
    @inline(__always) func spreading(_ v: Int, tick: Int) -> Bool {
        let a = activatedAt.pointer[v]
        return a >= 0 && (tick == 0 ? a == 0 : a == Int32(tick))
    }

    public func decide(_ ctx: ShardContext, outbox: Outbox<NoPayload>) {
        for v in ctx.agents where spreading(v, tick: ctx.tick) {
            for u in graph.neighbors(v) { outbox.send(to: Int(u), NoPayload()) }
        }
    }

    public func propagate(_ ctx: ShardContext, inbox: Inbox<NoPayload>) {
        let a = activatedAt.pointer, x = reached.pointer, th = threshold.pointer
        var touched: [Int] = []
        for segment in inbox.segments {
            for env in segment {
                let v = Int(env.to)
                if a[v] >= 0 { continue }
                touched.append(v)
                x[v] &+= 1
            }
        }
        let draws = random.tick(ctx.tick)
        let next = Int32(ctx.tick + 1)
        let p = probability
        // Each reached node once, in node order, so that the result is the same however the
        // messages were split.
        touched.sort()
        var previous = -1
        for v in touched where v != previous {
            previous = v
            guard a[v] < 0 else { continue }
            switch rule {
            case .independentCascade:
                let k = Int(x[v])
                x[v] = 0
                var r = draws.agent(v)
                var escape = 1.0
                for _ in 0..<min(k, 1_024) { escape *= 1 - p.value }
                if p.isCertain || r.next() < Probability(1 - escape).threshold { a[v] = next }
            case .linearThreshold:
                let degree = UInt64(graph.degree(v))
                // Active share ≥ θ  ⇔  count · 2^32 ≥ θ · degree.
                if UInt64(x[v]) << 32 >= UInt64(th[v]) * degree { a[v] = next }
            }
        }
    }

    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        let a = activatedAt.pointer
        let next = Int32(ctx.tick + 1)
        var total: Int64 = 0, new: Int64 = 0
        for v in ctx.agents where a[v] >= 0 {
            total += 1
            if a[v] == next {
                new += 1
                recorder.record(kind: 3, agent: v, Int64(ctx.tick))
            }
        }
        recorder.counters[0] += total
        recorder.counters[1] += new
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        active = Int(counters[0])
        if counters[1] > 0 { lastWave = tick + 1 }
        return [Double(counters[0]), Double(counters[1])]
    }

    public func summary() -> [(name: String, value: Double)] {
        [("cascade_size", Double(active)), ("share", Double(active) / Double(max(1, agentCount))), ("last_wave", Double(lastWave))]
    }
}

extension CascadeModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        w.write(activatedAt)
        w.write(reached)
        w.write(active)
        w.write(lastWave)
    }

    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        try r.read(into: activatedAt)
        try r.read(into: reached)
        active = try r.int()
        lastWave = try r.int()
    }
}

/// Activation travels in messages and the figures in counters: nothing else to share, and a
/// process keeps the network rows of its own agents only (and, built for its place, their columns).
extension CascadeModel: DistributedModel {
    public func join(_ processes: any ProcessGroup, agents: Range<Int>) {
        if graph.rows != agents { graph = graph.restricted(to: agents) }
    }

    public var partitionedBytes: Int { activatedAt.count < agentCount ? stateBytes : graph.byteCount }
}
