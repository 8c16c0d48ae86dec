import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraSocial

/// Where a model is built in a run spread over processes: which process, of how many, and the
/// agents it hosts. A model that keeps only its own agents' state (`ModelDescriptor.keepsOwnAgents`)
/// sizes its columns and network rows to `agents`.
public struct ModelPlacement: Sendable, Hashable {
    public var rank: Int
    public var processes: Int
    public var agents: Range<Int>

    public init(rank: Int, processes: Int, agents: Range<Int>) {
        precondition(processes >= 1 && rank >= 0 && rank < processes, "process \(rank) of \(processes)")
        self.rank = rank
        self.processes = processes
        self.agents = agents
    }
}

/// Everything a model builder receives.
public struct ModelInputs: Sendable {
    public let seed: UInt64
    public let populations: [PopulationInput]
    public let network: CSRGraph?
    /// The exchange and fundamentals, for models that trade.
    public let market: MarketSpec?
    /// Who asks an LLM, and where the answers come from (nil: the endpoint's, or none).
    public let llm: LLMSettings?
    public let answers: (any AnswerSource)?
    /// Spread over processes, this process's place (nil: one process holds everything).
    public let placement: ModelPlacement?
    /// The model's name, and its event kinds numbered (`ModelDescriptor.events`, as registered).
    public let modelName: String
    public let events: [EventKind]

    public init(seed: UInt64, populations: [PopulationInput], network: CSRGraph? = nil, market: MarketSpec? = nil,
                llm: LLMSettings? = nil, answers: (any AnswerSource)? = nil, placement: ModelPlacement? = nil,
                modelName: String = "", events: [EventKind] = []) {
        self.placement = placement
        self.modelName = modelName
        self.events = events
        self.seed = seed
        self.populations = populations
        self.network = network
        self.market = market
        self.llm = llm
        self.answers = answers
    }

    /// The event kind the model declared as `name` (`ModelDescriptor.events`), with the number
    /// registration gave it.
    public func eventKind(_ name: String) -> EventKind {
        guard let kind = events.first(where: { $0.name == name }), kind.isNumbered else {
            preconditionFailure("the model \(modelName) asks for the event kind '\(name)', which its descriptor does not declare")
        }
        return kind
    }

    /// A random stream of the model's own, by name: a 64-bit hash of the model's and the stream's
    /// names, so that models registered together never share a stream.
    public func stream(_ name: String) -> UInt64 {
        mix64(UInt64(bitPattern: textHash(modelName + "/" + name)) | 1 << 63)
    }

    /// For single-population models: the population.
    public var population: PopulationInput { populations[0] }
    public var count: Int? { populations.first?.count }
    public func integer(_ name: String) -> Int? { population.integer(name) }
    public func number(_ name: String) -> Double? { population.number(name) }
    public func integers(_ name: String) -> [Int]? { population.integers(name) }
    public func flag(_ name: String) -> Bool? { population.flag(name) }
    public func text(_ name: String) -> String? { population.text(name) }
}

/// A model that cannot be built from otherwise well-formed inputs; `parameter` names the field to
/// blame (`"count"`, a parameter name, `"network"`, or an `exchange.…` path) and `population` the
/// population it belongs to, if any.
public struct ModelBuildError: Error, Sendable {
    public let population: Int?
    public let parameter: String
    public let message: String
    public init(population: Int? = 0, parameter: String, _ message: String) {
        self.population = population
        self.parameter = parameter
        self.message = message
    }
}

/// An agent kind a model runs, with the parameters its populations accept.
public struct AgentKindDescriptor: Sendable {
    public let name: String
    public let summary: String
    public let parameters: [ParameterSpec]

    public init(name: String, summary: String, parameters: [ParameterSpec]) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
    }
}

/// A built-in model: its name, the agent kinds it runs, and how to build it.
public struct ModelDescriptor: Sendable {
    public let name: String
    public let summary: String
    public let agentKinds: [AgentKindDescriptor]
    /// How many populations a scenario may list.
    public let maxPopulations: Int
    /// Whether a scenario's `network` section is required, optional, or refused.
    public let network: NetworkUse
    public let usesExchange: Bool
    /// Whether a scenario may escalate agents to an LLM (an `llm` section).
    public var usesLLM: Bool = false
    /// The tools its LLM agents may be offered (what `llm.tools` may name), and the triggers
    /// `llm.escalation.triggers` may set besides the cadence `every`.
    public var llmTools: [String] = []
    public var llmTriggers: [String] = []
    /// Spread over processes, whether a process touches only its own agents' network rows, so that
    /// each builds and keeps just those (see `CSRGraph.rows`), and is built with its placement
    /// (`ModelInputs.placement`); the market then also keeps only its own traders' columns.
    public var keepsOwnAgents: Bool = false
    /// The event kinds the model records: numbered (Agora's own), or declared by name
    /// (`EventKind.named`) and numbered when the model is registered.
    public var events: [EventKind] = []
    /// Roughly what the model keeps per agent (its columns, in bytes) and how many copies of the
    /// network's adjacency it holds (the network itself, a follow graph…): what the memory
    /// estimate reads before anything is built (`Scenario.memoryEstimate`). Models from outside
    /// may set them; the defaults suit a model with a few columns and no copy of the network.
    public var bytesPerAgent = 64
    public var networkCopies = 1
    public let build: @Sendable (ModelInputs) throws(ModelBuildError) -> any Model

