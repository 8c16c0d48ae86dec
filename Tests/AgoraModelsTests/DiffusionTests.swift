import AgoraCore
import AgoraEngine
@testable import AgoraModels
import AgoraSocial
import Testing

func pathGraph(_ n: Int) -> CSRGraph {
    let pairs = (0..<(n - 1)).flatMap { [UInt32($0), UInt32($0 + 1)] }
    return pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: n) }
}

@Suite struct CascadeTests {
    @Test func aCertainCascadeWalksAPathOneNodePerTick() {
        let model = CascadeModel(graph: pathGraph(10), rule: .independentCascade, probability: 1, seeds: [0], seed: 1)
        let sim = Simulation(model: model, shards: 3, threads: 2)
        var actives: [Double] = []
        sim.run(ticks: 12) { actives.append($0.metrics[0]) }
        #expect(actives == [2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10])
        #expect(model.activatedAt.toArray() == (0..<10).map { Int32($0) })
        #expect(model.lastWave == 9)
    }

    @Test func aThresholdOfOneNeighbourInTwoNeedsBoth() {
        // Node 1 sits between 0 and 2; with 0 active it has 1 of 2 neighbours active.
        let g = pathGraph(3)
        let model = CascadeModel(graph: g, rule: .linearThreshold, probability: 0, seeds: [0], seed: 5)
        let sim = Simulation(model: model, shards: 1, threads: 1)
        sim.run(ticks: 3)
        let activated = model.activatedAt[1] >= 0
        let both = CascadeModel(graph: g, rule: .linearThreshold, probability: 0, seeds: [0, 2], seed: 5)
        Simulation(model: both, shards: 2, threads: 1).run(ticks: 3)
        #expect(both.activatedAt[1] == 1, "with both neighbours active any threshold is reached")
        #expect(!activated || model.activatedAt[1] == 1)
    }

    @Test(arguments: [CascadeModel.Rule.independentCascade, .linearThreshold])
    func theDigestDoesNotDependOnShards(rule: CascadeModel.Rule) {
        let g = BarabasiAlbert.graph(nodes: 5_000, m: 3, seed: 4)
        var digests: Set<String> = []
        var sizes: Set<Int> = []
        for (shards, threads) in [(1, 1), (2, 2), (7, 3)] {
            let model = CascadeModel(graph: g, rule: rule, probability: 0.2, seeds: [1, 2, 3, 40, 50], seed: 9)
            let sim = Simulation(model: model, shards: shards, threads: threads)
            sim.run(ticks: 25)
            digests.insert(sim.digest.hex)
            sizes.insert(model.active)
        }
        #expect(digests.count == 1 && sizes.count == 1)
        #expect(sizes.first! > 5, "the cascade spreads")
    }
}

@Suite struct OpinionTests {
    @Test(arguments: [OpinionModel.Rule.deffuant, .hegselmannKrause])
    func theDigestDoesNotDependOnShards(rule: OpinionModel.Rule) {
        let g = BarabasiAlbert.graph(nodes: 4_000, m: 3, seed: 2)
        var digests: Set<String> = []
        for (shards, threads) in [(1, 1), (3, 2), (8, 2)] {
            let model = OpinionModel(graph: g, rule: rule, epsilon: 0.2, mu: 0.5, seed: 6)
            let sim = Simulation(model: model, shards: shards, threads: threads)
            sim.run(ticks: 20)
            digests.insert(sim.digest.hex)
        }
        #expect(digests.count == 1)
    }

    @Test func noConfidenceMeansNoChangeAndFullConfidenceMeansConsensus() {
        let g = BarabasiAlbert.graph(nodes: 2_000, m: 3, seed: 1)
        let frozen = OpinionModel(graph: g, rule: .deffuant, epsilon: 0, mu: 0.5, seed: 3)
        let start = frozen.opinion.toArray()
        Simulation(model: frozen, shards: 2, threads: 2).run(ticks: 10)
        #expect(frozen.opinion.toArray() == start)
        let open = OpinionModel(graph: g, rule: .hegselmannKrause, epsilon: 1, mu: 0, seed: 3)
        let sim = Simulation(model: open, shards: 2, threads: 2)
        var variances: [Double] = []
        sim.run(ticks: 30) { variances.append($0.metrics[1]) }
        #expect(variances.last! < 1e-6, "averaging with everyone reaches consensus")
        #expect(variances.first! > variances.last!)
        #expect(open.clusterCount() == 1)
    }

    @Test func smallConfidenceLeavesSeveralCamps() {
        let g = GraphGenerators.erdosRenyi(nodes: 3_000, p: 0.01, seed: 2).withUnsafeBufferPointer {
            CSRGraph.undirected(edges: $0, nodeCount: 3_000)
        }
        let model = OpinionModel(graph: g, rule: .hegselmannKrause, epsilon: 0.08, mu: 0, seed: 4)
        Simulation(model: model, shards: 2, threads: 2).run(ticks: 60)
        #expect(model.clusterCount() >= 3)
    }
}
