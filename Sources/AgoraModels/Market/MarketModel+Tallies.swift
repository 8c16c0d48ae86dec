import AgoraCore
import AgoraEngine

/// The counts strategies keep of their whole populations (`TraderStrategy.tallies`): how many of a
/// switching population's traders are chartists now. Counted in the record phase on every shard,
/// summed over shards and processes by the engine's counters, published in `endTick` for the next
/// tick's turns, and shown in the metrics as shares of the population.
struct PopulationTallies {
    /// Per population, where its tallies start in `counts` (and one past the last).
    let offsets: [Int]
    /// The metric of each tally, `<kind>.<name>` (a kind that several populations have: `<kind>_<n>.<name>`).
    let names: [String]
    /// The size of the population each tally counts in.
    let sizes: [Int]
    /// The counts as the last tick ended, read by the turns (at least one slot, so that a
    /// population without tallies has an address too).
    let counts: Column<Int64>

    var total: Int { offsets.last ?? 0 }

    /// The tallies of `populations`, whose traders start at `starts` (one past the last at the end), as they start.
    init(populations: [TraderPopulation], starts: [Int], setup: TickRandom) {
        var offsets: [Int] = [], names: [String] = [], sizes: [Int] = [], initial: [Int64] = []
        let kinds = populations.map(\.kind)
        for (p, population) in populations.enumerated() {
            offsets.append(names.count)
            let strategy = type(of: population.strategy)
            let label = kinds.filter { $0 == population.kind }.count > 1 ? "\(population.kind)_\(p + 1)" : population.kind
            names += strategy.tallies.map { "\(label).\($0)" }
            sizes += strategy.tallies.map { _ in starts[p + 1] - starts[p] }
            initial += population.strategy.initialTallies(starts[p]..<starts[p + 1], setup: setup)
        }
        offsets.append(names.count)
        self.offsets = offsets
        self.names = names
        self.sizes = sizes
        counts = Column(initial.isEmpty ? [0] : initial)
    }
}

extension MarketModel {
    /// Where the tallies start among the model's counters.
    var tallyBase: Int { 4 + (feeds?.counterCount ?? 0) }

    /// Counts the shard's traders of each population that keeps tallies.
    func recordTallies(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        guard tallies.total > 0 else { return }
        let base = tallyBase
        recorder.counters.withUnsafeMutableBufferPointer { counters in
            for p in populations.indices where tallies.offsets[p + 1] > tallies.offsets[p] {
                let agents = ctx.agents.clamped(to: populationStarts[p]..<populationStarts[p + 1])
                guard !agents.isEmpty else { continue }
                let strategy = populations[p].strategy
                strategy.countTallies(agents, states: type(of: strategy).statePointer(strategyStates[p]),
                                      into: counters.baseAddress! + base + tallies.offsets[p])
            }
        }
    }

    /// Publishes the tick's tallies for the next tick's turns, and returns them as shares of their populations.
    func publishTallies(_ counters: ArraySlice<Int64>) -> [Double] {
        var shares: [Double] = []
        shares.reserveCapacity(tallies.total)
        for k in 0..<tallies.total {
            let n = counters[counters.startIndex + k]
            assert(n >= 0 && n <= Int64(tallies.sizes[k]), "a tally counts within its population")
            tallies.counts[k] = n
            shares.append(Double(n) / Double(max(1, tallies.sizes[k])))
        }
        return shares
    }
}
