import AgoraCore
import AgoraEngine
import AgoraModels
import AgoraSocial
import Foundation

/// The shared benchmark workloads (the project's docs/benchmarks.md and the peers' workload list),
/// each run exactly as the peers ran it. Setup is outside the timer; results are checked.
public enum Workloads {
    /// A workload that cannot run (missing file, wrong result), with the reason.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Engine settings shared by the benches.
    public struct Parallelism: Sendable {
        public var threads: Int
        public var shards: Int
        public init(threads: Int, shards: Int) {
            self.threads = threads
            self.shards = shards
        }
    }

    /// Boltzmann wealth: N agents with one unit each, `steps` synchronous steps.
    public static func boltzmann(agents: Int, steps: Int, seed: UInt64, parallelism: Parallelism,
                                 repeat repetitions: Int = 1) throws -> BenchReport {
        let rssBefore = ProcessStats.peakRSSMegabytes()
        var model: BoltzmannModel!
        var sim: Simulation<BoltzmannModel>!
        var setup = 0.0
        var wall = Double.infinity
        var digests: Set<String> = []
        for _ in 0..<max(1, repetitions) {
            sim = nil
            let setupStart = ProcessStats.now()
            model = BoltzmannModel(agents: agents, initialWealth: 1, seed: seed, recordState: false)
            sim = Simulation(model: model, shards: parallelism.shards, threads: parallelism.threads)
            setup = ProcessStats.now() - setupStart
            let start = ProcessStats.now()
            sim.run(ticks: steps)
            wall = min(wall, ProcessStats.now() - start)
            digests.insert(sim.digest.hex)
        }
        guard digests.count == 1 else { throw Failure("boltzmann: repetitions disagree (\(digests.sorted()))") }
        let stats = WealthStatistics(model.wealth)
        guard stats.total == Int64(agents) else { throw Failure("boltzmann: total wealth \(stats.total) != \(agents)") }
        var r = BenchReport(bench: "boltzmann")
        r.set("agents", agents)
        r.set("steps", steps)
        r.set("threads", parallelism.threads)
        r.set("shards", parallelism.shards)
        r.set("repeat", max(1, repetitions))
        r.set("wall_s", wall)
        r.set("agent_steps_per_s", Double(agents) * Double(steps) / wall)
        r.set("gini", stats.gini)
        r.set("zero_share", stats.zeroShare)
        r.set("total_wealth", Int(stats.total))
        r.set("setup_s", setup)
        r.set("state_bytes_per_agent", Double(model.stateBytes) / Double(agents))
        r.set("rss_bytes_per_agent", (ProcessStats.peakRSSMegabytes() - rssBefore) * 1_048_576 / Double(agents))
        r.set("peak_rss_mb", ProcessStats.peakRSSMegabytes())
        r.set("digest", sim.digest.hex)
        return r
    }

    /// The ten initially infected nodes of the shared sir_ba workload.
    public static let sirInitialInfected = [73461, 15442, 93471, 66425, 57178, 83819, 52951, 15474, 87888, 17745]

