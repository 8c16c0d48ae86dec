import AgoraCore
import AgoraEngine

/// The Boltzmann wealth model (no space), as in the shared workloads.
///
/// Every agent starts with `initialWealth` units. Each tick is synchronous: the givers are the
/// agents with wealth above zero at the start of the tick; each gives one unit to an agent drawn
/// uniformly from the N − 1 others (`j = draw mod (N − 1)`, then `j += 1` if `j >= i`), and all
/// transfers land together. Total wealth never changes; inequality (Gini) rises from 0 toward
/// about 0.5.
///
/// Phases: decide (givers pay and send a unit), propagate (receivers collect), record (a state
/// event per agent, wealth counters). Random stream: `BoltzmannModel.stream`, one draw per giver.
public final class BoltzmannModel: Model, @unchecked Sendable {
    public typealias Message = NoPayload

    /// The random stream the giving draws come from.
    public static let stream: UInt64 = 0xB017_2A77

    /// Event kind recorded each tick for each agent: its wealth. Logged for 1% of agents by default.
    public static let wealthEvent = EventKind(id: 1, name: "wealth", columns: ["wealth"], defaultSample: 0.01)

    public let agentCount: Int
    public let initialWealth: Int32
    /// Whether the record phase hashes every agent's wealth into the digest each tick. Benchmarks
    /// that compare with systems that record nothing turn it off; the final state is hashed anyway.
    public let recordState: Bool
    /// Measure the Gini coefficient every this many ticks (0: never): an exact pass over every
    /// agent's wealth in the record phase, into a histogram of `giniBins` counters.
    public let giniEvery: Int
    /// Wealth values the per-tick histogram tells apart (0 … giniBins − 2; the last counts the
    /// rest): 64 per unit of initial wealth, at most 4,096. A tick on which some agent holds more
    /// has no exact Gini, and its `gini` is left empty.
    let giniBins: Int
    public let random: RandomStream
    /// Wealth per agent.
    public let wealth: Column<Int32>
    /// Per shard: the receivers chosen in decide, before they are sent.
    private var scratch: [Column<UInt32>] = []

    public init(agents: Int, initialWealth: Int = 1, seed: UInt64, recordState: Bool = true, giniEvery: Int = 0) {
        precondition(agents >= 2, "the Boltzmann model needs at least two agents")
        precondition(initialWealth >= 0 && agents.multipliedReportingOverflow(by: initialWealth).partialValue <= Int(Int32.max),
                     "total wealth must fit in 32 bits")
        agentCount = agents
        self.initialWealth = Int32(initialWealth)
        self.recordState = recordState
        precondition(giniEvery >= 0, "gini_every is a number of ticks, 0 for never")
        self.giniEvery = giniEvery
        giniBins = giniEvery > 0 ? min(4_096, 64 * max(1, initialWealth)) : 0
        random = RandomStream(seed: seed, stream: Self.stream)
        wealth = Column(count: agents, repeating: Int32(initialWealth))
    }

    public var phases: Phases { [.decide, .propagate, .record] }
    public var metricNames: [String] { ["zero_share", "total_wealth"] + (giniEvery > 0 ? ["gini"] : []) }
    public var counterCount: Int { 2 + giniBins }
    public var eventKinds: [EventKind] { recordState ? [Self.wealthEvent] : [] }
    public var stateBytes: Int { wealth.byteCount + scratch.reduce(0) { $0 + $1.byteCount } }

    public func prepare(layout: ShardLayout) {
        scratch = (0..<layout.shardCount).map { Column(count: layout.range(of: $0).count, repeating: 0) }
    }

    public func decide(_ ctx: ShardContext, outbox: Outbox<NoPayload>) {
        let w = wealth.pointer
        let draws = random.tick(ctx.tick)
        let others = FastModulo(UInt64(agentCount - 1))
        let targets = scratch[ctx.shard].pointer
        // Pass 1, arithmetic only: each giver's receiver, compacted into `targets`. Branch-free,
        // because whether an agent gives is a coin flip the predictor cannot learn.
        var n = 0
        for i in ctx.agents {
            let v = w[i]
            let gift = Int32(bitPattern: UInt32(bitPattern: 0 &- v) >> 31)  // v > 0 ? 1 : 0 (v ≥ 0)
            var rng = draws.agent(i)
            var j = Int(truncatingIfNeeded: others.remainder(rng.next()))
            j &+= ((i &- 1 &- j) >> 63) & 1  // j >= i ? 1 : 0
            w[i] = v &- gift
            targets[n] = UInt32(truncatingIfNeeded: j)
            n &+= Int(gift)
        }
        // Pass 2: the sends. Kept apart so that a send's bucket address does not wait on the long
        // arithmetic chain of pass 1, which would stall every store behind it.
        outbox.send(all: UnsafeBufferPointer(start: targets, count: n), NoPayload())
    }

