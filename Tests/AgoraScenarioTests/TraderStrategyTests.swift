import AgoraCore
import AgoraEngine
import AgoraExchange
@testable import AgoraModels
@testable import AgoraScenario
import Testing

/// A trader kind from outside Agora, as a researcher's package would write it: it buys when the
/// mid has fallen more than `band_bps` below what it was `window` ticks ago, sells when it has
/// risen as far, and counts its orders in its own per-trader state.
struct MeanReversionTrader: TraderStrategy {
    struct State: BitwiseCopyable { var orders: Int32 = 0 }
    typealias AgentState = State

    static let kind = "mean_reversion"
    static let summary = "Bets that the mid returns to where it was."
    static let windowParameter = Parameter<Int>("window", .integer(min: 1, max: 1_000), default: 10, "Ticks looked back.")
    static let band = Parameter<Int>("band_bps", .integer(min: 1, max: 5_000), default: 20, "How far the mid must have moved.")
    static var parameters: [ParameterSpec] { [windowParameter.spec, band.spec] }

    var window: Int
    var bandBasisPoints: Int

    init(_ population: PopulationInput) {
        window = population[Self.windowParameter]
        bandBasisPoints = population[Self.band]
    }

    var historyTicks: Int { window }

    func initialState(random: inout AgentRandom) -> State { State() }

    func decide(_ turn: inout TraderTurn, state: inout State) {
        let then = turn.mid(afterTick: turn.tick - window), mid = turn.market.mid
        guard then > 0 else { return }
        let move = (mid - then) * 10_000 / then
        guard abs(move) > bandBasisPoints else { return }
        turn.orders.replace(move < 0 ? .buy : .sell, price: turn.orders.onGrid(mid), quantity: turn.lots(upTo: 3))
        state.orders += 1
    }
}

@Suite struct TraderStrategyTests {
    static let registry = try! ModelRegistry([ModelCatalog.market(traders: MarketTraders.builtIn + [MeanReversionTrader.self])]
                                             + ModelCatalog.all.filter { $0.name != "market" })

    static let scenario = """
        name: reversion
        model: market
        seed: 5
        ticks: 150
        exchange:
          session: {ticks_per_day: 50, pre_open: 4, no_cancel: 1, closing_call: 3, closed: 2}
          instruments:
            - {name: ACME, reference_price: 10000, band_bps: 1000}
          accounts: {cash: 10000000, position: 1000}
        agents:
          - kind: noise
            count: 400
            params: {activity: 0.2}
          - kind: mean_reversion
            count: 300
            params: {activity: 0.3, window: 5, band_bps: 5}
          - kind: market_maker
            count: 4
            params: {cash: 100000000, position: 10000}

        """

    static func run(shards: Int) throws -> (digest: String, orders: Int) {
        let world = try World.assemble(try ScenarioLoader.parse(scenario, path: "r.yaml", models: registry))
        let market = try #require(world.model as? MarketModel)
        let sim = Simulation(model: market, shards: shards, threads: min(shards, 2))
        sim.run(ticks: 150)
        let states = try #require(market.strategyStates[1] as? Column<MeanReversionTrader.State>)
        return (sim.digest.hex, states.buffer.reduce(0) { $0 + Int($1.orders) })
    }