    /// SIR on a graph file (binary u32 pairs, optionally zstd), or on a generated BA graph when
    /// `generatedNodes` is given.
    public static func sirBA(graphPath: String?, generatedNodes: Int?, steps: Int, seed: UInt64,
                             parallelism: Parallelism, repeat repetitions: Int = 1) throws -> BenchReport {
        let setupStart = ProcessStats.now()
        let graph: CSRGraph
        let infected: [Int]
        var source: String
        if let n = generatedNodes {
            graph = BarabasiAlbert.graph(nodes: n, m: 4, seed: 42)
            var rng = SplitMix64(seed: seed)
            infected = (0..<10).map { _ in Int(rng.next() % UInt64(n)) }
            source = "generated:ba:n=\(n):m=4:seed=42"
        } else {
            guard let path = graphPath else { throw Failure("sir_ba: no graph file given and none found") }
            let pairs = try EdgeListLoader.loadBinaryPairs(path: path)
            graph = pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0) }
            infected = sirInitialInfected.filter { $0 < graph.nodeCount }
            source = path
        }
        let setup = ProcessStats.now() - setupStart
        var model: SIRModel!
        var sim: Simulation<SIRModel>!
        var wall = Double.infinity
        var digests: Set<String> = []
        for _ in 0..<max(1, repetitions) {
            sim = nil
            model = SIRModel(graph: graph, initialInfected: infected, transmission: 0.05, recovery: 0.1, seed: seed)
            sim = Simulation(model: model, shards: parallelism.shards, threads: parallelism.threads)
            let start = ProcessStats.now()
            sim.run(ticks: steps)
            wall = min(wall, ProcessStats.now() - start)
            digests.insert(sim.digest.hex)
        }
        guard digests.count == 1 else { throw Failure("sir_ba: repetitions disagree (\(digests.sorted()))") }
        let summary = Dictionary(uniqueKeysWithValues: model.summary().map { ($0.name, $0.value) })
        var r = BenchReport(bench: "sir_ba")
        r.set("graph", source)
        r.set("nodes", graph.nodeCount)
        r.set("edges", graph.edgeCount)
        r.set("steps", steps)
        r.set("threads", parallelism.threads)
        r.set("shards", parallelism.shards)
        r.set("repeat", max(1, repetitions))
        r.set("wall_s", wall)
        r.set("agent_steps_per_s", Double(graph.nodeCount) * Double(steps) / wall)
        r.set("S", Int(summary["S"] ?? 0))
        r.set("I", Int(summary["I"] ?? 0))
        r.set("R", Int(summary["R"] ?? 0))
        r.set("peak_I", Int(summary["peak_infected"] ?? 0))
        r.set("peak_step", Int(summary["peak_tick"] ?? 0) + 1)
        r.set("setup_s", setup)
        r.set("state_bytes_per_agent", Double(model.stateBytes) / Double(graph.nodeCount))
        r.set("peak_rss_mb", ProcessStats.peakRSSMegabytes())
        r.set("digest", sim.digest.hex)
        return r
    }

    /// Barabási–Albert generation, as the graph_ba workload: N nodes, m edges each; generation time
    /// (the CSR included), peak memory, mean degree and the friendship-paradox figures.
    public static func graphBA(nodes n: Int, m: Int, seed: UInt64, variant: BarabasiAlbert.Variant = .igraph,
                               repeat repetitions: Int) throws -> BenchReport {
        var wall = Double.infinity
        var graph: CSRGraph?
        for _ in 0..<max(1, repetitions) {
            graph = nil
            let start = ProcessStats.now()
            graph = BarabasiAlbert.graph(nodes: n, m: m, seed: seed, variant: variant)
            wall = min(wall, ProcessStats.now() - start)
        }
        let g = graph!
        let stats = DegreeStatistics(g)
        let expected = variant == .networkx ? m * (n - m) : m * (m + 1) / 2 + m * (n - m - 1)
        guard g.edgeCount == expected else { throw Failure("graph_ba: \(g.edgeCount) edges, expected \(expected)") }
        var r = BenchReport(bench: "graph_ba")
        r.set("variant", variant.rawValue)
        r.set("nodes", n)
        r.set("m", m)
        r.set("edges", g.edgeCount)
        r.set("repeat", max(1, repetitions))
        r.set("wall_s", wall)
        r.set("edges_per_s", Double(g.edgeCount) / wall)
        r.set("mean_degree", stats.meanDegree)
        r.set("mean_neighbor_degree", stats.meanNeighborDegree)
        r.set("k2_over_k", stats.k2OverK)
        r.set("max_degree", stats.maxDegree)
        r.set("bytes_per_edge", Double(g.byteCount) / Double(g.edgeCount))
        r.set("peak_rss_mb", ProcessStats.peakRSSMegabytes())
        return r
    }

    /// Where the shared workload files are looked for when no path is given: `$AGORA_WORKLOADS`,
    /// then `workloads/` and `../shared/workloads/` from the current directory.
    public static func findWorkloadFile(_ name: String) -> String? {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["AGORA_WORKLOADS"] { dirs.append(env) }
        dirs += ["workloads", "../shared/workloads"]
        for d in dirs {
            let p = (d as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        return nil
    }
}
