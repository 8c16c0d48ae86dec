import AgoraLLM
import AgoraModels
@testable import AgoraScenario
import Foundation
import Testing

/// The repository's scenarios/ folder, found from this file's location.
let scenariosFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scenarios").path

/// The problems found in a scenario text, in an environment without OPENAI_* variables by default.
func issues(_ text: String, overrides: [String] = [], environment: [String: String] = [:]) -> [String] {
    do {
        let parsed = try overrides.map { text throws(ScenarioErrors) in try Override.parse(text) }
        _ = try ScenarioLoader.parse(text, path: "s.yaml", overrides: parsed, environment: environment)
        return []
    } catch {
        return error.issues.map(\.description)
    }
}

let valid = """
name: demo
model: boltzmann
seed: 7
ticks: 10
agents:
  - kind: agent
    count: 1000
"""

@Suite struct ScenarioReadingTests {
    @Test func aValidScenarioReadsWithDefaultsFilledIn() throws {
        let s = try ScenarioLoader.parse(valid, path: "s.yaml")
        #expect(s.name == "demo")
        #expect(s.model.name == "boltzmann")
        #expect(s.seed == 7)
        #expect(s.ticks == 10)
        #expect(s.populations.count == 1)
        #expect(s.populations[0].count == 1_000)
        #expect(s.populations[0].params["initial_wealth"] == .integer(1))
        #expect(s.populations[0].params["record_state"] == .flag(true))
        #expect(s.engine == EngineSettings(shards: nil, threads: nil))
    }

    @Test func wrongValuesAreReportedWithLineColumnAndPath() {
        let text = """
        name: demo
        model: boltzmann
        ticks: 10
        agents:
          - kind: agent
            count: 5
          - kind: agent
            count: ten
        """
        let expected: [String] = [
            "s.yaml:5:3: agents: the boltzmann model runs one population; got 2",
            "s.yaml:8:12: agents[1].count: expected a positive integer, got \"ten\"",
        ]
        #expect(issues(text) == expected)
    }

