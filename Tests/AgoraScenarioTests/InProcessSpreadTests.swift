import AgoraCore
import AgoraEngine
import AgoraModels
@testable import AgoraScenario
import Foundation
import Testing

/// Every built-in model, spread over 2 and 3 processes run as threads of this one (`InProcessGroup`),
/// gives the digest, summary and per-tick metrics of one process: no mpirun needed.
@Suite struct InProcessSpreadTests {
    /// Each shipped scenario, small.
    static let scenarios: [(file: String, overrides: [String])] = [
        ("boltzmann.yaml", ["agents[0].count=20000", "ticks=40"]),
        ("schelling.yaml", ["ticks=40"]),
        ("sir-network.yaml", ["network.nodes=20000", "ticks=40"]),
        ("cascade.yaml", ["network.nodes=20000", "ticks=30"]),
        ("opinion.yaml", ["network.nodes=5000", "ticks=20"]),
        ("social-contagion.yaml", ["network.nodes=20000", "ticks=40"]),
        ("echo-chambers.yaml", ["network.nodes=20000", "ticks=40"]),
        ("market.yaml", ["agents[0].count=3000", "agents[1].count=1000", "agents[2].count=800", "agents[3].count=300", "agents[4].count=8",
                         "ticks=320"]),
        ("news-market.yaml", ["network.nodes=10000", "agents[0].count=3000", "agents[1].count=2000", "agents[2].count=4500",
                              "agents[3].count=490", "agents[4].count=10", "ticks=120"]),
        ("stylized-facts.yaml", ["network.nodes=10000", "agents[0].count=4000", "agents[1].count=1000", "agents[2].count=5000", "ticks=150",
                                 "agents[0].params.activity=0.01", "agents[1].params.activity=0.01", "agents[2].params.activity=0.02"]),
        ("friendship-paradox.yaml", ["ticks=30", "agents[0].params.follow_recommender=shared_neighbors"]),
        ("s3-users.yaml", ["network.nodes=20000", "ticks=30", "llm.escalation.fraction=0.02"]),
        ("llm-social.yaml", ["network.nodes=20000", "llm.escalation.fraction=0.01", "ticks=40"]),
        ("quickstart.yaml", ["network.nodes=10000", "agents[0].count=3000", "agents[1].count=2000", "agents[2].count=4500",
                             "agents[3].count=490", "agents[4].count=10", "llm.escalation.fraction=0.02", "ticks=170"]),
    ]

    static func load(_ file: String, _ overrides: [String]) throws -> Scenario {
        try ScenarioLoader.load(path: scenariosFolder + "/" + file, overrides: try overrides.map { t throws(ScenarioErrors) in try Override.parse(t) },
                                environment: [:])
    }

    /// The scenario in one process, no group: the reference.
    static func alone(_ scenario: Scenario) throws -> World.ProcessOutcome {
        let world = try World.assemble(scenario)
        let sim = makeSimulation(world.model, shards: world.shardCount(threads: 2), threads: 2)
        var metrics: [[Double]] = []
        for _ in 0..<scenario.ticks { metrics.append(sim.step().metrics) }
        return World.ProcessOutcome(digest: sim.digest, summary: sim.summary(), metrics: metrics)
    }

    /// NaN-tolerant equality of metric rows.
    static func same(_ a: [[Double]], _ b: [[Double]]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
    }

    @Test(arguments: scenarios.map(\.file))
    func oneTwoAndThreeProcessesGiveOneRun(file: String) throws {
        let overrides = try #require(Self.scenarios.first { $0.file == file }).overrides
        let scenario = try Self.load(file, overrides)
        let reference = try Self.alone(scenario)
        for processes in [2, 3] {
            let outcomes = try World.runInProcesses(scenario, processes: processes, threads: 1)
            #expect(outcomes.count == processes)
            for (rank, o) in outcomes.enumerated() {
                #expect(o.digest == reference.digest, "\(file): process \(rank) of \(processes)")
                #expect(o.summary.map(\.name) == reference.summary.map(\.name))
                #expect(Self.same([o.summary.map(\.value)], [reference.summary.map(\.value)]), "\(file): the summary of \(processes) processes")
                #expect(Self.same(o.metrics, reference.metrics), "\(file): the metrics of \(processes) processes")
            }
        }
    }

    @Test func theGroupPassesEachRanksBuffersToTheOthers() throws {
        let got = try InProcessGroup.run(ranks: 3) { g in
            (0..<5).map { round in g.exchange((0..<g.size).map { d in [UInt8(g.rank), UInt8(d), UInt8(round)] }) }
        }
        for (rank, rounds) in got.enumerated() {
            for (round, incoming) in rounds.enumerated() {
                #expect(incoming == (0..<3).map { s in [UInt8(s), UInt8(rank), UInt8(round)] })
            }
        }
        // A failure on one rank, at the same point for all, reaches the caller.
        struct Boom: Error {}
        #expect(throws: Boom.self) { _ = try InProcessGroup.run(ranks: 2) { g -> Int in if g.rank == 1 { throw Boom() }; return 0 } }
    }
}
