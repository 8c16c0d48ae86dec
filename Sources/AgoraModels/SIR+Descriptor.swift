import AgoraCore
import AgoraEngine

extension SIRModel {
    /// The sir model's parameters, declared once.
    public enum Parameters {
        public static let transmission = Parameter<Double>("transmission", .probability, default: 0.05,
                                                           "Chance that one infected neighbour infects a susceptible node in a tick.")
        public static let recovery = Parameter<Double>("recovery", .probability, default: 0.1, "Chance that an infected node recovers in a tick.")
        public static let initialInfected = OptionalParameter<[Int]>(
            "initial_infected", .integers(min: 0, max: Int(Int32.max)),
            "Node ids infected at tick 0. When absent, `initial_infected_count` nodes are drawn from the seed.")
        public static let initialInfectedCount = Parameter<Int>("initial_infected_count", .integer(min: 0, max: Int(Int32.max)), default: 10,
                                                                "How many nodes to infect at tick 0 when `initial_infected` is absent.")
    }

    /// The sir model as a scenario names it.
    public static let descriptor = ModelDescriptor(
        name: "sir",
        summary: "SIR epidemic on a network: infected nodes expose their neighbours each tick, then recover.",
        agentKinds: [AgentKindDescriptor(name: "person", summary: "A node of the network: susceptible, infected or recovered.", parameters: [
            Parameters.transmission.spec, Parameters.recovery.spec, Parameters.initialInfected.spec, Parameters.initialInfectedCount.spec,
        ])],
        maxPopulations: 1,
        network: .required,
        usesExchange: false, keepsOwnAgents: true,
        events: [SIRModel.transitionEvent],
        bytesPerAgent: 8,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            guard let graph = inputs.network else {
                throw ModelBuildError(parameter: "network", "the sir model needs a `network` section")
            }
            if let count = inputs.count, count != graph.nodeCount {
                throw ModelBuildError(parameter: "count",
                                      "count \(count) differs from the network's \(graph.nodeCount) nodes (omit count to take the network's)")
            }
            let p = inputs.population
            let infected = try ModelCatalog.seedNodes(inputs, graph: graph, list: Parameters.initialInfected, count: Parameters.initialInfectedCount)
            return SIRModel(graph: graph, initialInfected: infected, transmission: p[Parameters.transmission],
                            recovery: p[Parameters.recovery], seed: inputs.seed)
        })
}
