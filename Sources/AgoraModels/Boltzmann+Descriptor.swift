import AgoraCore
import AgoraEngine

extension BoltzmannModel {
    /// The boltzmann model's parameters, declared once.
    public enum Parameters {
        public static let initialWealth = Parameter<Int>("initial_wealth", .integer(min: 0, max: Int(Int32.max)), default: 1,
                                                         "Units of wealth each agent starts with.")
        public static let recordState = Parameter<Bool>("record_state", .flag, default: true,
                                                        "Hash every agent's wealth into the run digest each tick (off: only totals).")
        public static let giniEvery = Parameter<Int>("gini_every", .integer(min: 0, max: 1_000_000), default: 1,
                                                     "Measure the Gini coefficient every this many ticks, the `gini` metric (0: never; an exact pass over every agent).")
    }

    /// The boltzmann model as a scenario names it.
    public static let descriptor = ModelDescriptor(
        name: "boltzmann",
        summary: "Boltzmann wealth exchange: each agent with wealth gives one unit to a random other agent per tick.",
        agentKinds: [AgentKindDescriptor(name: "agent", summary: "An agent holding integer wealth.",
                                         parameters: [Parameters.initialWealth.spec, Parameters.recordState.spec,
                                                                      Parameters.giniEvery.spec])],
        maxPopulations: 1,
        network: .none,
        usesExchange: false,
        events: [BoltzmannModel.wealthEvent],
        bytesPerAgent: 4,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            guard let count = inputs.count else { throw ModelBuildError(parameter: "count", "the boltzmann model needs a count") }
            guard count >= 2 else { throw ModelBuildError(parameter: "count", "the boltzmann model needs at least 2 agents, got \(count)") }
            let wealth = inputs.population[Parameters.initialWealth]
            guard count.multipliedReportingOverflow(by: wealth).partialValue <= Int(Int32.max), wealth <= Int(Int32.max) / count else {
                throw ModelBuildError(parameter: "initial_wealth",
                                      "total wealth \(count) × \(wealth) does not fit in 32 bits (max \(Int32.max))")
            }
            return BoltzmannModel(agents: count, initialWealth: wealth, seed: inputs.seed,
                                  recordState: inputs.population[Parameters.recordState], giniEvery: inputs.population[Parameters.giniEvery])
        })
}
