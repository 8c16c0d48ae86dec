import AgoraEngine
import AgoraLLM
import AgoraModels
import AgoraSocial
import Foundation

/// A scenario turned into a runnable world: the model with its agents created and its network
/// built. Frozen: nothing about the world's shape changes once the first tick runs.
public struct World: @unchecked Sendable {
    public let scenario: Scenario
    public let model: any Model
    /// Seconds spent building the network and the agents.
    public let setupSeconds: Double
    /// What the run logs, resolved against the model's event kinds.
    public let logPolicy: LogPolicy

    public var agentCount: Int { model.agentCount }

    /// Shards to use: the scenario's or command line's choice, else about 256k agents per shard,
    /// at least one per thread, at most 64. Never changes results, only speed.
    public func shardCount(threads: Int) -> Int {
        Self.shardCount(agents: agentCount, fixed: scenario.engine.shards, threads: threads)
    }

    /// A fixed count above the agent count is held at one shard per agent.
    public static func shardCount(agents: Int, fixed: Int?, threads: Int) -> Int {
        if let fixed { return min(fixed, max(1, agents)) }
        return min(64, max(threads, (agents + 262_143) / 262_144))
    }

    /// Where a world is built: as process `rank` of the `processes` of a spread run, each running
    /// `threads` threads. That decides the run's shards and so the agents this process hosts —
    /// and, for a model that walks only its own agents' network rows, the rows it builds.
    public struct Placement: Sendable, Hashable {
        public var rank: Int
        public var processes: Int
        public var threads: Int

        public init(rank: Int, processes: Int, threads: Int) {
            self.rank = rank
            self.processes = processes
            self.threads = threads
        }

        /// The shards of a spread run: the scenario's (nil when fewer than the processes), or
        /// enough for every process's threads.
        public func shardCount(agents: Int, fixed: Int?) -> Int? {
            if let fixed {
                let held = min(fixed, max(1, agents))
                return held >= processes ? held : nil
            }
            return max(processes, World.shardCount(agents: agents, fixed: nil, threads: threads * processes))
        }

        /// The agents this process hosts out of `agents` (nil: the scenario's shards cannot be spread).
        public func agents(of agents: Int, fixed: Int?) -> Range<Int>? {
            guard let shards = shardCount(agents: agents, fixed: fixed) else { return nil }
            return ShardLayout(agentCount: agents, shardCount: shards).agents(ofProcess: rank, processes: processes)
        }
    }

