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

    public init(seed: UInt64, populations: [PopulationInput], network: CSRGraph? = nil, market: MarketSpec? = nil,
                llm: LLMSettings? = nil, answers: (any AnswerSource)? = nil, placement: ModelPlacement? = nil) {
        self.placement = placement
        self.seed = seed
        self.populations = populations
        self.network = network
        self.market = market
        self.llm = llm
        self.answers = answers
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
    /// Spread over processes, whether a process touches only its own agents' network rows, so that
    /// each builds and keeps just those (see `CSRGraph.rows`), and is built with its placement
    /// (`ModelInputs.placement`); the market then also keeps only its own traders' columns.
    public var keepsOwnAgents: Bool = false
    public let build: @Sendable (ModelInputs) throws(ModelBuildError) -> any Model

    public func kind(_ name: String) -> AgentKindDescriptor? { agentKinds.first { $0.name == name } }
    public var needsNetwork: Bool { network == .required }
    public var acceptsNetwork: Bool { network != .none }
}

/// How a model uses a network: not at all, when the scenario gives one, or always.
public enum NetworkUse: Sendable, Hashable {
    case none, optional, required
}

/// The models Agora ships, by name.
public enum ModelCatalog {
    public static let all: [ModelDescriptor] = [boltzmann, sir, cascade, opinion, news, market]

    public static func named(_ name: String) -> ModelDescriptor? { all.first { $0.name == name } }