    @Test func everyErrorIsReportedAtOnce() {
        let text = """
        name: demo
        model: boltzman
        seed: -1
        ticks: 0
        agents:
          - kind: agent
            count: 3
            colour: red
        """
        #expect(issues(text) == [
            "s.yaml:2:8: model: unknown model 'boltzman' (did you mean 'boltzmann'?); models: boltzmann, sir, cascade, opinion, news, market, schelling",
            "s.yaml:3:7: seed: expected a non-negative integer below 2^64, got \"-1\"",
            "s.yaml:4:8: ticks: expected a positive integer, got 0",
            "s.yaml:8:5: agents[0].colour: unknown field; expected one of: kind, count, params",
        ])
    }

    @Test func missingFieldsAndSyntaxErrors() {
        #expect(issues("model: boltzmann\n").contains { $0.contains("name: missing") })
        #expect(issues("model: boltzmann\n").contains { $0.contains("ticks: missing") })
        #expect(issues("name: x\nticks: [1,\n") == [
            "s.yaml:3:1: YAML syntax error: did not find expected node content (while parsing a flow node at 3:1)",
        ])
        #expect(issues("") == ["s.yaml: the file is empty"])
        #expect(issues("- 1\n- 2\n") == ["s.yaml:1:1: expected a mapping of fields, got a list"])
    }

    @Test func modelParametersAreCheckedAgainstTheirSpec() {
        let text = valid + "\n    params:\n      initial_wealth: -2\n      record_state: maybe\n      speed: 3\n"
        #expect(issues(text) == [
            "s.yaml:9:23: agents[0].params.initial_wealth: expected a non-negative integer, got -2",
            "s.yaml:10:21: agents[0].params.record_state: expected true or false, got \"maybe\"",
            "s.yaml:11:7: agents[0].params.speed: unknown field; expected one of: initial_wealth, record_state, gini_every",
        ])
    }

    @Test func wrongKindAndSectionsTheModelDoesNotUse() {
        let text = """
        name: demo
        model: boltzmann
        ticks: 3
        agents:
          - kind: trader
            count: 5
        network:
          generator: ba
          nodes: 100
          m: 2
        exchange: {}
        """
        let found = issues(text)
        #expect(found.contains("s.yaml:5:11: agents[0].kind: the boltzmann model runs agents of kind 'agent', not 'trader'"))
        #expect(found.contains("s.yaml:8:3: network: the boltzmann model does not use a network; remove this section"))
        #expect(found.contains("s.yaml:11:11: exchange: the boltzmann model has no exchange settings; remove this section"))
    }

    @Test func networkSpecs() throws {
        let base = "name: n\nmodel: sir\nticks: 2\nagents:\n  - kind: person\n"
        let generated = try ScenarioLoader.parse(base + "network:\n  generator: ba\n  nodes: 100\n  m: 3\n", path: "d/s.yaml")
        #expect(generated.network == .barabasiAlbert(nodes: 100, m: 3, seed: 1))
        let file = try ScenarioLoader.parse(base + "network:\n  file: g.u32.zst\n", path: "d/s.yaml")
        #expect(file.network == .file(path: "d/g.u32.zst", format: "u32"))
        let text = try ScenarioLoader.parse(base + "network:\n  file: people.txt.zst\n", path: "d/s.yaml")
        #expect(text.network == .file(path: "d/people.txt.zst", format: "text"))
        let er = try ScenarioLoader.parse(base + "network:\n  generator: er\n  nodes: 101\n  mean_degree: 5\n", path: "s.yaml")
        #expect(er.network == .erdosRenyi(nodes: 101, p: 0.05, seed: 1))
        let ws = try ScenarioLoader.parse(base + "network:\n  generator: ws\n  nodes: 50\n  k: 4\n  beta: 0.1\n", path: "s.yaml")
        #expect(ws.network == .wattsStrogatz(nodes: 50, k: 4, beta: 0.1, seed: 1))
        let sbm = try ScenarioLoader.parse(base + "network:\n  generator: sbm\n  blocks: [30, 20]\n  p_in: 0.2\n  p_out: 0.01\n", path: "s.yaml")
        #expect(sbm.network == .stochasticBlock(sizes: [30, 20], pIn: 0.2, pOut: 0.01, seed: 1))
        let igraph = try ScenarioLoader.parse(base + "network:\n  generator: ba\n  nodes: 100\n  m: 3\n  variant: igraph\n", path: "s.yaml")
        #expect(igraph.network == .barabasiAlbert(nodes: 100, m: 3, seed: 1, igraph: true))
        #expect(issues(base + "network:\n  generator: ws\n  nodes: 50\n  k: 3\n  beta: 0.1\n") ==
                ["s.yaml:9:6: network.k: must be even and below nodes (50), got 3"])
        #expect(issues(base + "network:\n  generator: er\n  nodes: 50\n  m: 3\n  p: 0.1\n") ==
                ["s.yaml:9:6: network.m: not used by the er generator"])
        #expect(issues(base) == ["s.yaml:1:1: network: missing; the sir model runs on a network"])
        #expect(issues(base + "network:\n  generator: ba\n  nodes: 10\n  m: 10\n") ==
                ["s.yaml:9:6: network.m: must be smaller than nodes (10), got 10"])
        #expect(issues(base + "network:\n  generator: tree\n  nodes: 10\n  m: 1\n") ==
                ["s.yaml:7:14: network.generator: unknown generator 'tree'; supported: ba, er, ws, sbm, config"])
    }
}

@Suite struct OverrideTests {
    @Test func overridesReplaceAndCreateFields() throws {
        let o = try ["seed=99", "agents[0].count=2_000", "agents[0].params.initial_wealth=3", "engine.shards=4"]
            .map { text throws(ScenarioErrors) in try Override.parse(text) }
        let s = try ScenarioLoader.parse(valid, path: "s.yaml", overrides: o)
        #expect(s.seed == 99)
        #expect(s.populations[0].count == 2_000)
        #expect(s.populations[0].params["initial_wealth"] == .integer(3))
        #expect(s.engine.shards == 4)
        #expect(s.resolvedYAML.contains("shards: 4"))
        #expect(s.overrides == o.map(\.label))
    }