    @Test func anOutsideKindRunsInTheMarketByNameWithTheSameDigestForAnyShardCount() throws {
        let one = try Self.run(shards: 1), three = try Self.run(shards: 3), five = try Self.run(shards: 5)
        #expect(one.orders > 50, "the outside kind traded: \(one.orders) orders")
        #expect(one.digest == three.digest && one.digest == five.digest && one.orders == three.orders)
        // Agora's own registry does not know it, and says which kinds it does know.
        #expect { try ScenarioLoader.parse(Self.scenario, path: "r.yaml", models: .builtIn) } throws: {
            "\($0)".contains("r.yaml:14:11: agents[1].kind: the market model has no agent kind 'mean_reversion'")
        }
        // A misspelt kind gets a "did you mean" across built-in and registered names.
        let typo = Self.scenario.replacingOccurrences(of: "kind: mean_reversion", with: "kind: mean_reversal")
        #expect { try ScenarioLoader.parse(typo, path: "r.yaml", models: Self.registry) } throws: { "\($0)".contains("did you mean 'mean_reversion'?") }
    }

    @Test func aStrategysStateIsCheckpointedWithTheRun() throws {
        let build = { () throws -> MarketModel in
            try #require(try World.assemble(try ScenarioLoader.parse(Self.scenario, path: "r.yaml", models: Self.registry)).model as? MarketModel)
        }
        let straight = Simulation(model: try build(), shards: 2, threads: 2)
        straight.run(ticks: 150)
        let first = Simulation(model: try build(), shards: 2, threads: 2)
        first.run(ticks: 70)
        let saved = try #require(first.saveState())
        let second = try build()
        let resumed = Simulation(model: second, shards: 3, threads: 2)
        try resumed.loadState(saved)
        let states = try #require(second.strategyStates[1] as? Column<MeanReversionTrader.State>)
        #expect(states.buffer.contains { $0.orders > 0 }, "the counts came back with the checkpoint")
        resumed.run(ticks: 80)
        #expect(resumed.digest == straight.digest)
    }

    @Test func registrationRefusesClashesAndParametersWithoutDefaults() {
        #expect(MarketTraders.conflict(MarketTraders.builtIn + [MeanReversionTrader.self]) == nil)
        #expect(MarketTraders.conflict(MarketTraders.builtIn + [MeanReversionTrader.self, MeanReversionTrader.self])
                == "the trader kind 'mean_reversion' is registered twice")
        #expect(ModelRegistry.problem(ModelCatalog.all) == nil, "Agora's own models register")
        #expect(ModelRegistry.problem(ModelCatalog.all + [ModelCatalog.sir]) == "the model 'sir' is registered twice")
        func model(_ p: ParameterSpec) -> ModelDescriptor {
            ModelDescriptor(name: "m", summary: "", agentKinds: [AgentKindDescriptor(name: "a", summary: "", parameters: [p])], maxPopulations: 1,
                            network: .none, usesExchange: false, build: { (_) throws(ModelBuildError) -> any Model in
                                throw ModelBuildError(parameter: "", "never built")
                            })
        }
        #expect(ModelRegistry.problem([model(ParameterSpec("x", .integer(min: 0, max: 9), default: nil, "no default"))])
                == "m, kind 'a', parameter 'x': no default (give one, or declare it optional)")
        #expect(ModelRegistry.problem([model(ParameterSpec("x", .integer(min: 0, max: 9), default: .integer(12), "out of range"))])
                == "m, kind 'a', parameter 'x': its default 12 is outside 0...9")
        #expect(ModelRegistry.problem([model(ParameterSpec("x", .probability, default: .text("half"), "wrong type"))])?.contains("is not a probability") == true)
        #expect(ModelRegistry.problem([model(OptionalParameter<Int>("x", .integer(min: 0, max: 9), "may be unset").spec)]) == nil)
        #expect(throws: ModelRegistry.Refusal.self) { try ModelRegistry(ModelCatalog.all + [ModelCatalog.boltzmann]) }
    }
}

/// Event kinds declared by name are numbered at registration, apart from every other model's.
@Suite struct EventRegistrationTests {
    static func model(_ name: String, events: [EventKind]) -> ModelDescriptor {
        ModelDescriptor(name: name, summary: "", agentKinds: [AgentKindDescriptor(name: "a", summary: "", parameters: [])], maxPopulations: 1,
                        network: .none, usesExchange: false, events: events,
                        build: { (_) throws(ModelBuildError) -> any Model in throw ModelBuildError(parameter: "", "never built") })
    }

    @Test func namedKindsGetNumbersNoOtherModelHasAndClashesAreRefused() throws {
        let a = Self.model("a", events: [.named("fire", columns: []), .named("smoke", columns: ["x"])])
        let b = Self.model("b", events: [.named("fire", columns: [])])
        let registry = try ModelRegistry(ModelCatalog.all + [a, b])
        let numbers = registry.models.flatMap { $0.events.map(\.id) }
        #expect(Set(numbers).count == numbers.count && !numbers.contains(0), "every kind numbered, none twice: \(numbers)")
        let fireA = try #require(registry.named("a")?.events.first), fireB = try #require(registry.named("b")?.events.first)
        #expect(fireA.id >= 100 && fireB.id >= 100 && fireA.id != fireB.id && fireA.name == "fire" && fireB.name == "fire")
        // A numbered kind that another model's number takes is refused, and so is a name given twice.
        let clash = Self.model("c", events: [EventKind(id: 20, name: "tick", columns: [])])
        #expect(ModelRegistry.problem(ModelCatalog.all + [clash])?.contains("has the number 20, which 'report' of 'market' has") == true)
        #expect(ModelRegistry.problem([Self.model("d", events: [.named("x", columns: []), .named("x", columns: [])])])
                == "the model 'd' declares the event kind 'x' twice")
        // Streams by name: apart across names and models, the same each time.
        let inputs = { (m: String) in ModelInputs(seed: 1, populations: [], modelName: m) }
        #expect(inputs("a").stream("growth") == inputs("a").stream("growth"))
        #expect(inputs("a").stream("growth") != inputs("a").stream("lightning") && inputs("a").stream("growth") != inputs("b").stream("growth"))
    }
}