    static func graph(_ pairs: [UInt32], nodes: Int, rows: (Int) -> Range<Int>?) -> CSRGraph {
        pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: nodes, rows: rows(nodes)) }
    }

    /// The scenario's network, generated or loaded (nil when it has none): what `assemble` builds
    /// first, and what an analysis of the run rebuilds.
    ///
    /// - Parameter rows: given the node count, the rows to keep (nil: all). A generated network is
    ///   generated whole as an edge list, then only the kept rows are built; a loaded one is read
    ///   whole, then likewise.
    public static func network(of scenario: Scenario, rows: (Int) -> Range<Int>? = { _ in nil }) throws(ScenarioErrors) -> CSRGraph? {
        var network: CSRGraph?
        switch scenario.network {
        case .barabasiAlbert(let nodes, let m, let seed, let igraph)?:
            network = graph(BarabasiAlbert.edges(nodes: nodes, m: m, seed: seed, variant: igraph ? .igraph : .networkx), nodes: nodes, rows: rows)
        case .erdosRenyi(let nodes, let p, let seed)?:
            network = graph(GraphGenerators.erdosRenyi(nodes: nodes, p: p, seed: seed), nodes: nodes, rows: rows)
        case .wattsStrogatz(let nodes, let k, let beta, let seed)?:
            network = graph(GraphGenerators.wattsStrogatz(nodes: nodes, k: k, beta: beta, seed: seed), nodes: nodes, rows: rows)
        case .stochasticBlock(let sizes, let pIn, let pOut, let seed)?:
            let matrix = sizes.indices.map { i in sizes.indices.map { j in i == j ? pIn : pOut } }
            network = graph(GraphGenerators.stochasticBlock(sizes: sizes, p: matrix, seed: seed), nodes: sizes.reduce(0, +), rows: rows)
        case .configuration(let nodes, let exponent, let minDegree, let maxDegree, let seed)?:
            let degrees = GraphGenerators.powerLawDegrees(nodes: nodes, exponent: exponent, minDegree: minDegree, maxDegree: maxDegree, seed: seed)
            network = graph(GraphGenerators.configuration(degrees: degrees, seed: seed), nodes: nodes, rows: rows)
        case .file(let path, let format)?:
            do {
                let edges = format == "text" ? try EdgeListLoader.loadText(path: path)
                                             : EdgeListLoader.TextEdges(pairs: try EdgeListLoader.loadBinaryPairs(path: path), labels: nil)
                if let tooBig = edges.pairs.first(where: { $0 >= UInt32.max }) {
                    throw ScenarioErrors([scenario.issue(at: "network.file", "\(path): node id \(tooBig) is too large")])
                }
                let nodes = edges.labels?.count ?? Int(edges.pairs.max() ?? 0) + (edges.pairs.isEmpty ? 0 : 1)
                network = graph(edges.pairs, nodes: nodes, rows: rows)
            } catch let e as EdgeListLoader.LoadError {
                throw ScenarioErrors([scenario.issue(at: "network.file", e.description)])
            } catch let e as ScenarioErrors {
                throw e
            } catch {
                throw ScenarioErrors([scenario.issue(at: "network.file", "\(path): \(error)")])
            }
        case nil:
            break
        }
        return network
    }

    /// Builds the world of a validated scenario. `answers` says where LLM answers come from (nil:
    /// the scenario's endpoint, uncached, or none). `placement`, for a run spread over processes:
    /// a model that keeps only its own agents' state gets a network of their rows only, and its
    /// placement.
    public static func assemble(_ scenario: Scenario, answers: (any AnswerSource)? = nil, placement: Placement? = nil)
        throws(ScenarioErrors) -> World {
        let start = Date()
        /// The agents this process hosts out of `agents`, when it keeps only its own.
        func hosted(of agents: Int) -> Range<Int>? {
            guard let placement, placement.processes > 1, scenario.model.keepsOwnAgents else { return nil }
            return placement.agents(of: agents, fixed: scenario.engine.shards)
        }
        if scenario.engine.memoryCheck, let available = MemoryEstimate.availableBytes() {
            // Spread over processes, a host of a model that keeps only its own agents holds about its
            // share of the world; other models hold it whole on every process.
            let share = scenario.model.keepsOwnAgents ? Double(max(1, placement?.processes ?? 1)) : 1
            let estimate = scenario.memoryEstimate()
            if estimate.bytes / share > available, let part = estimate.largest {
                throw ScenarioErrors([scenario.issue(at: part.field, "the world needs \(estimate.description)"
                    + (share > 1 ? " over \(Int(share)) processes" : "") + "; this machine has \(MemoryEstimate.show(available)) available. "
                    + "Make it smaller, or pass --no-memory-check (engine.memory_check: false) to build it anyway")])
            }
        }
        let network = try Self.network(of: scenario, rows: hosted)
        let agents = network?.nodeCount ?? scenario.populations.reduce(0) { $0 + ($1.count ?? 0) }
        let inputs = ModelInputs(seed: scenario.seed,
                                 populations: scenario.populations.map { PopulationInput(kind: $0.kind, count: $0.count, params: $0.params) },
                                 network: network, market: scenario.market, llm: scenario.llm, answers: answers,
                                 placement: placement.flatMap { p in
                                     hosted(of: agents).map { ModelPlacement(rank: p.rank, processes: p.processes, agents: $0) }
                                 },
                                 modelName: scenario.model.name, events: scenario.model.numberingEvents().events)
        let model: any Model
        do {
            model = try scenario.model.build(inputs)
        } catch {
            let path: String
            if let i = error.population, i < scenario.populations.count {
                let population = scenario.populations[i]
                switch error.parameter {
                case "count", "kind": path = "\(population.path).\(error.parameter)"
                case "network": path = "network"
                default: path = "\(population.path).params.\(error.parameter)"
                }
            } else {
                path = error.parameter
            }
            throw ScenarioErrors([scenario.issue(at: path, error.message)])
        }
        let policy: LogPolicy
        switch scenario.log.policy(for: model.eventKinds, seed: scenario.seed) {
        case .success(let p): policy = p
        case .failure(let unknown):
            let path = scenario.log.rules[unknown.name] != nil ? "log.kinds.\(unknown.name)" : "log.exclude"
            throw ScenarioErrors([scenario.issue(at: path, "no event kind '\(unknown.name)' in the \(scenario.model.name) model; kinds: \(unknown.known.joined(separator: ", "))")])
        }
        return World(scenario: scenario, model: model, setupSeconds: Date().timeIntervalSince(start), logPolicy: policy)
    }
}
