import AgoraCore
import AgoraEngine
import AgoraModels

extension World {
    /// What one process of a run spread over several ended with.
    public struct ProcessOutcome: Sendable {
        public let digest: RunDigest
        public let summary: [(name: String, value: Double)]
        /// Each tick's metrics, in order.
        public let metrics: [[Double]]
    }

    /// Runs `scenario` for its ticks as `processes` processes would under mpirun — each a thread of
    /// this one (`InProcessGroup`), building its world for its place and stepping its share of the
    /// shards — and returns what each ended with. A model that keeps the engine's promise gives
    /// every process the digest, summary and metrics of the scenario run in one process, for any
    /// number of processes: this is how that is tested, for Agora's models and outside ones.
    /// - Parameter threads: worker threads per process.
    public static func runInProcesses(_ scenario: Scenario, processes: Int, threads: Int = 1) throws -> [ProcessOutcome] {
        try InProcessGroup.run(ranks: processes) { group in
            let placement = Placement(rank: group.rank, processes: group.size, threads: threads)
            let built = Result { try World.assemble(scenario, placement: placement) }
            // A rank that cannot build its world would leave the others waiting: all learn of it.
            var w = StateWriter()
            if case .failure(let error) = built { w.write("\(error)") }
            for bytes in group.allGather(w.bytes) where !bytes.isEmpty {
                var r = StateReader(bytes)
                throw ModelBuildError(population: nil, parameter: "", (try? r.string()) ?? "a process could not build its world")
            }
            let world = try built.get()
            guard let shards = placement.shardCount(agents: world.agentCount, fixed: scenario.engine.shards) else {
                throw ModelBuildError(population: nil, parameter: "engine.shards", "fewer shards than the \(processes) processes")
            }
            let sim = makeSimulation(world.model, shards: shards, threads: threads, group: group)
            var metrics: [[Double]] = []
            for _ in 0..<scenario.ticks { metrics.append(sim.step().metrics) }
            let summary = sim.summary()
            return ProcessOutcome(digest: sim.digest, summary: summary, metrics: metrics)
        }
    }
}
