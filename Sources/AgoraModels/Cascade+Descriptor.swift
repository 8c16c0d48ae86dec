import AgoraCore
import AgoraEngine

extension CascadeModel {
    /// The cascade model's parameters, declared once.
    public enum Parameters {
        public static let rule = Parameter<String>("rule", .choice(["independent_cascade", "linear_threshold"]), default: "independent_cascade",
                                                   "How activation spreads.")
        public static let probability = Parameter<Double>("probability", .probability, default: 0.1,
                                                          "Independent cascade: the chance that a newly active node activates each neighbour.")
        public static let seeds = OptionalParameter<[Int]>("seeds", .integers(min: 0, max: Int(Int32.max)), "Nodes active at tick 0.")
        public static let seedCount = Parameter<Int>("seed_count", .integer(min: 1, max: Int(Int32.max)), default: 10,
                                                     "How many nodes to activate at tick 0 when `seeds` is absent, drawn from the seed.")
    }

    /// The cascade model as a scenario names it.
    public static let descriptor = ModelDescriptor(
        name: "cascade",
        summary: "Information cascade on a network: independent cascade or linear threshold from a few seeds.",
        agentKinds: [AgentKindDescriptor(name: "person", summary: "A node of the network: inactive or active.", parameters: [
            Parameters.rule.spec, Parameters.probability.spec, Parameters.seeds.spec, Parameters.seedCount.spec,
        ])],
        maxPopulations: 1, network: .required, usesExchange: false, keepsOwnAgents: true,
        events: [CascadeModel.activationEvent],
        bytesPerAgent: 8,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            let graph = try ModelCatalog.networkOf(inputs)
            let seeds = try ModelCatalog.seedNodes(inputs, graph: graph, list: Parameters.seeds, count: Parameters.seedCount)
            let p = inputs.population
            let rule: CascadeModel.Rule = p[Parameters.rule] == "linear_threshold" ? .linearThreshold : .independentCascade
            return CascadeModel(graph: graph, rule: rule, probability: p[Parameters.probability], seeds: seeds, seed: inputs.seed)
        })
}