    @Test func badOverridesNameTheOverride() {
        #expect(issues(valid, overrides: ["agents[0].count=ten"]) ==
                ["--set agents[0].count=ten: agents[0].count: expected a positive integer, got \"ten\""])
        #expect(issues(valid, overrides: ["agents[3].count=1"]) ==
                ["--set agents[3].count=1: agents[3].count: unknown --set path: agents has 1 entry, no [3]"])
        #expect(issues(valid, overrides: ["tiks=5"]) == ["--set tiks=5: tiks: unknown field; did you mean 'ticks'?"])
        #expect(issues(valid, overrides: ["seed.x=5"]) ==
                ["--set seed.x=5: seed.x: unknown --set path: seed is not a mapping, so it has no field 'x'"])
        #expect(issues(valid, overrides: ["engine.shards=0"]) ==
                ["--set engine.shards=0: engine.shards: expected an integer in 1...4096, got 0"])
    }

    @Test(arguments: ["", "=3", "a..b=1", "a[x]=1", "[0]=1", "a[-1]=2", "novalue"])
    func malformedOverridesAreRejected(text: String) {
        #expect(throws: ScenarioErrors.self) { try Override.parse(text) }
    }

    @Test func pathsParse() {
        #expect(Override.parsePath("agents[0].params.x") == [.key("agents"), .index(0), .key("params"), .key("x")])
        #expect(Override.parsePath("seed") == [.key("seed")])
    }
}

