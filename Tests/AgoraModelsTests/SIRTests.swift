import AgoraCore
import AgoraEngine
@testable import AgoraModels
import AgoraSocial
import Testing

/// The SIR rules as in the workloads, pull-based and sequential: each node counts its infected
/// neighbours from the start-of-tick states. Same random keys as the model, so results match exactly.
func referenceSIR(graph: CSRGraph, infected: [Int], beta: Double, gamma: Double, seed: UInt64, ticks: Int) -> [UInt8] {
    var state = [UInt8](repeating: 0, count: graph.nodeCount)
    for v in infected { state[v] = 1 }
    let stream = RandomStream(seed: seed, stream: SIRModel.stream)
    var escape = [Double](repeating: 1, count: 1025)
    for k in 1...1024 { escape[k] = escape[k - 1] * (1 - beta) }
    for t in 0..<ticks {
        let before = state
        for v in 0..<graph.nodeCount {
            var rng = stream.tick(t).agent(v)
            if before[v] == 0 {
                let k = graph.neighbors(v).filter { before[Int($0)] == 1 }.count
                if k > 0 && rng.next() < Probability(1 - escape[min(k, 1024)]).threshold { state[v] = 1 }
            } else if before[v] == 1 {
                if rng.next() < Probability(gamma).threshold { state[v] = 2 }
            }
        }
    }
    return state
}

@Suite struct SIRTests {
    static let graph = BarabasiAlbert.graph(nodes: 3_000, m: 3, seed: 8)

    @Test func matchesThePullReferenceForEveryShardCount() {
        let infected = [0, 17, 2_500]
        let expected = referenceSIR(graph: Self.graph, infected: infected, beta: 0.08, gamma: 0.15, seed: 21, ticks: 40)
        var digests: Set<String> = []
        for (shards, threads) in [(1, 1), (2, 2), (3, 1), (8, 4)] {
            let model = SIRModel(graph: Self.graph, initialInfected: infected, transmission: 0.08, recovery: 0.15, seed: 21)
            let sim = Simulation(model: model, shards: shards, threads: threads)
            sim.run(ticks: 40) { r in
                #expect(r.metrics.reduce(0, +) == 3_000)
            }
            #expect(model.state.toArray() == expected, "shards \(shards)")
            digests.insert(sim.digest.hex)
        }
        #expect(digests.count == 1)
        #expect(expected.contains(2), "the epidemic should have run")
    }

    @Test func certainRecoveryEndsInOneTickButNotTheTickOfInfection() {
        // A path 0 – 1 – 2 with certain transmission and recovery: 0 infects 1 at tick 0 and
        // recovers; 1 (infected at tick 0) recovers only at tick 1, infecting 2 then.
        let pairs: [UInt32] = [0, 1, 1, 2]
        let g = pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0) }
        let model = SIRModel(graph: g, initialInfected: [0], transmission: 1, recovery: 1, seed: 1)
        let sim = Simulation(model: model, shards: 1, threads: 1)
        sim.step()
        #expect(model.state.toArray() == [2, 1, 0])
        sim.step()
        #expect(model.state.toArray() == [2, 2, 1])
        sim.step()
        #expect(model.state.toArray() == [2, 2, 2])
        #expect(model.peakInfected == 1)
    }

    @Test func noTransmissionMeansNoNewInfections() {
        let model = SIRModel(graph: Self.graph, initialInfected: [1, 2, 3], transmission: 0, recovery: 0.5, seed: 2)
        let sim = Simulation(model: model, shards: 2, threads: 2)
        sim.run(ticks: 30)
        #expect(model.state.toArray().filter { $0 != 0 }.count == 3)
    }
}

@Suite struct ModelCatalogTests {
    @Test func sampledInitialInfectedAreDistinctAndInRange() {
        for (k, n) in [(0, 5), (5, 5), (10, 1_000), (300, 400)] {
            let ids = ModelCatalog.sampleDistinct(k, from: n, seed: 9)
            #expect(ids.count == k)
            #expect(Set(ids).count == k)
            #expect(ids.allSatisfy { (0..<n).contains($0) })
            #expect(ids == ModelCatalog.sampleDistinct(k, from: n, seed: 9))
        }
        #expect(ModelCatalog.sampleDistinct(10, from: 1_000, seed: 1) != ModelCatalog.sampleDistinct(10, from: 1_000, seed: 2))
    }

    @Test func buildersRejectImpossibleInputs() {
        func buildError(_ d: ModelDescriptor, count: Int?, _ params: [String: ParameterValue] = [:], network: CSRGraph? = nil,
                        kind: String = "agent") -> ModelBuildError? {
            let inputs = ModelInputs(seed: 1, populations: [PopulationInput(kind: kind, count: count, params: params)], network: network)
            do { _ = try d.build(inputs); return nil } catch { return error }
        }
        #expect(buildError(ModelCatalog.boltzmann, count: 1)?.parameter == "count")
        #expect(buildError(ModelCatalog.boltzmann, count: 1_000_000, ["initial_wealth": .integer(5_000)])?.parameter == "initial_wealth")
        #expect(buildError(ModelCatalog.sir, count: nil, kind: "person")?.parameter == "network")
        let g = BarabasiAlbert.graph(nodes: 50, m: 2, seed: 1)
        #expect(buildError(ModelCatalog.sir, count: 49, network: g, kind: "person")?.parameter == "count")
        #expect(buildError(ModelCatalog.sir, count: nil, ["initial_infected": .integers([3, 50])], network: g, kind: "person")?
            .parameter == "initial_infected")
        #expect(buildError(ModelCatalog.sir, count: 50, ["initial_infected_count": .integer(10)], network: g, kind: "person") == nil)
        #expect(buildError(ModelCatalog.market, count: 10, kind: "noise")?.parameter == "exchange")
    }
}
