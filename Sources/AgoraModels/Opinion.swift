import AgoraCore
import AgoraEngine
import AgoraSocial

/// Bounded-confidence opinion dynamics on a network: opinions in [0, 1] move toward those close
/// enough to them, and clusters — consensus or polarization — emerge.
///
/// - Deffuant (synchronous): each tick every agent looks at one random neighbour; if their
///   opinions differ by less than ε it moves a share μ of the way toward it. Only the agent moves
///   (the pairwise original moves both; here partners may live in other shards).
/// - Hegselmann–Krause: each tick every agent takes the mean of its own and its neighbours'
///   opinions that lie within ε of its own.
///
/// Opinions are double-buffered: every agent reads the opinions of the start of the tick and
/// writes its own next one, so the result is the same for any shard count. Initial opinions are
/// uniform in [0, 1) from the seed (stream `OpinionModel.stream`).
public final class OpinionModel: Model, @unchecked Sendable {
    public enum Rule: String, Sendable { case deffuant, hegselmannKrause = "hegselmann_krause" }

    public static let stream: UInt64 = 0x0B1A_0001
    /// Event kind: an agent's opinion after the tick, in millionths (logged for 1% of agents).
    public static let opinionEvent = EventKind(id: 4, name: "opinion", columns: ["opinion_millionths"], defaultSample: 0.01)

    /// The network: whole, or spread over processes the rows of this process's agents.
    public private(set) var graph: CSRGraph
    public let rule: Rule
    public let epsilon: Double
    public let mu: Double
    public let random: RandomStream
    /// The opinions at the start of the tick, and the ones being written.
    public internal(set) var opinion: Column<Double>
    private var next: Column<Double>
    private var last: [Double] = []

    public var agentCount: Int { graph.nodeCount }

    public init(graph: CSRGraph, rule: Rule, epsilon: Double, mu: Double, seed: UInt64) {
        precondition(epsilon >= 0 && mu >= 0 && mu <= 1, "ε ≥ 0 and μ in [0, 1]")
        self.graph = graph
        self.rule = rule
        self.epsilon = epsilon
        self.mu = mu
        random = RandomStream(seed: seed, stream: Self.stream)
        opinion = Column(count: graph.nodeCount, repeating: 0)
        next = Column(count: graph.nodeCount, repeating: 0)
        let setup = random.tick(-1)
        for v in 0..<graph.nodeCount {
            var r = setup.agent(v)
            opinion[v] = r.unit()
        }
    }

    public var phases: Phases { [.decide, .record] }
    /// Per tick: the mean, the variance, the share above 1/2, and the share of agents whose
    /// opinion is within ε of every neighbour's ("settled").
    public var metricNames: [String] { ["mean", "variance", "share_above_half", "polarization"] }
    public var counterCount: Int { 4 + Self.bins }
    /// Bins of the opinion distribution kept for every tick (counters 4…, summed over shards and processes).
    static let bins = 20
    /// Per tick: how many agents held opinions in each of the `bins` equal bins of [0, 1].
    var distribution: [[Int64]] = []
    public var eventKinds: [EventKind] { [Self.opinionEvent] }
    public var stateBytes: Int { opinion.byteCount + next.byteCount + graph.byteCount }