    public static let boltzmann = ModelDescriptor(
        name: "boltzmann",
        summary: "Boltzmann wealth exchange: each agent with wealth gives one unit to a random other agent per tick.",
        agentKinds: [AgentKindDescriptor(name: "agent", summary: "An agent holding integer wealth.", parameters: [
            ParameterSpec("initial_wealth", .integer(min: 0, max: Int(Int32.max)), default: .integer(1),
                          "Units of wealth each agent starts with."),
            ParameterSpec("record_state", .flag, default: .flag(true),
                          "Hash every agent's wealth into the run digest each tick (off: only totals)."),
        ])],
        maxPopulations: 1,
        network: .none,
        usesExchange: false,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            guard let count = inputs.count else { throw ModelBuildError(parameter: "count", "the boltzmann model needs a count") }
            guard count >= 2 else { throw ModelBuildError(parameter: "count", "the boltzmann model needs at least 2 agents, got \(count)") }
            let wealth = inputs.integer("initial_wealth") ?? 1
            guard count.multipliedReportingOverflow(by: wealth).partialValue <= Int(Int32.max), wealth <= Int(Int32.max) / count else {
                throw ModelBuildError(parameter: "initial_wealth",
                                      "total wealth \(count) × \(wealth) does not fit in 32 bits (max \(Int32.max))")
            }
            return BoltzmannModel(agents: count, initialWealth: wealth, seed: inputs.seed,
                                  recordState: inputs.flag("record_state") ?? true)
        })

    public static let sir = ModelDescriptor(
        name: "sir",
        summary: "SIR epidemic on a network: infected nodes expose their neighbours each tick, then recover.",
        agentKinds: [AgentKindDescriptor(name: "person", summary: "A node of the network: susceptible, infected or recovered.", parameters: [
            ParameterSpec("transmission", .probability, default: .number(0.05),
                          "Chance that one infected neighbour infects a susceptible node in a tick."),
            ParameterSpec("recovery", .probability, default: .number(0.1), "Chance that an infected node recovers in a tick."),
            ParameterSpec("initial_infected", .integers(min: 0, max: Int(Int32.max)), default: nil,
                          "Node ids infected at tick 0. When absent, `initial_infected_count` nodes are drawn from the seed.", optional: true),
            ParameterSpec("initial_infected_count", .integer(min: 0, max: Int(Int32.max)), default: .integer(10),
                          "How many nodes to infect at tick 0 when `initial_infected` is absent."),
        ])],
        maxPopulations: 1,
        network: .required,
        usesExchange: false, keepsOwnAgents: true,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            guard let graph = inputs.network else {
                throw ModelBuildError(parameter: "network", "the sir model needs a `network` section")
            }
            if let count = inputs.count, count != graph.nodeCount {
                throw ModelBuildError(parameter: "count",
                                      "count \(count) differs from the network's \(graph.nodeCount) nodes (omit count to take the network's)")
            }
            var infected: [Int]
            if let ids = inputs.integers("initial_infected") {
                if let bad = ids.first(where: { $0 >= graph.nodeCount }) {
                    throw ModelBuildError(parameter: "initial_infected",
                                          "node \(bad) is not in the network (nodes 0..<\(graph.nodeCount))")
                }
                infected = ids
            } else {
                let k = inputs.integer("initial_infected_count") ?? 10
                guard k <= graph.nodeCount else {
                    throw ModelBuildError(parameter: "initial_infected_count",
                                          "\(k) exceeds the network's \(graph.nodeCount) nodes")
                }
                infected = sampleDistinct(k, from: graph.nodeCount, seed: inputs.seed)
            }
            return SIRModel(graph: graph, initialInfected: infected, transmission: inputs.number("transmission") ?? 0.05,
                            recovery: inputs.number("recovery") ?? 0.1, seed: inputs.seed)
        })

    public static let cascade = ModelDescriptor(
        name: "cascade",
        summary: "Information cascade on a network: independent cascade or linear threshold from a few seeds.",
        agentKinds: [AgentKindDescriptor(name: "person", summary: "A node of the network: inactive or active.", parameters: [
            ParameterSpec("rule", .choice(["independent_cascade", "linear_threshold"]), default: .text("independent_cascade"),
                          "How activation spreads."),
            ParameterSpec("probability", .probability, default: .number(0.1),
                          "Independent cascade: the chance that a newly active node activates each neighbour."),
            ParameterSpec("seeds", .integers(min: 0, max: Int(Int32.max)), default: nil, "Nodes active at tick 0.", optional: true),
            ParameterSpec("seed_count", .integer(min: 1, max: Int(Int32.max)), default: .integer(10),
                          "How many nodes to activate at tick 0 when `seeds` is absent, drawn from the seed."),
        ])],
        maxPopulations: 1, network: .required, usesExchange: false, keepsOwnAgents: true,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            let graph = try networkOf(inputs)
            let seeds = try seedNodes(inputs, graph: graph, list: "seeds", count: "seed_count")
            let rule: CascadeModel.Rule = inputs.text("rule") == "linear_threshold" ? .linearThreshold : .independentCascade
            return CascadeModel(graph: graph, rule: rule, probability: inputs.number("probability") ?? 0.1, seeds: seeds, seed: inputs.seed)
        })

    public static let opinion = ModelDescriptor(
        name: "opinion",
        summary: "Bounded-confidence opinion dynamics on a network: Deffuant or Hegselmann–Krause.",
        agentKinds: [AgentKindDescriptor(name: "person", summary: "A node of the network with an opinion in [0, 1].", parameters: [
            ParameterSpec("rule", .choice(["deffuant", "hegselmann_krause"]), default: .text("deffuant"), "How opinions move."),
            ParameterSpec("epsilon", .number(min: 0, max: 1), default: .number(0.2), "Confidence bound: only opinions this close count."),
            ParameterSpec("mu", .probability, default: .number(0.5), "Deffuant: the share of the gap an agent moves."),
        ])],
        maxPopulations: 1, network: .required, usesExchange: false, keepsOwnAgents: true,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            let graph = try networkOf(inputs)
            let rule: OpinionModel.Rule = inputs.text("rule") == "hegselmann_krause" ? .hegselmannKrause : .deffuant
            return OpinionModel(graph: graph, rule: rule, epsilon: inputs.number("epsilon") ?? 0.2, mu: inputs.number("mu") ?? 0.5,
                                seed: inputs.seed)
        })

    public static let news = ModelDescriptor(
        name: "news",
        summary: "News spreading on a social network with emotion and attitude, after S3: posts, reposts, feeds.",
        agentKinds: [AgentKindDescriptor(name: "person", summary: "A user with an emotion, an attitude and a feed.", parameters: [
            ParameterSpec("news_tick", .integer(min: 0, max: Int(UInt16.max)), default: .integer(5), "When the news breaks."),
            ParameterSpec("seed_count", .integer(min: 1, max: Int(Int32.max)), default: .integer(20), "How many people hear it first."),
            ParameterSpec("news_attitude", .choice(["negative", "neutral", "positive"]), default: .text("negative"),
                          "The attitude the news carries."),
            ParameterSpec("feed_size", .integer(min: 1, max: 256), default: .integer(8), "Posts kept in a feed (the most recent)."),
            ParameterSpec("post_probability", .probability, default: .number(0.05),
                          "Chance an aware person posts in a tick (×2 when moderate, ×3 when intense)."),
            ParameterSpec("repost_probability", .probability, default: .number(0.1), "Chance to repost the latest post of one's feed instead."),
            ParameterSpec("contagion", .probability, default: .number(0.6), "Emotion rises one step with this × the mean emotion of the posts read ÷ 2."),
            ParameterSpec("decay", .probability, default: .number(0.2), "Chance that emotion calms one step otherwise."),
            ParameterSpec("conformity", .probability, default: .number(0.3), "Chance to move one step toward the attitude of what one read."),
            ParameterSpec("prior_negative", .probability, default: .number(0.3), "Share of people who start negative."),
            ParameterSpec("prior_positive", .probability, default: .number(0.3), "Share of people who start positive."),
            ParameterSpec("unfollow_probability", .probability, default: .number(0),
                          "Chance to unfollow the author of the post at the head of one's feed when it carries the opposite attitude."),
            ParameterSpec("follow_probability", .probability, default: .number(0),
                          "Chance to follow the original author of the post at the head of one's feed when it is a repost."),
            ParameterSpec("like_probability", .probability, default: .number(0),
                          "Chance to like the newest post read unless it carries the opposite attitude."),
            ParameterSpec("feed_ranking", .choice(["recency", "engagement"]), default: .text("recency"),
                          "Which post heads a feed (is reposted, followed, unfollowed): the newest or the most liked."),
        ])],
        maxPopulations: 1, network: .required, usesExchange: false, keepsOwnAgents: true,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            let graph = try networkOf(inputs)
            var p = NewsModel.Parameters()
            p.newsTick = inputs.integer("news_tick") ?? 5
            p.seedCount = inputs.integer("seed_count") ?? 20
            p.newsAttitude = ["negative": -1, "neutral": 0, "positive": 1][inputs.text("news_attitude") ?? "negative"] ?? -1
            p.feedSize = inputs.integer("feed_size") ?? 8
            p.postProbability = inputs.number("post_probability") ?? 0.05
            p.repostProbability = inputs.number("repost_probability") ?? 0.1
            p.contagion = inputs.number("contagion") ?? 0.6
            p.decay = inputs.number("decay") ?? 0.2
            p.conformity = inputs.number("conformity") ?? 0.3
            p.priorNegative = inputs.number("prior_negative") ?? 0.3
            p.priorPositive = inputs.number("prior_positive") ?? 0.3
            p.unfollowProbability = inputs.number("unfollow_probability") ?? 0
            p.followProbability = inputs.number("follow_probability") ?? 0
            p.likeProbability = inputs.number("like_probability") ?? 0
            p.ranking = NewsModel.FeedRanking(rawValue: inputs.text("feed_ranking") ?? "recency") ?? .recency
            guard p.priorNegative + p.priorPositive <= 1 else {
                throw ModelBuildError(parameter: "prior_positive", "prior_negative + prior_positive must not exceed 1")
            }
            guard p.seedCount <= graph.nodeCount else {
                throw ModelBuildError(parameter: "seed_count", "\(p.seedCount) exceeds the network's \(graph.nodeCount) nodes")
            }
            let seeds = sampleDistinct(p.seedCount, from: graph.nodeCount, seed: inputs.seed)
            return NewsModel(graph: graph, params: p, seeds: seeds, seed: inputs.seed)
        })

    /// The network of a network model, checked against the population's count.
    static func networkOf(_ inputs: ModelInputs) throws(ModelBuildError) -> CSRGraph {
        guard let graph = inputs.network else { throw ModelBuildError(parameter: "network", "this model needs a `network` section") }
        if let count = inputs.count, count != graph.nodeCount {
            throw ModelBuildError(parameter: "count", "count \(count) differs from the network's \(graph.nodeCount) nodes (omit count to take the network's)")
        }
        return graph
    }

    /// Starting nodes: the listed ones, or `count` distinct ones drawn from the seed.
    static func seedNodes(_ inputs: ModelInputs, graph: CSRGraph, list: String, count: String) throws(ModelBuildError) -> [Int] {
        if let ids = inputs.integers(list) {
            if let bad = ids.first(where: { $0 >= graph.nodeCount }) {
                throw ModelBuildError(parameter: list, "node \(bad) is not in the network (nodes 0..<\(graph.nodeCount))")
            }
            return ids
        }
        let k = inputs.integer(count) ?? 10
        guard k <= graph.nodeCount else { throw ModelBuildError(parameter: count, "\(k) exceeds the network's \(graph.nodeCount) nodes") }
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
