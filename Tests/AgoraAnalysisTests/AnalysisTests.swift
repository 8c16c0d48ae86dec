@testable import AgoraAnalysis
import AgoraLog
import AgoraRuntime
import AgoraScenario
import AgoraSocial
import Foundation
import Testing

@Suite struct StatisticsTests {
    @Test func handComputedCases() {
        // [1, 2, 3, 4]: m2 = 1.25, m4 = 2.5625, so 2.5625 / 1.5625 − 3 = −1.36.
        #expect(abs(Stats.excessKurtosis([1, 2, 3, 4]) + 1.36) < 1e-12)
        #expect(Stats.excessKurtosis([1, 1, 1, 1]).isNaN && Stats.excessKurtosis([1, 2]).isNaN)
        // Top two of |x| = 8, 4 over the threshold 2: α = 2 / (ln 4 + ln 2) = 2 / (3 ln 2).
        #expect(abs(Stats.hill([1, -2, 4, -8], k: 2) - 2 / (3 * log(2.0))) < 1e-12)
        #expect(Stats.hill([1, 2], k: 2).isNaN)
        // [1…5], lag 1: Σ(x−3)(x'−3) = 2 + 0 + 0 + 2 = 4 over Σ(x−3)² = 10.
        #expect(abs(Stats.autocorrelation([1, 2, 3, 4, 5], lag: 1) - 0.4) < 1e-12)
        #expect(Stats.autocorrelation([1, 2, 3, 4, 5], lag: 0) == 1)
        #expect(abs(Stats.autocorrelation([1, -1, 1, -1, 1, -1], lag: 1) + 5.0 / 6) < 1e-12)
        #expect(abs(Stats.correlation([1, 2, 3], [2, 4, 6]) - 1) < 1e-12 && Stats.correlation([1, 1, 1], [1, 2, 3]).isNaN)
    }

    @Test func theFriendshipParadoxOfAStar() {
        // A hub with three leaves: ⟨k⟩ = 1.5, ⟨k²⟩/⟨k⟩ = 3 / 1.5 = 2, neighbours' mean degree (1 + 3 + 3 + 3) / 4 = 2.5.
        let edges: [UInt32] = [0, 1, 0, 2, 0, 3]
        let star = edges.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0) }
        let d = DegreeStatistics(star)
        #expect(d.meanDegree == 1.5 && d.k2OverK == 2 && d.meanNeighborDegree == 2.5 && d.paradoxShare == 0.75)
    }
}

