import AgoraCore
import AgoraDistributed
import AgoraEngine
import AgoraRuntime
import AgoraScenario
import Foundation

/// `agora bench distributed`: strong and weak scaling of one simulation over MPI processes.
///
/// Started on its own, it runs itself under `mpirun` once per configuration — strong scaling keeps
/// the population and adds processes, weak scaling grows the population with them — and prints one
/// JSON line per configuration, then one line that projects, from what was measured, the time per
/// tick of a much larger run on many processes (docs/distributed.md explains the model). Started
/// under mpirun (`--worker`), it is one configuration: every process steps the simulation, and
/// rank 0 prints where the time went.
enum DistributedBench {
    struct Settings {
        var scenario: String
        var agents: Int
        var ticks: Int
        var ranks: [Int]
        var threads: Int
        var modelAgents: Int
        var modelRanks: Int
        var linkBytesPerSecond: Double
        var collectiveLatency: Double
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The scenario at `agents` agents (each population scaled, the network's nodes with them) and
    /// at least `ticks` ticks, with no LLM endpoint whatever the environment says.
    static func scaled(_ path: String, agents: Int, ticks: Int) throws -> Scenario {
        let base = try ScenarioLoader.load(path: path, environment: [:])
        var overrides = base.ticks < ticks ? ["ticks=\(ticks)"] : []
        let counts = base.populations.map { $0.count ?? 0 }
        let total = counts.reduce(0, +)
        if total > 0 {
            var scaled = counts.map { c in c == 0 ? 0 : max(1, Int((Double(c) * Double(agents) / Double(total)).rounded())) }
            let largest = scaled.indices.max { scaled[$0] < scaled[$1] }!
            scaled[largest] += agents - scaled.reduce(0, +)
            guard scaled[largest] >= 1 else { throw Failure(description: "\(path): cannot scale its populations to \(agents) agents") }
            for (i, c) in scaled.enumerated() where counts[i] > 0 { overrides.append("agents[\(i)].count=\(c)") }
        }
        if base.network != nil { overrides.append("network.nodes=\(agents)") }
        return try ScenarioLoader.load(path: path, overrides: overrides.map { try Override.parse($0) }, environment: [:])
    }

    /// One configuration, on every process of this mpirun; rank 0 returns the figures.
    static func worker(_ s: Settings) throws -> JSONLine? {
        let mpi = MPIWorld.shared
        let scenario = try scaled(s.scenario, agents: s.agents, ticks: s.ticks)
        let placement = World.Placement(rank: mpi.rank, processes: mpi.size, threads: s.threads)
        let world = try World.assemble(scenario, placement: placement)
        guard mpi.size == 1 || isDistributable(world.model) else {
            throw Failure(description: "the \(scenario.model.name) model cannot be spread over processes")
        }
        guard let shards = placement.shardCount(agents: world.agentCount, fixed: scenario.engine.shards) else {
            throw Failure(description: "\(s.scenario): engine.shards is fewer than the \(mpi.size) processes")
        }
        let sim = makeSimulation(world.model, shards: shards, threads: s.threads, group: mpi.size > 1 ? mpi : nil)
        try mpi.barrier()
        let clock = ProcessClock()
        for _ in 0..<s.ticks { sim.step() }
        let wall = clock.elapsed
        let summary = sim.summary()
        let transport = sim.transport ?? TransportStats()
        // Per process: step, serial, exchange, wait and move seconds, bytes sent and state held.
        var w = StateWriter()
        for v in [sim.timing.stepSeconds, sim.timing.serialSeconds, transport.seconds, mpi.waitSeconds, mpi.moveSeconds] { w.write(v) }
        w.write(transport.bytesSent)
        w.write(world.model.stateBytes)
        let distributed = world.model as? any DistributedModel
        w.write(distributed?.partitionedBytes ?? 0)
        w.write(distributed?.coarseSplit?.bytes ?? 0)
        w.write(distributed?.coarseSplit?.parts ?? 0)
        var outgoing = [[UInt8]](repeating: [], count: mpi.size)
        outgoing[0] = w.bytes
        let incoming = mpi.exchange(outgoing)
        guard mpi.rank == 0 else { return nil }
        var rows: [[Double]] = []
        for bytes in incoming {
            var r = StateReader(bytes)
            rows.append(try (0..<5).map { _ throws(StateReader.Failure) in try r.double() } + (0..<5).map { _ throws(StateReader.Failure) in Double(try r.int()) })
        }
        func largest(_ k: Int) -> Double { rows.map { $0[k] }.max() ?? 0 }
        let ticks = Double(s.ticks)
        var j = JSONLine()
        j.set("workload", "distributed")
        j.set("scenario", scenario.name)
        j.set("ranks", mpi.size)
        j.set("threads_per_rank", s.threads)
        j.set("agents", world.agentCount)
        j.set("ticks", s.ticks)
        j.set("wall_s", wall)
        j.set("s_per_tick", wall / ticks)
        // The parallel phases: a step less its serial hooks and exchanges, on the slowest process.
        j.set("parallel_s_per_tick", rows.map { $0[0] - $0[1] - $0[2] }.max()! / ticks)
        j.set("serial_s_per_tick", largest(1) / ticks)
        j.set("exchange_s_per_tick", largest(2) / ticks)
        j.set("wait_s_per_tick", largest(3) / ticks)
        j.set("move_s_per_tick", largest(4) / ticks)
        j.set("bytes_sent_per_tick_per_rank", rows.map { $0[5] }.reduce(0, +) / Double(mpi.size) / ticks)
        j.set("exchanges_per_tick", Double(transport.exchanges) / ticks)
        j.set("messages_per_tick", Double(sim.messageCount) / ticks)
        if let orders = summary.first(where: { $0.name == "orders" }) { j.set("orders_per_tick", orders.value / ticks) }
        // The state the largest process holds, and of all processes' state what each holds in full
        // (the most any holds) and what is split among them (the sum), per agent of the whole run.
        let agents = Double(max(1, world.agentCount))
        j.set("state_bytes_per_agent", largest(6) / agents)
        j.set("replicated_bytes_per_agent", rows.map { $0[6] - $0[7] }.max()! / agents)
        j.set("partitioned_bytes_per_agent", rows.map { $0[7] }.reduce(0, +) / agents)
        // Of the split part, what is split by a coarser key (the market's accounts, by instrument).
        j.set("coarse_bytes_per_agent", rows.map { $0[8] }.reduce(0, +) / agents)
        j.set("coarse_parts", Int(largest(9)))
        j.set("digest", sim.digest.hex)
        return j
    }

    /// Every configuration under mpirun, then the projection.
    static func orchestrate(_ s: Settings, binary: String, print emit: (String) -> Void) throws {
        guard let mpirun = findExecutable("mpirun") else {
            throw Failure(description: "mpirun is not on PATH (scripts/install-deps.sh installs Open MPI)")
        }
        var measured: [String: [String: Any]] = [:]
        func measure(ranks: Int, agents: Int) throws -> [String: Any] {
            let key = "\(ranks)x\(agents)"
            if let m = measured[key] { return m }
            var environment = ProcessInfo.processInfo.environment
            if geteuid() == 0 {
                environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
                environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
            }
            // A rank with several threads must not be bound to one core (mpirun's default for few ranks).
            let binding = s.threads > 1 ? ["--bind-to", "none"] : []
            let args = ["-np", String(ranks), "--oversubscribe"] + binding + [binary, "bench", "distributed", "--worker", "--scenario", s.scenario,
                        "--agents", String(agents), "--steps", String(s.ticks), "--threads", String(s.threads)]
            let p = Process()
            p.executableURL = URL(fileURLWithPath: mpirun)
            p.arguments = args
            p.environment = environment
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            guard p.terminationStatus == 0,
                  let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
                  let j = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Failure(description: "mpirun -np \(ranks) (\(agents) agents) failed with status \(p.terminationStatus)")
            }
            measured[key] = j
            return j
        }
        func number(_ j: [String: Any], _ k: String) -> Double { (j[k] as? Double) ?? Double(j[k] as? Int ?? 0) }
        func report(_ j: [String: Any], scaling: String, baseline: [String: Any]) {
            var line = JSONLine()
            line.set("workload", "distributed")
            line.set("scaling", scaling)
            for k in ["scenario", "digest"] { line.set(k, j[k] as? String ?? "") }
            for k in ["ranks", "threads_per_rank", "agents", "ticks"] { line.set(k, Int(number(j, k))) }
            for k in ["wall_s", "s_per_tick", "parallel_s_per_tick", "serial_s_per_tick", "exchange_s_per_tick", "wait_s_per_tick",
                      "move_s_per_tick", "bytes_sent_per_tick_per_rank", "messages_per_tick", "orders_per_tick"] where j[k] != nil {
                line.set(k, number(j, k))
            }
            let ranks = number(j, "ranks")
            let t1 = number(baseline, "s_per_tick"), tk = number(j, "s_per_tick")
            if scaling == "strong" {
                line.set("speedup", tk > 0 ? t1 / tk : 0)
                line.set("efficiency", tk > 0 ? t1 / tk / ranks : 0)
            } else {
                line.set("efficiency", tk > 0 ? t1 / tk : 0)
            }
            emit(line.text)
        }
        let fewest = s.ranks.min()!
        let strongBase = try measure(ranks: fewest, agents: s.agents)
        for r in s.ranks.sorted() { report(try measure(ranks: r, agents: s.agents), scaling: "strong", baseline: strongBase) }
        let perRank = max(1, s.agents / s.ranks.max()!)
        let weakBase = try measure(ranks: fewest, agents: perRank * fewest)
        for r in s.ranks.sorted() { report(try measure(ranks: r, agents: perRank * r), scaling: "weak", baseline: weakBase) }

        // The projection, from the fewest-rank run (costs per agent) and the most-rank run (bytes).
        let most = try measure(ranks: s.ranks.max()!, agents: s.agents)
        let a = number(strongBase, "agents")
        let parallelPerAgent = number(strongBase, "parallel_s_per_tick") * number(strongBase, "ranks") / a
        let serialPerAgent = number(strongBase, "serial_s_per_tick") / a
        let p0 = number(most, "ranks")
        // A process sends its agents' share of what crosses to each of the others: per agent, bytes × P / (P − 1).
        let bytesPerAgent = p0 > 1 ? number(most, "bytes_sent_per_tick_per_rank") * p0 / (p0 - 1) / a : 0
        let n = Double(s.modelAgents), p = Double(s.modelRanks)
        let parallel = parallelPerAgent * n / p
        let serial = serialPerAgent * n
        let bytes = bytesPerAgent * n * (p - 1) / p
        let exchanges = number(most, "exchanges_per_tick")
        let transport = bytes / s.linkBytesPerSecond + exchanges * s.collectiveLatency * (log2(p).rounded(.up))
        let terms = [("the serial hooks: ordering the requests and merging and recording the reports on every process, one book's matching", serial),
                     ("the agents' parallel phases", parallel), ("moving bytes between processes", transport)]
        var model = JSONLine()
        model.set("workload", "distributed_model")
        model.set("agents", s.modelAgents)
        model.set("ranks", s.modelRanks)
        model.set("parallel_s_per_agent_tick", parallelPerAgent)
        model.set("serial_s_per_agent_tick", serialPerAgent)
        model.set("bytes_per_agent_tick", bytesPerAgent)
        model.set("link_bytes_per_s", s.linkBytesPerSecond)
        model.set("collective_latency_s", s.collectiveLatency)
        model.set("parallel_s_per_tick", parallel)
        model.set("serial_s_per_tick", serial)
        model.set("transport_s_per_tick", transport)
        model.set("bytes_per_tick_per_rank", bytes)
        model.set("s_per_tick", parallel + serial + transport)
        // Memory: what every process holds in full, and its share of what is split among them, as
        // on the most ranks (spread, a model may keep more per row: the news model's followees).
        // What is split by a coarse key goes to no more processes than the key has values.
        let replicated = number(most, "replicated_bytes_per_agent"), partitioned = number(most, "partitioned_bytes_per_agent")
        let coarse = number(most, "coarse_bytes_per_agent"), parts = max(1, number(most, "coarse_parts"))
        model.set("replicated_bytes_per_agent", replicated)
        model.set("partitioned_bytes_per_agent", partitioned)
        model.set("coarse_bytes_per_agent", coarse)
        model.set("coarse_parts", Int(parts))
        model.set("memory_per_rank_bytes", (replicated + (partitioned - coarse) / p + coarse / min(parts, p)) * n)
        model.set("limit", terms.max { $0.1 < $1.1 }!.0)
        emit(model.text)
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
