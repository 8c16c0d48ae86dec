import AgoraEngine
import AgoraLLM
import AgoraModels
import Yams

/// A validated scenario: everything needed to assemble and run a world, and nothing unchecked.
///
/// Built only by `ScenarioLoader`, which reports every problem with its file position. Immutable:
/// the world is described, validated once and frozen before tick 0.
public struct Scenario: Sendable {
    public let name: String
    public let description: String?
    public let model: ModelDescriptor
    public let seed: UInt64
    public let ticks: Int
    public let populations: [Population]
    public let network: NetworkSpec?
    /// The exchange and fundamentals, for models that trade.
    public let market: MarketSpec?
    /// Which agents ask an LLM and how, for models that escalate.
    public private(set) var llm: LLMSettings?
    public let engine: EngineSettings
    /// What goes to the event log.
    public let log: LogSettings
    /// Write a checkpoint every this many ticks (0: never).
    public let checkpointEvery: Int
    /// The file the scenario came from, as the user named it.
    public let sourcePath: String
    /// The scenario after overrides, as YAML: what the run directory keeps.
    public private(set) var resolvedYAML: String
    /// The overrides applied, as the user wrote them.
    public let overrides: [String]
    /// Where each field path was written, for errors found after reading (at assembly).
    let origins: [String: ScenarioIssue.Origin]

    /// This scenario with its undiscovered endpoint given the model it serves (`ModelDiscovery`).
    public func discovered(model: String) -> Scenario {
        guard var settings = llm, var endpoint = settings.undiscovered else { return self }
        endpoint.model = model
        settings.endpoint = endpoint
        settings.undiscovered = nil
        settings.noEndpointReason = nil
        settings.modelDiscovered = true
        var copy = self
        copy.llm = settings
        // The scenario as run names the model, so that a resume asks the same one.
        if let root = try? Yams.compose(yaml: resolvedYAML) {
            var written = root
            for (field, value) in [("base_url", endpoint.baseURL.absoluteString), ("model", model)] {
                written = (try? written.setting([.key("llm"), .key("endpoint"), .key(field)][...], to: Node(value))) ?? written
            }
            copy.resolvedYAML = (try? Yams.serialize(node: written)) ?? resolvedYAML
        }
        return copy
    }

    /// The origin of `path` or of its closest ancestor that has one.
    public func origin(of path: String) -> ScenarioIssue.Origin {
        var p = path
        while true {
            if let o = origins[p] { return o }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { return .wholeFile(path: sourcePath) }
            p = String(p[..<cut])
        }
    }

    public func issue(at path: String, _ message: String) -> ScenarioIssue {
        ScenarioIssue(origin: origin(of: path), path: path, message: message)
    }

    /// The agent ids each population holds, in the scenario's order: agents are numbered
    /// population by population, and a population sized by the network holds what the others leave
    /// of `agentCount`.
    public func populationRanges(agentCount: Int) -> [(kind: String, agents: Range<Int>)] {
        let given = populations.reduce(0) { $0 + ($1.count ?? 0) }
        var first = 0
        return populations.map { p in
            let count = p.count ?? max(0, agentCount - given)
            defer { first += count }
            return (p.kind, first..<(first + count))
        }
    }
}

/// One population of agents of one kind.
public struct Population: Sendable {
    public let kind: String
    /// `nil` when the size comes from elsewhere (the network's node count).
    public let count: Int?
    /// Every parameter of the model, defaults filled in.
    public let params: [String: ParameterValue]
    /// The population's field path, e.g. `agents[0]`.
    public let path: String
}

/// Where a scenario's network comes from.
public enum NetworkSpec: Sendable, Hashable {
    /// Barabási–Albert preferential attachment (networkx's construction, or igraph's).
    case barabasiAlbert(nodes: Int, m: Int, seed: UInt64, igraph: Bool = false)
    /// Erdős–Rényi G(n, p).
    case erdosRenyi(nodes: Int, p: Double, seed: UInt64)
    /// Watts–Strogatz small world.
    case wattsStrogatz(nodes: Int, k: Int, beta: Double, seed: UInt64)
    /// Stochastic block model: block sizes, probability inside and between blocks.
    case stochasticBlock(sizes: [Int], pIn: Double, pOut: Double, seed: UInt64)
    /// Configuration model on a power-law degree sequence.
    case configuration(nodes: Int, exponent: Double, minDegree: Int, maxDegree: Int, seed: UInt64)
    /// An edge-list file: binary little-endian u32 pairs (`u32`) or text (`text`), optionally
    /// zstd-compressed.
    case file(path: String, format: String)
}

/// How the engine splits and runs the world. Neither setting changes the results.
public struct EngineSettings: Sendable, Hashable {
    /// `nil`: chosen from the agent count and threads.
    public let shards: Int?
    /// `nil`: one per core.
    public let threads: Int?
    /// Whether building refuses a world the memory estimate says will not fit the machine
    /// (`engine.memory_check`, default true; `--no-memory-check` sets it false).
    public var memoryCheck = true

    /// The most shards a scenario may ask for: the engine keeps a square of mailboxes, one per pair
    /// of shards (128 bytes each), so 4,096 shards are 2 GB of them. A count above the agents is
    /// held at one shard per agent.
    public static let maxShards = 4_096
}