    public func decide(_ ctx: ShardContext, outbox: Outbox<NoPayload>) {
        let x = opinion.pointer, y = next.pointer
        let draws = random.tick(ctx.tick)
        for v in ctx.agents {
            let near = graph.neighbors(v)
            let own = x[v]
            guard !near.isEmpty else { y[v] = own; continue }
            switch rule {
            case .deffuant:
                var r = draws.agent(v)
                let other = x[Int(near[r.index(below: near.count)])]
                y[v] = abs(other - own) < epsilon ? own + mu * (other - own) : own
            case .hegselmannKrause:
                var sum = own, n = 1.0
                for u in near {
                    let o = x[Int(u)]
                    if abs(o - own) <= epsilon { sum += o; n += 1 }
                }
                y[v] = sum / n
            }
        }
    }

    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        // The record phase sees the new opinions in `next`; they become `opinion` at endTick.
        let y = next.pointer
        var sum: Int64 = 0, sumSquares: Int64 = 0, above: Int64 = 0
        for v in ctx.agents {
            // Fixed point (millionths) keeps the sums exact and independent of the shard split.
            let m = Int64((y[v] * 1_000_000).rounded())
            sum += m
            sumSquares += m * m / 1_000
            above += y[v] > 0.5 ? 1 : 0
            recorder.record(kind: 4, agent: v, m)
        }
        recorder.counters[0] += sum
        recorder.counters[1] += sumSquares
        recorder.counters[2] += above
        for v in ctx.agents { recorder.counters[4 + min(Self.bins - 1, max(0, Int(y[v] * Double(Self.bins))))] += 1 }
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        swap(&opinion, &next)
        distribution.append(Array(counters[4..<(4 + Self.bins)]))
        let n = Double(max(1, agentCount))
        let mean = Double(counters[0]) / 1e6 / n
        let variance = max(0, Double(counters[1]) / 1e9 / n - mean * mean)
        let share = Double(counters[2]) / n
        // Polarization: the variance relative to its largest possible value (1/4, two camps at 0 and 1).
        last = [mean, variance, share, min(1, variance / 0.25)]
        return last
    }

    public func summary() -> [(name: String, value: Double)] {
        let names = metricNames
        return last.isEmpty ? [] : names.indices.map { (names[$0], last[$0]) } + [("clusters", Double(clusterCount()))]
    }

    /// Opinion camps at the end: runs of adjacent 0.01-wide bins that each hold at least 0.2% of
    /// the agents (a few stragglers between camps do not join them).
    public func clusterCount() -> Int {
        var bins = [Int](repeating: 0, count: 100)
        for v in 0..<agentCount { bins[min(99, max(0, Int(opinion[v] * 100)))] += 1 }
        let floor = max(1, agentCount / 500)
        var camps = 0, inside = false
        for b in bins {
            let dense = b >= floor
            if dense && !inside { camps += 1 }
            inside = dense
        }
        return camps
    }
}

extension OpinionModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        w.write(opinion)
        w.write(distribution.flatMap { $0 })
    }
    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        try r.read(into: opinion)
        let flat = try r.int64s()
        guard flat.count % Self.bins == 0 else { throw StateReader.Failure(description: "opinion state: \(flat.count) bin counts") }
        distribution = stride(from: 0, to: flat.count, by: Self.bins).map { Array(flat[$0..<($0 + Self.bins)]) }
    }
}

/// Agents read their neighbours' opinions directly, so every process shares its agents' new
/// opinions after decide; `endTick` then makes the whole column current everywhere.
extension OpinionModel: DistributedModel {
    /// An agent reads its neighbours' opinions, shared after decide; the network rows it walks
    /// are its own, so a process keeps only its agents' rows.
    public func join(_ processes: any ProcessGroup, agents: Range<Int>) {
        graph = graph.restricted(to: agents)
    }

    public var partitionedBytes: Int { graph.byteCount }

    public var syncPoints: [SyncPoint] { [.afterDecide] }
    public func share(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, into w: inout StateWriter) {
        w.write(UnsafeBufferPointer(next.slice(agents)))
    }
    public func absorb(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, from r: inout StateReader) throws(StateReader.Failure) {
        try r.read(into: next.slice(agents))
    }
}

extension OpinionModel {
    /// The distribution of opinions over time (at five ticks from the first to the last), and at
    /// the end in 50 bins of 0.02.
    public var figures: [Figure] {
        var bins = [Double](repeating: 0, count: 50)
        for v in opinion.buffer { bins[min(49, max(0, Int(v * 50)))] += 1 }
        var figures: [Figure] = []
        if !distribution.isEmpty {
            let last = distribution.count - 1
            let ticks = Array(Set([0, last / 4, last / 2, 3 * last / 4, last])).sorted()
            let centers = (0..<Self.bins).map { (Double($0) + 0.5) / Double(Self.bins) }
            figures.append(Figure(title: "Opinion distribution over time", xLabel: "opinion", yLabel: "share of agents", series: ticks.map { t in
                .init(name: "after tick \(t)", x: centers, y: distribution[t].map { Double($0) / Double(max(1, agentCount)) })
            }))
        }
        figures.append(Figure(title: "Opinions at the end", xLabel: "opinion", yLabel: "agents", style: .bars,
                              series: [.init(name: "agents", x: (0..<50).map { (Double($0) + 0.5) / 50 }, y: bins)]))
        return figures
    }
}