@Suite struct AssemblyTests {
    @Test func everyShippedScenarioIsValid() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: scenariosFolder).filter { $0.hasSuffix(".yaml") }
        #expect(files.contains("quickstart.yaml"))
        #expect(files.contains("boltzmann.yaml"))
        #expect(files.contains("sir-network.yaml"))
        #expect(files.contains("market.yaml"))
        for f in files {
            // Shrunk so the check is quick; the shape and every field are still read and validated.
            let path = scenariosFolder + "/" + f
            let s = try ScenarioLoader.load(path: path)
            #expect(s.ticks > 0, "\(f)")
        }
    }

    @Test func everyShippedSweepReadsWithEveryPointValid() throws {
        let folder = scenariosFolder + "/sweeps"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 3)
        for f in files {
            let spec = try SweepLoader.load(path: folder + "/" + f)
            #expect(!spec.points().isEmpty && spec.parameters.count >= 2, "\(f)")
        }
    }

    @Test func sweepDesignsGiveTheirPoints() throws {
        let spec = try SweepLoader.load(path: scenariosFolder + "/sweeps/market-fundamentalists.yaml")
        let points = spec.points()
        #expect(points.count == 8 && points == spec.points(), "the same points every time")
        // A Latin hypercube uses each eighth of each range once.
        for (j, p) in spec.parameters.enumerated() {
            let r = try #require(p.range)
            let strata = points.map { Int((Double($0.values[j])! - r.lowerBound) / (r.upperBound - r.lowerBound) * 8).clamped(to: 0...7) }
            #expect(Set(strata).count == 8 || p.integer, "\(p.path): \(strata)")
        }
        let grid = try SweepLoader.load(path: scenariosFolder + "/sweeps/sir-transmission.yaml")
        #expect(grid.points().count == 8 && grid.points()[1].values == ["0.01", "0.2"])
    }

    @Test(arguments: [("{min: 0.1, max: 0.7, steps: 7}", ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]),
                      ("{min: 0.05, max: 0.2, steps: 4}", ["0.05", "0.1", "0.15", "0.2"]),
                      ("{min: 0.001, max: 0.003, steps: 3}", ["0.001", "0.002", "0.003"]),
                      ("{min: 0, max: 1, steps: 3, integer: false}", ["0.0", "0.5", "1.0"])])
    func aRangesValuesKeepTheStepsDecimals(range: String, values: [String]) throws {
        let folder = NSTemporaryDirectory() + "agora-sweep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/s.yaml"
        try Data("name: r\nbase: \(scenariosFolder)/sir-network.yaml\nparameters:\n  agents[0].params.transmission: \(range)\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let spec = try SweepLoader.load(path: path)
        #expect(spec.points().map { $0.values[0] } == values)
        #expect(spec.overrides(spec.points()[1], replicate: 0).contains("agents[0].params.transmission=\(values[1])"))
    }

    @Test func aSweepsMetricsAreReadFromTheTextTheCatalogKeeps() {
        #expect(SweepLoader.metrics(inText: "name: s\nbase: gone.yaml\nmetrics: [R, peak_infected]\n") == ["R", "peak_infected"])
        #expect(SweepLoader.metrics(inText: "name: s\n").isEmpty && SweepLoader.metrics(inText: "[: not yaml").isEmpty)
    }

    @Test func assemblyErrorsPointAtTheField() throws {
        let text = valid + "\n    params:\n      initial_wealth: 3000000\n"
        let s = try ScenarioLoader.parse(text, path: "s.yaml")
        #expect {
            try World.assemble(s)
        } throws: { error in
            "\(error)" == "s.yaml:9:23: agents[0].params.initial_wealth: total wealth 1000 × 3000000 does not fit in 32 bits (max 2147483647)"
        }
        let missing = try ScenarioLoader.parse(
            "name: n\nmodel: sir\nticks: 2\nagents:\n  - kind: person\nnetwork:\n  file: nowhere.u32\n", path: "s.yaml")
        #expect {
            try World.assemble(missing)
        } throws: { error in
            "\(error)".hasPrefix("s.yaml:7:9: network.file: nowhere.u32: cannot read the file")
        }
    }

    @Test func assemblesWorldsOnEveryKindOfNetwork() throws {
        let base = "name: n\nmodel: sir\nticks: 2\nagents:\n  - kind: person\n"
        let sbm = try World.assemble(try ScenarioLoader.parse(
            base + "network:\n  generator: sbm\n  blocks: [300, 200]\n  p_in: 0.05\n  p_out: 0.001\n", path: "s.yaml"))
        #expect(sbm.agentCount == 500)
        let dir = NSTemporaryDirectory() + "agora-net-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "ann bo\nbo cy\ncy ann\ndee ann\n".write(toFile: dir + "/people.txt", atomically: true, encoding: .utf8)
        try base.appending("    params: {initial_infected_count: 1}\nnetwork:\n  file: people.txt\n")
            .write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let text = try World.assemble(try ScenarioLoader.load(path: dir + "/s.yaml"))
        #expect(text.agentCount == 4)
        #expect(try World.network(of: text.scenario)?.edgeCount == 4)
    }

    @Test func assemblesAGeneratedNetworkWorld() throws {
        let s = try ScenarioLoader.parse(
            "name: n\nmodel: sir\nticks: 2\nagents:\n  - kind: person\nnetwork:\n  generator: ba\n  nodes: 500\n  m: 2\n",
            path: "s.yaml")
        let w = try World.assemble(s)
        #expect(w.agentCount == 500)
        #expect(try World.network(of: s)?.edgeCount == 2 * 498)
        #expect(w.shardCount(threads: 2) == 2)
    }

    /// Placed as one process of a spread run, a model that walks only its own agents' rows gets a
    /// network of exactly the agents that process hosts, each row the whole network's.
    @Test func aPlacedWorldBuildsItsOwnRows() throws {
        let s = try ScenarioLoader.parse(
            "name: n\nmodel: sir\nticks: 2\nengine: {shards: 5}\nagents:\n  - kind: person\nnetwork:\n  generator: ba\n  nodes: 500\n  m: 2\n",
            path: "s.yaml")
        let whole = try #require(try World.network(of: s))
        var covered = 0
        for rank in 0..<3 {
            let placement = World.Placement(rank: rank, processes: 3, threads: 1)
            let agents = try #require(placement.agents(of: 500, fixed: 5))
            let sir = try #require(try World.assemble(s, placement: placement).model as? SIRModel)
            let graph = sir.graph
            #expect(graph.rows == agents && graph.nodeCount == 500)
            #expect(sir.state.indices == agents && sir.changed.indices == agents, "its columns hold its own agents only")
            #expect(sir.partitionedBytes == sir.stateBytes)
            for v in agents { #expect(Array(graph.neighbors(v)) == Array(whole.neighbors(v))) }
            covered += agents.count
        }
        #expect(covered == 500)
        #expect(World.Placement(rank: 0, processes: 6, threads: 1).agents(of: 500, fixed: 5) == nil, "5 shards cannot go to 6 processes")
        let news = try ScenarioLoader.parse(
            "name: n\nmodel: news\nticks: 2\nagents:\n  - kind: person\nnetwork:\n  generator: ba\n  nodes: 500\n  m: 2\n",
            path: "s.yaml")
        let placement = World.Placement(rank: 1, processes: 2, threads: 1)
        let newsModel = try #require(try World.assemble(news, placement: placement).model as? NewsModel)
        #expect(newsModel.graph.rows == placement.agents(of: 500, fixed: nil) && newsModel.follows.rows == newsModel.graph.rows)
    }

    /// A placed market keeps its own traders' columns and accounts (windows of their ids), and the
    /// accounts of its books' traders (instrument s's book is on process s mod 3), each as the
    /// whole market starts them; the processes' shares cover every trader once.
    @Test func aPlacedMarketKeepsItsOwnTradersAndItsBooksAccounts() throws {
        let s = try ScenarioLoader.parse("""
            name: m
            model: market
            ticks: 2
            engine: {shards: 6}
            network: {generator: ba, nodes: 600, m: 2}
            exchange:
              instruments:
                - {name: A, reference_price: 10000}
                - {name: B, reference_price: 5000}
                - {name: C, reference_price: 2000}
                - {name: D, reference_price: 1000}
            agents:
              - {kind: noise, count: 250}
              - {kind: market_maker, count: 350, params: {cash: 90000000, position: 5000}}
            """, path: "m.yaml")
        let whole = try #require(try World.assemble(s).model as? MarketModel)
        var hosted = 0, booked = 0
        for rank in 0..<3 {
            let placement = World.Placement(rank: rank, processes: 3, threads: 1)
            let agents = try #require(placement.agents(of: 600, fixed: 6))
            let m = try #require(try World.assemble(s, placement: placement).model as? MarketModel)
            #expect(m.held == agents && m.symbol.indices == agents && m.liveOrder.indices == agents)
            #expect(m.traderAccounts.cash.indices == agents && m.traderAccounts !== m.exchange.accounts)
            for i in agents {
                #expect(m.symbol[i] == whole.symbol[i] && m.population[i] == whole.population[i])
                #expect(m.traderAccounts.cash[i] == whole.traderAccounts.cash[i])
                #expect(m.traderAccounts.position[m.traderAccounts.slot(i, 2)] == whole.traderAccounts.position[whole.traderAccounts.slot(i, 2)])
            }
            let books = m.exchange.accounts
            for i in 0..<600 {
                #expect(books.holds(i) == (Int(whole.symbol[i]) % 3 == rank))
                if books.holds(i) { #expect(books.cash[books.row(i)] == whole.exchange.accounts.cash[i]) }
            }
            hosted += agents.count
            booked += books.cash.count
            #expect(m.partitionedBytes == m.stateBytes && m.stateBytes < whole.stateBytes)
        }
        #expect(hosted == 600 && booked == 600)
    }
}

let marketBase = """
name: m
model: market
ticks: 50
exchange:
  instruments:
    - {name: ACME, reference_price: 10000}
agents:
  - kind: noise
    count: 100

"""

@Suite struct MarketScenarioTests {
    @Test func aMarketScenarioReadsWithDefaults() throws {
        let s = try ScenarioLoader.parse(marketBase, path: "m.yaml")
        let m = try #require(s.market)
        #expect(m.exchange.instruments.map(\.name) == ["ACME"])
        #expect(m.exchange.instruments[0].bandBasisPoints == 2_000)
        #expect(m.exchange.schedule == .continuous(ticksPerDay: 50))
        #expect(m.cash == 1_000_000 && m.position == 100)
        #expect(s.populations[0].params["activity"] == .number(0.02))
        #expect(s.populations[0].params["market_share"] == .number(0.3))
        let w = try World.assemble(s)
        #expect(w.agentCount == 100)
    }

    @Test func kindsAndTheirParametersAreChecked() {
        let text = marketBase + """
          - kind: market_makr
            count: 2
          - kind: momentum
            count: 5
            params: {lookback: 0, half_spread_ticks: 2}
        """
        #expect(issues(text) == [
            "s.yaml:10:11: agents[1].kind: the market model has no agent kind 'market_makr'; did you mean 'market_maker'?; kinds: zero_intelligence, noise, fundamentalist, momentum, market_maker, switching, patient",
            "s.yaml:14:24: agents[2].params.lookback: expected an integer in 1...10000, got 0",
            "s.yaml:14:27: agents[2].params.half_spread_ticks: unknown field; expected one of: activity, latency, max_lots, size_exponent, attention, attention_max, attention_ticks, attention_base_ticks, "
                + "cash, position, share_probability, post_trades, sentiment_decay, lookback, threshold_bps",
        ])
    }

    @Test func theExchangeSectionIsChecked() {
        let text = """
        name: m
        model: market
        ticks: 50
        exchange:
          instruments:
            - {name: ACME, reference_price: 10001, tick_size: 5}
            - {name: ACME, reference_price: 100}
            - {name: ACME, reference_price: 200}
          session: {ticks_per_day: 10, pre_open: 4, no_cancel: 5}
          self_trade_prevention: sometimes
          fundamental:
            news:
              - {tick: 70, instrument: ZZZ, jump_bps: 10}
        agents:
          - {kind: noise, count: 10}
        """
        #expect(issues(text) == [
            "s.yaml:6:37: exchange.instruments[0].reference_price: 10001 is not a multiple of the tick size 5",
            "s.yaml:8:7: exchange.instruments[2].name: instrument 'ACME' is listed twice",
            "s.yaml:9:56: exchange.session.no_cancel: the no-cancel window (5) is the end of the pre-open (4); it cannot be longer",
            "s.yaml:10:26: exchange.self_trade_prevention: expected none, cancel_resting or cancel_incoming, got \"sometimes\"",
            "s.yaml:13:16: exchange.fundamental.news[0].tick: expected at most 49, got 70",
            "s.yaml:13:32: exchange.fundamental.news[0].instrument: no instrument named 'ZZZ'; listed: ACME",
        ])
        #expect(issues("name: m\nmodel: market\nticks: 5\nagents:\n  - {kind: noise, count: 3}\n") ==
                ["s.yaml:1:1: exchange: missing; the market model trades on an exchange (instruments, session, …)"])
    }

    @Test func aMarketMayRunOnANetworkWithOneNodePerTrader() throws {
        let networked = """
        name: m
        model: market
        ticks: 50
        exchange:
          instruments:
            - {name: ACME, reference_price: 10000}
          fundamental:
            news:
              - {tick: 10, jump_bps: -300, seeds: 4, public_after: 12}
        network: {generator: ba, nodes: 300, m: 2}
        agents:
          - kind: noise
            count: 200
            params: {sentiment_weight: 0.5, post_trades: 0.1}
          - kind: fundamentalist
            count: 100
            params: {share_probability: 0.8, sentiment_bps: -40}

        """
        let s = try ScenarioLoader.parse(networked, path: "s.yaml")
        #expect(s.market?.news == [NewsEvent(tick: 10, symbol: 0, jumpBasisPoints: -300, seeds: 4, publicAfter: 12)])
        let w = try World.assemble(s)
        #expect(w.model.eventKinds.map(\.name).suffix(2) == ["post", "heard"])
        #expect(w.model.metricNames.suffix(3) == ["posts", "news1.informed", "ACME.sentiment"])

        // One node per trader.
        let short = try ScenarioLoader.parse(networked.replacingOccurrences(of: "nodes: 300", with: "nodes: 299"), path: "s.yaml")
        #expect {
            try World.assemble(short)
        } throws: { error in
            "\(error)" == "s.yaml:10:10: network: the network has 299 nodes but there are 300 traders; give it one node per trader"
        }
        // Network-only settings without a network: each is named where it is written.
        let plain = networked.replacingOccurrences(of: "network: {generator: ba, nodes: 300, m: 2}\n", with: "")
        let why = "only means something on a network; add a `network` section (one node per trader)"
        #expect {
            try World.assemble(try ScenarioLoader.parse(plain, path: "s.yaml"))
        } throws: { error in
            "\(error)" == ["s.yaml:13:32: agents[0].params.sentiment_weight: \(why)", "s.yaml:13:50: agents[0].params.post_trades: \(why)",
                          "s.yaml:16:33: agents[1].params.share_probability: \(why)", "s.yaml:16:53: agents[1].params.sentiment_bps: \(why)"]
                .joined(separator: "\n")
        }
        let plainNews = plain.replacingOccurrences(of: "params: {sentiment_weight: 0.5, post_trades: 0.1}", with: "params: {}")
            .replacingOccurrences(of: "params: {share_probability: 0.8, sentiment_bps: -40}", with: "params: {}")
        #expect {
            try World.assemble(try ScenarioLoader.parse(plainNews, path: "s.yaml"))
        } throws: { error in
            "\(error)" == "s.yaml:9:43: exchange.fundamental.news[0].seeds: only means something on a network; add a `network` section (one node per trader)"
        }
        #expect(issues(networked.replacingOccurrences(of: "seeds: 4", with: "seeds: 0")) ==
                ["s.yaml:9:43: exchange.fundamental.news[0].seeds: expected a positive integer, got 0"])
    }
}

