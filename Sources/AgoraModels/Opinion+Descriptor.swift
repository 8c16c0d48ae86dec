import AgoraCore
import AgoraEngine

extension OpinionModel {
    /// The opinion model's parameters, declared once.
    public enum Parameters {
        public static let rule = Parameter<String>("rule", .choice(["deffuant", "hegselmann_krause"]), default: "deffuant", "How opinions move.")
        public static let epsilon = Parameter<Double>("epsilon", .number(min: 0, max: 1), default: 0.2,
                                                      "Confidence bound: only opinions this close count.")
        public static let mu = Parameter<Double>("mu", .probability, default: 0.5, "Deffuant: the share of the gap an agent moves.")
    }

    /// The opinion model as a scenario names it.
    public static let descriptor = ModelDescriptor(
        name: "opinion",
        summary: "Bounded-confidence opinion dynamics on a network: Deffuant or Hegselmann–Krause.",
        agentKinds: [AgentKindDescriptor(name: "person", summary: "A node of the network with an opinion in [0, 1].",
                                         parameters: [Parameters.rule.spec, Parameters.epsilon.spec, Parameters.mu.spec])],
        maxPopulations: 1, network: .required, usesExchange: false, keepsOwnAgents: true,
        events: [OpinionModel.opinionEvent],
        bytesPerAgent: 8,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            let graph = try ModelCatalog.networkOf(inputs)
            let p = inputs.population
            let rule: OpinionModel.Rule = p[Parameters.rule] == "hegselmann_krause" ? .hegselmannKrause : .deffuant
            return OpinionModel(graph: graph, rule: rule, epsilon: p[Parameters.epsilon], mu: p[Parameters.mu], seed: inputs.seed)
        })
}