    public func propagate(_ ctx: ShardContext, inbox: Inbox<NoPayload>) {
        let w = wealth.pointer
        for segment in inbox.segments {
            for envelope in segment { w[Int(envelope.to)] &+= 1 }
        }
    }

    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        let w = wealth.pointer
        var zeros: Int64 = 0
        var total: Int64 = 0
        if recordState {
            for i in ctx.agents {
                let v = w[i]
                zeros &+= v == 0 ? 1 : 0
                total &+= Int64(v)
                recorder.record(kind: 1, agent: i, Int64(v))
            }
        } else {
            for i in ctx.agents {
                let v = w[i]
                zeros &+= v == 0 ? 1 : 0
                total &+= Int64(v)
            }
        }
        recorder.counters[0] &+= zeros
        recorder.counters[1] &+= total
        if giniEvery > 0 && ctx.tick % giniEvery == 0 {
            let last = giniBins - 1
            recorder.counters.withUnsafeMutableBufferPointer { c in
                for i in ctx.agents { c[2 + min(Int(w[i]), last)] &+= 1 }
            }
        }
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        precondition(counters[1] == Int64(agentCount) * Int64(initialWealth),
                     "wealth not conserved at tick \(tick): \(counters[1])")
        let shares = [Double(counters[0]) / Double(agentCount), Double(counters[1])]
        guard giniEvery > 0 else { return shares }
        // The Gini of the tick's histogram; none on ticks not measured, or when some wealth went past it.
        guard tick % giniEvery == 0, counters[1 + giniBins] == 0 else { return shares + [.nan] }
        return shares + [WealthStatistics(histogram: counters[2..<(1 + giniBins)].map { Int($0) }).gini]
    }

    public func summary() -> [(name: String, value: Double)] {
        let stats = WealthStatistics(wealth)
        return [("gini", stats.gini), ("zero_share", stats.zeroShare), ("total_wealth", Double(stats.total)),
                ("max_wealth", Double(stats.maximum))]
    }
}

/// Inequality figures of an integer wealth column, computed exactly from its histogram.
public struct WealthStatistics: Sendable {
    public let gini: Double
    public let zeroShare: Double
    public let total: Int64
    public let maximum: Int

    /// - Complexity: O(n + max wealth).
    public init(_ column: Column<Int32>) {
        self = withExtendedLifetime(column) { WealthStatistics(column.buffer) }
    }

    /// From a buffer the caller keeps alive for the call.
    public init(_ wealth: UnsafeMutableBufferPointer<Int32>) {
        var maxValue: Int32 = 0
        for v in wealth {
            precondition(v >= 0, "wealth cannot be negative")
            maxValue = max(maxValue, v)
        }
        var histogram = [Int](repeating: 0, count: Int(maxValue) + 1)
        histogram.withUnsafeMutableBufferPointer { h in
            for v in wealth { h[Int(v)] &+= 1 }
        }
        self.init(histogram: histogram)
    }

    /// From `histogram[w]` = number of agents with wealth `w`.
    public init(histogram: [Int]) {
        let n = histogram.reduce(0, +)
        var total: Int64 = 0
        for (w, c) in histogram.enumerated() { total += Int64(w) * Int64(c) }
        // Gini = Σ_i (2i − n − 1)·x_(i) / (n · Σx), over values sorted ascending, i = 1…n.
        var weighted = 0.0
        var rank = 0
        for (w, c) in histogram.enumerated() where c > 0 {
            // Ranks rank+1 … rank+c all hold value w: Σ (2i − n − 1) = c·(2·rank + c + 1) − c·(n + 1).
            let ranks = Double(c) * Double(2 * rank + c + 1) - Double(c) * Double(n + 1)
            weighted += ranks * Double(w)
            rank += c
        }
        gini = (n == 0 || total == 0) ? 0 : weighted / (Double(n) * Double(total))
        zeroShare = n == 0 ? 0 : Double(histogram.first ?? 0) / Double(n)
        self.total = total
        maximum = histogram.lastIndex(where: { $0 > 0 }) ?? 0
    }
}

extension BoltzmannModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) { w.write(wealth) }
    public func loadState(from r: inout StateReader) throws(StateReader.Failure) { try r.read(into: wealth) }
}

/// Transfers are messages; the summary's inequality figures read every wealth, shared at the end.
extension BoltzmannModel: DistributedModel {
    public var syncPoints: [SyncPoint] { [.beforeSummary] }
    public func share(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, into w: inout StateWriter) {
        w.write(UnsafeBufferPointer(wealth.slice(agents)))
    }
    public func absorb(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, from r: inout StateReader) throws(StateReader.Failure) {
        try r.read(into: wealth.slice(agents))
    }
}

extension BoltzmannModel {
    /// The wealth distribution at the end, and its Lorenz curve with the Gini coefficient.
    public var figures: [Figure] {
        var maxValue: Int32 = 0
        for v in wealth.buffer { maxValue = max(maxValue, v) }
        var histogram = [Int](repeating: 0, count: Int(maxValue) + 1)
        for v in wealth.buffer { histogram[Int(v)] += 1 }
        let gini = WealthStatistics(histogram: histogram).gini
        let n = Double(agentCount), total = Double(histogram.enumerated().reduce(0) { $0 + $1.offset * $1.element })
        var people = [0.0], share = [0.0]
        var agents = 0.0, held = 0.0
        for (w, c) in histogram.enumerated() where c > 0 {
            agents += Double(c)
            held += Double(w * c)
            people.append(agents / n)
            share.append(total > 0 ? held / total : 0)
        }
        return [
            Figure(title: "Wealth at the end", xLabel: "wealth", yLabel: "agents", style: .bars,
                   series: [.init(name: "agents", x: histogram.indices.map(Double.init), y: histogram.map(Double.init))]),
            Figure(title: "Lorenz curve (Gini \(String(format: "%.3f", gini)))", xLabel: "share of agents, poorest first",
                   yLabel: "share of wealth",
                   series: [.init(name: "wealth", x: people, y: share), .init(name: "equality", x: [0, 1], y: [0, 1])]),
        ]
    }
}
