import AgoraCore
import AgoraEngine
import AgoraExchange
@testable import AgoraModels
import AgoraSocial
import Testing

/// Runs `total` ticks straight, and again as `cut` ticks, save, load into a fresh model (other
/// shards), the rest: the digests must agree.
func checkpointRoundTrip<M: CheckpointableModel>(total: Int, cut: Int, make: () -> M, shards: (Int, Int)) throws -> (String, String) {
    let straight = Simulation(model: make(), shards: shards.0, threads: 2)
    straight.run(ticks: total)
    let first = Simulation(model: make(), shards: shards.0, threads: 2)
    first.run(ticks: cut)
    let saved = try #require(first.saveState())
    let second = Simulation(model: make(), shards: shards.1, threads: 1)
    try second.loadState(saved)
    #expect(second.tick == cut)
    second.run(ticks: total - cut)
    return (straight.digest.hex, second.digest.hex)
}

@Suite struct CheckpointTests {
    @Test(arguments: [1, 17, 39])
    func boltzmannResumesToTheSameDigest(cut: Int) throws {
        let (a, b) = try checkpointRoundTrip(total: 40, cut: cut, make: { BoltzmannModel(agents: 2_000, initialWealth: 2, seed: 5) },
                                             shards: (3, 5))
        #expect(a == b)
    }

    @Test(arguments: [1, 12, 29])
    func sirResumesToTheSameDigest(cut: Int) throws {
        let g = BarabasiAlbert.graph(nodes: 3_000, m: 3, seed: 2)
        let (a, b) = try checkpointRoundTrip(total: 30, cut: cut, make: {
            SIRModel(graph: g, initialInfected: [1, 2, 3], transmission: 0.1, recovery: 0.1, seed: 9)
        }, shards: (2, 4))
        #expect(a == b)
    }

    @Test(arguments: [3, 40, 41, 77])
    func marketResumesToTheSameDigest(cut: Int) throws {
        // 40 is the end of a day; 3 falls in the opening call; 77 is in the closing call.
        let (a, b) = try checkpointRoundTrip(total: 100, cut: cut, make: {
            MarketModel(spec: marketSpec(), populations: marketPopulations(), seed: 11)
        }, shards: (2, 3))
        #expect(a == b)
    }

    @Test func aStateOfTheWrongSizeIsRefused() throws {
        let small = Simulation(model: BoltzmannModel(agents: 100, seed: 1), shards: 1, threads: 1)
        small.run(ticks: 2)
        let saved = try #require(small.saveState())
        let big = Simulation(model: BoltzmannModel(agents: 200, seed: 1), shards: 1, threads: 1)
        #expect(throws: StateReader.Failure.self) { try big.loadState(saved) }
        #expect(throws: StateReader.Failure.self) { try big.loadState(Array(saved.prefix(20))) }
    }
}