@Suite struct RunAnalysisTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios").path

    static func run(_ file: String, _ overrides: [String]) throws -> RunSession.Outcome {
        let parsed = try overrides.map { text throws(ScenarioErrors) in try Override.parse(text) }
        let scenario = try ScenarioLoader.load(path: scenarios + "/" + file, overrides: parsed, environment: [:])
        return try RunSession.run(try World.assemble(scenario), out: NSTemporaryDirectory() + "agora-analysis-\(UUID().uuidString)", threads: 2)
    }

    @Test func aMarketRunsFiguresAgreeWithItsOwnTotals() throws {
        let outcome = try Self.run("market.yaml", ["agents[0].count=3000", "agents[1].count=2000", "agents[2].count=4500",
                                                   "agents[3].count=490", "agents[4].count=10", "ticks=400",
                                                   "agents[0].params.activity=0.05", "agents[2].params.activity=0.1"])
        let a = try RunAnalysis.analyze(directory: outcome.directory.path)
        let summary = Dictionary(uniqueKeysWithValues: outcome.simulation.summary().map { ($0.name, $0.value) })
        #expect(a.instruments.map(\.name) == ["ACME", "BOLT", "CORE"] && a.ticks == 400)
        #expect(Double(a.instruments.reduce(0) { $0 + $1.trades }) == summary["trades"])
        #expect(Double(a.instruments.reduce(0) { $0 + Int($1.volume) }) == summary["volume"])
        for r in a.instruments {
            #expect(r.bars.reduce(0) { $0 + Int($1.volume) } == Int(r.volume))
            #expect(Double(r.bars.last { $0.trades > 0 }?.close ?? 0) == summary["\(r.name).last"])
            #expect(r.returns.count > 100 && !r.excessKurtosis.isNaN && r.returnACF.count == 21 && r.returnACF[0] == 1)
            #expect(r.auctions.count >= 2, "opening and closing auctions of two days")
        }
        // Trading moves cash and shares between agents; only fees leave: Σ profit and loss = −Σ fees.
        let reader = try LogReader(path: outcome.directory.path + "/events.agl")
        let report = reader.schema.kind(named: "report")!
        let fee = report.columns.firstIndex(of: "fee")!
        var fees = 0.0
        reader.forEachChunk(kinds: [report.id]) { c in fees += c.columns[fee].reduce(0.0) { $0 + Double($1) } }
        #expect(fees > 0 && abs(a.pnl.reduce(0) { $0 + $1.total } + fees) < 1e-6)
        #expect(a.pnl.map(\.kind) == ["zero_intelligence", "noise", "fundamentalist", "momentum", "market_maker"])
        // Bars of 10 ticks hold the same trades.
        var tens = AnalysisOptions()
        tens.barTicks = 10
        let b = try RunAnalysis.analyze(directory: outcome.directory.path, options: tens)
        #expect(b.instruments[0].bars.count <= 40 && b.instruments[0].bars.reduce(0) { $0 + $1.trades } == a.instruments[0].trades)
    }

    @Test func aNewsRunsCascadesAndNetworkAreFound() throws {
        let outcome = try Self.run("social-contagion.yaml", ["network.nodes=20000", "ticks=40"])
        let a = try RunAnalysis.analyze(directory: outcome.directory.path)
        let summary = Dictionary(uniqueKeysWithValues: outcome.simulation.summary().map { ($0.name, $0.value) })
        #expect(Double(a.originalPosts) == summary["original_posts"])
        #expect(Double(a.cascadeSizes.last?.size ?? 0) == summary["max_cascade_size"])
        #expect(a.degrees?.nodes == 20_000 && (a.degrees?.meanNeighborDegree ?? 0) > (a.degrees?.meanDegree ?? 0))
        #expect(a.series.first { $0.name == "aware" }?.values.count == 40)
    }
}

/// The report plots every metric a model declares, and the figures a model adds of its own.
@Suite struct ModelFigureTests {
    @Test func boltzmannAddsItsWealthDistributionAndLorenzCurveAndEveryMetricIsShown() throws {
        let run = try RunAnalysisTests.run("boltzmann.yaml", ["agents[0].count=5000", "ticks=60"])
        let a = try RunAnalysis.analyze(directory: run.directory.path)
        #expect(a.modelFigures.map(\.title).first == "Wealth at the end")
        #expect(a.modelFigures.count == 2 && a.modelFigures[1].title.hasPrefix("Lorenz curve (Gini 0."))
        let wealth = try #require(a.modelFigures.first?.series.first)
        #expect(wealth.y.reduce(0, +) == 5000, "every agent in the histogram")
        let html = a.html
        #expect(html.contains("Figures of the model") && html.contains("Agents with nothing over time"))
        #expect(html.contains("total_wealth (the same every tick)"), "a constant metric is a line of a table, not a flat chart")
    }

    @Test func opinionAddsItsDistributionOverTimeFromCountersSummedEverywhere() throws {
        let run = try RunAnalysisTests.run("opinion.yaml", ["network.nodes=3000", "ticks=40"])
        let a = try RunAnalysis.analyze(directory: run.directory.path)
        let overTime = try #require(a.modelFigures.first { $0.title == "Opinion distribution over time" })
        #expect(overTime.series.map(\.name) == ["after tick 0", "after tick 9", "after tick 19", "after tick 29", "after tick 39"])
        for s in overTime.series { #expect(abs(s.y.reduce(0, +) - 1) < 1e-9, "\(s.name): shares of every agent") }
        let end = try #require(a.modelFigures.first { $0.title == "Opinions at the end" })
        #expect(end.series[0].y.reduce(0, +) == 3000)
    }

    @Test func aModelsMetricsOutsideAnyKnownGroupGetChartsOfTheirOwn() throws {
        let run = try RunAnalysisTests.run("schelling.yaml", ["ticks=30"])
        let html = try RunAnalysis.analyze(directory: run.directory.path).html
        for metric in ["unhappy_share", "moves", "similar_share"] { #expect(html.contains("\(metric) over time"), "\(metric)") }
        #expect(!FileManager.default.fileExists(atPath: run.directory.path + "/figures.json"), "schelling adds no figures of its own")
    }
}