@Suite struct LLMSectionTests {
    static let base = marketBase + """
    llm:
      escalation: {fraction: 0.1, triggers: {news: true}}

    """

    @Test func theEndpointComesFromTheScenarioOrTheEnvironmentAndTheKeyOnlyFromTheEnvironment() throws {
        let none = try ScenarioLoader.parse(Self.base, path: "s.yaml", environment: [:])
        #expect(none.llm?.endpoint == nil && none.llm?.noEndpointReason == nil && none.llm?.escalation.onNews == true)
        let env = try ScenarioLoader.parse(Self.base, path: "s.yaml", environment: [
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_MODEL": "m7", "OPENAI_API_KEY": "sk-x"])
        let e = try #require(env.llm?.endpoint)
        #expect(e.baseURL.absoluteString == "http://127.0.0.1:9/v1" && e.model == "m7" && e.apiKey == Secret("sk-x"))
        // The endpoint as run is written into the scenario; the key is not.
        #expect(env.resolvedYAML.contains("base_url: http://127.0.0.1:9/v1") && !env.resolvedYAML.contains("sk-x"))
        let urlOnly = try ScenarioLoader.parse(Self.base, path: "s.yaml", environment: ["OPENAI_BASE_URL": "http://h/v1"])
        #expect(urlOnly.llm?.endpoint == nil && urlOnly.llm?.noEndpointReason?.contains("names no model") == true)
        #expect(urlOnly.llm?.undiscovered?.baseURL.absoluteString == "http://h/v1", "left for agora run to ask the endpoint")
        let found = try #require(urlOnly.discovered(model: "only-one").llm?.endpoint)
        #expect(found.model == "only-one" && found.baseURL.absoluteString == "http://h/v1")
        #expect(urlOnly.discovered(model: "only-one").resolvedYAML.contains("model: only-one"))
        let named = Self.base + "  endpoint: {base_url: \"https://example.org/v1\", model: big, api_key_env: MY_KEY, max_concurrency: 3}\n"
            + "  tool_choice: auto\n"
        let n = try ScenarioLoader.parse(named, path: "s.yaml", environment: ["MY_KEY": "k2", "OPENAI_API_KEY": "other"])
        #expect(n.llm?.endpoint?.apiKey == Secret("k2") && n.llm?.endpoint?.maxConcurrency == 3 && n.llm?.endpoint?.model == "big")
        #expect(n.llm?.toolChoice == "auto" && none.llm?.toolChoice == "required")
    }

    @Test func mistakesAreReportedWhereTheyAre() {
        let text = marketBase + """
        llm:
          endpoint: {base_url: "ftp://x", api_key: "sk-live-123"}
          escalation: {populations: [noise, whale]}
          archetypes: {by: [risk, mood]}
          personas:
            attributes:
              risk: {choice: [low, high], weights: [1]}
              age: {uniform: [70, 20]}
            template: "I am {age}, {name}."

        """
        let found = issues(text)
        #expect(found.contains { $0.contains("llm.endpoint.api_key: keys do not belong in scenario files") })
        #expect(!found.joined().contains("sk-live-123"))
        #expect(found.contains { $0.contains("llm.endpoint.base_url: 'ftp://x' is not an http(s) URL") })
        #expect(found.contains { $0.contains("llm.escalation.populations: no population of kind 'whale'") })
        #expect(found.contains { $0.contains("llm.escalation.fraction: nobody is escalated") })
        #expect(found.contains { $0.contains("llm.archetypes.by: no persona attribute 'mood'") })
        #expect(found.contains { $0.contains("llm.personas.attributes.risk.weights") })
        #expect(found.contains { $0.contains("llm.personas.attributes.age.uniform: the low end exceeds the high end") })
        #expect(found.contains { $0.contains("llm.personas.template: {name} names no attribute") })
        #expect(issues("name: n\nmodel: sir\nticks: 2\nagents:\n  - kind: person\nnetwork: {generator: ba, nodes: 100, m: 2}\nllm: {}\n")
                == ["s.yaml:7:6: llm: the sir model has no llm settings; remove this section"])
        #expect(issues(marketBase + "llm:\n  endpoint: {base_url: \"http://h/v1\"}\n  escalation: {fraction: 0.5}\n", environment: [:])
                .contains { $0.contains("llm.endpoint.model: missing") })
    }
    /// A network user's `llm` section: its tools, triggers and recommender are the news model's.
    @Test func aUsersLLMSectionIsCheckedAgainstTheNewsModel() {
        let base = """
        name: n
        model: news
        ticks: 5
        agents:
          - kind: person
            params: {follow_recommender: friends}
        network: {generator: ba, nodes: 200, m: 2}
        llm:
          tools: [create_post, place_order]
          max_text: 0
          escalation: {fraction: 0.1, triggers: {news: true, price_move_bps: 100}}
          archetypes: {by: [leaning]}

        """
        let found = issues(base)
        #expect(found.contains { $0.hasPrefix("s.yaml:9:10: llm.tools: the news model has no tool 'place_order'") && $0.contains("do_nothing") })
        #expect(found.contains { $0.hasPrefix("s.yaml:10:13: llm.max_text:") })
        #expect(found.contains { $0.hasPrefix("s.yaml:11:54: llm.escalation.triggers.price_move_bps: unknown field") })
        #expect(found.contains { $0.hasPrefix("s.yaml:12:20: llm.archetypes.by: no persona attribute 'leaning'") })
        #expect(found.contains { $0.contains("agents[0].params.follow_recommender") && $0.contains("popularity, random, preferential, shared_neighbors, none") }, "\(found)")
        // The market's tools are not a user's, and a user's are not a trader's.
        #expect(issues(marketBase + "llm:\n  tools: [like]\n  escalation: {fraction: 0.5}\n")
                .contains { $0.contains("the market model has no tool 'like'") })
        let good = base.replacingOccurrences(of: "place_order", with: "like").replacingOccurrences(of: "max_text: 0", with: "max_text: 300")
            .replacingOccurrences(of: ", price_move_bps: 100", with: "").replacingOccurrences(of: "follow_recommender: friends", with: "candidates: 3")
            .replacingOccurrences(of: "  archetypes: {by: [leaning]}\n", with: "")
        #expect(issues(good) == [])
    }
}

extension Comparable {
    func clamped(to r: ClosedRange<Self>) -> Self { min(max(self, r.lowerBound), r.upperBound) }
}
