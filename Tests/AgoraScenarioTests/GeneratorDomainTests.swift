@testable import AgoraScenario
import AgoraSocial
import Foundation
import Testing

/// Generator parameters out of their domain are errors at their field, never a trap: the cases a
/// mutated-scenario corpus found (ER with p near 1 on a big graph or a vanishing p, WS with a huge
/// k, SBM sizes that overflow, a configuration model whose min_degree passes the node count).
@Suite struct GeneratorDomainTests {
    static let head = """
        name: g
        model: sir
        ticks: 5
        agents:
          - {kind: person, count: 1000, params: {initial_infected: [1]}}
        network:

        """

    static func issues(_ network: String) -> [String] {
        do { _ = try ScenarioLoader.parse(Self.head + network, path: "g.yaml", environment: [:]) } catch {
            return error.issues.map { "\($0)" }
        }
        return []
    }

    @Test(arguments: [
        ("  {generator: er, nodes: 4000000000, p: 0.9999}", "g.yaml:7:41: network.p: 4000000000 nodes linked with probability 0.9999 make about 8e+18 edges"),
        ("  {generator: er, nodes: 4000000000, mean_degree: 1000}", "g.yaml:7:51: network.mean_degree: 4000000000 nodes linked with probability"),
        ("  {generator: ws, nodes: 4000000000, k: 3999999998, beta: 0.1}", "g.yaml:7:41: network.k: 4000000000 nodes of 3999999998 ring neighbours make about"),
        ("  {generator: sbm, blocks: [9223372036854775807, 9223372036854775807], p_in: 0.1, p_out: 0.01}",
         "g.yaml:7:28: network.blocks: the blocks hold more than 4294967294 nodes (32-bit ids)"),
        ("  {generator: sbm, blocks: [100000, 100000], p_in: 0.0001, p_out: 1}", "g.yaml:7:67: network.p_out: blocks linked across with probability 1.0 make about"),
        ("  {generator: config, nodes: 1000, min_degree: 5000}", "g.yaml:7:48: network.min_degree: a degree in 1 … nodes − 1 (999); got 5000"),
        ("  {generator: config, nodes: 100000, min_degree: 5000}", "g.yaml:7:50: network.min_degree: 5000 is above max_degree (1000 unless given)"),
        ("  {generator: ba, nodes: 4000000000, m: 1000}", "g.yaml:7:41: network.m: 4000000000 nodes of 1000 links make about 4e+12 edges"),
    ])
    func aGeneratorOutOfItsDomainIsAnErrorAtItsField(network: String, expected: String) {
        let found = Self.issues(network)
        #expect(found.count == 1 && found[0].hasPrefix(expected), "\(found)")
    }

    @Test func aVanishingProbabilityMakesAnEmptyGraphWithoutTrapping() {
        // log(1 − p) underflows to 0 for p below 2⁻⁵³ in plain arithmetic: the skip is infinite.
        #expect(GraphGenerators.erdosRenyi(nodes: 5_000, p: 1e-300, seed: 3).isEmpty)
        #expect(GraphGenerators.erdosRenyi(nodes: 5_000, p: 1e-17, seed: 3).count <= 2)
        #expect(GraphGenerators.stochasticBlock(sizes: [3_000, 3_000], p: [[1e-300, 1e-300], [1e-300, 1e-300]], seed: 1).isEmpty)
        #expect(Self.issues("  {generator: er, nodes: 5000, p: 1.0e-300}").isEmpty)
        // And a small graph with p near 1 is complete, as asked.
        #expect(GraphGenerators.erdosRenyi(nodes: 60, p: 1 - 1e-15, seed: 1).count == 60 * 59)
    }

    @Test func theDomainsAcceptWhatTheShippedScenariosUse() {
        #expect(GraphDomain.barabasiAlbert(nodes: 1_000_000, m: 3) == nil)
        #expect(GraphDomain.erdosRenyi(nodes: 1_000_000, p: 1e-5) == nil)
        #expect(GraphDomain.wattsStrogatz(nodes: 1_000_000, k: 10, beta: 0.1) == nil)
        #expect(GraphDomain.stochasticBlock(sizes: [500_000, 500_000], pIn: 1e-5, pOut: 1e-6) == nil)
        #expect(GraphDomain.configuration(nodes: 1_000_000, exponent: 2.5, minDegree: 2, maxDegree: 1_000) == nil)
        #expect(GraphDomain.erdosRenyi(nodes: 100, p: .nan)?.field == "p")
        #expect(GraphDomain.wattsStrogatz(nodes: 100, k: 4, beta: .infinity)?.field == "beta")
    }
}