    /// A model a scenario can name: its kinds (with their parameters), what sections it takes,
    /// and `build`, which makes the model from a scenario's validated inputs.
    public init(name: String, summary: String, agentKinds: [AgentKindDescriptor], maxPopulations: Int, network: NetworkUse,
                usesExchange: Bool, usesLLM: Bool = false, keepsOwnAgents: Bool = false, events: [EventKind] = [],
                bytesPerAgent: Int = 64, networkCopies: Int = 1,
                build: @escaping @Sendable (ModelInputs) throws(ModelBuildError) -> any Model) {
        self.events = events
        self.bytesPerAgent = bytesPerAgent
        self.networkCopies = networkCopies
        self.name = name
        self.summary = summary
        self.agentKinds = agentKinds
        self.maxPopulations = maxPopulations
        self.network = network
        self.usesExchange = usesExchange
        self.usesLLM = usesLLM
        self.keepsOwnAgents = keepsOwnAgents
        self.build = build
    }

    public func kind(_ name: String) -> AgentKindDescriptor? { agentKinds.first { $0.name == name } }

    /// This descriptor with every event kind numbered: those declared by name take the free
    /// numbers from 100 up, in order, that are not in `taken`.
    public func numberingEvents(avoiding taken: Set<UInt16> = []) -> ModelDescriptor {
        var used = taken.union(events.filter(\.isNumbered).map(\.id))
        var copy = self
        copy.events = events.map { kind in
            guard !kind.isNumbered else { return kind }
            guard let id = (100...255).map(UInt16.init).first(where: { !used.contains($0) }) else {
                preconditionFailure("more than 156 event kinds registered beyond Agora's own")
            }
            used.insert(id)
            return kind.numbered(id)
        }
        return copy
    }
    public var needsNetwork: Bool { network == .required }
    public var acceptsNetwork: Bool { network != .none }
}

/// How a model uses a network: not at all, when the scenario gives one, or always.
public enum NetworkUse: Sendable, Hashable {
    case none, optional, required
}

/// The models Agora ships, by name.
public enum ModelCatalog {
    public static let all: [ModelDescriptor] = [boltzmann, sir, cascade, opinion, news, market, schelling]

    public static func named(_ name: String) -> ModelDescriptor? { all.first { $0.name == name } }

    // Each model declares its descriptor beside itself (`BoltzmannModel.descriptor`, …); these
    // are the same, by the names the catalog has always had.

    public static let boltzmann = BoltzmannModel.descriptor
    public static let sir = SIRModel.descriptor
    public static let cascade = CascadeModel.descriptor
    public static let opinion = OpinionModel.descriptor
    public static let news = NewsModel.descriptor
    public static let schelling = SchellingModel.descriptor

    /// The network of a network model, checked against the population's count.
    static func networkOf(_ inputs: ModelInputs) throws(ModelBuildError) -> CSRGraph {
        guard let graph = inputs.network else { throw ModelBuildError(parameter: "network", "this model needs a `network` section") }
        if let count = inputs.count, count != graph.nodeCount {
            throw ModelBuildError(parameter: "count", "count \(count) differs from the network's \(graph.nodeCount) nodes (omit count to take the network's)")
        }
        return graph
    }

    /// Starting nodes: the listed ones, or `count` distinct ones drawn from the seed.
    static func seedNodes(_ inputs: ModelInputs, graph: CSRGraph, list: OptionalParameter<[Int]>, count: Parameter<Int>)
        throws(ModelBuildError) -> [Int] {
        if let ids = inputs.population[list] {
            if let bad = ids.first(where: { $0 >= graph.nodeCount }) {
                throw ModelBuildError(parameter: list.spec.name, "node \(bad) is not in the network (nodes 0..<\(graph.nodeCount))")
            }
            return ids
        }
        let k = inputs.population[count]
        guard k <= graph.nodeCount else {
            throw ModelBuildError(parameter: count.spec.name, "\(k) exceeds the network's \(graph.nodeCount) nodes")
        }
        return sampleDistinct(k, from: graph.nodeCount, seed: inputs.seed)
    }

    /// `k` distinct ids in `0..<n`, drawn from `seed` (Floyd's algorithm), in ascending order.
    static func sampleDistinct(_ k: Int, from n: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(seed: RandomStream(seed: seed, stream: 0x5EED_1D5).key)
        var chosen = Set<Int>()
        for j in (n - k)..<n {
            let t = Int(rng.next() % UInt64(j + 1))
            chosen.insert(chosen.contains(t) ? j : t)
        }
        return chosen.sorted()
    }
}
