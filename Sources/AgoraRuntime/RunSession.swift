import AgoraCatalog
import AgoraCore
import AgoraEngine
import AgoraLog
import AgoraModels
import AgoraScenario
import Foundation

/// Runs an assembled world into a run directory: per-tick metrics, the event log and the
/// manifest. The command line is a thin layer over this.
public enum RunSession {
    /// Everything a finished run reports.
    public struct Outcome {
        public let runID: String
        public let directory: RunDirectory
        /// The `--json` object (and the manifest's core).
        public let report: JSONLine
        public let simulation: any SimulationRunner
    }

    /// Runs `world` for its scenario's ticks.
    /// - Parameters:
    ///   - out: the run directory (nil: `runs/<run-id>`).
    ///   - threads: worker threads (the scenario's `engine.threads` wins when set).
    ///   - onTick: called after each tick with the ticks done and the seconds elapsed.
    ///   - catalog: where the run is recorded (nil: nowhere).
    public static func run(_ world: World, out: String?, threads defaultThreads: Int, catalog: Catalog? = nil,
                           onTick: (Int, Double) -> Void = { _, _ in }) throws -> Outcome {
        let scenario = world.scenario
        let threads = scenario.engine.threads ?? defaultThreads
        let shards = world.shardCount(threads: threads)
        let runID = RunDirectory.makeRunID(name: scenario.name)
        let directory = try RunDirectory.create(path: out ?? "runs/\(runID)", runID: runID, scenario: scenario)
        let iso = ISO8601DateFormatter()
        try catalog?.insert(Catalog.Run(
            id: runID, runDirectory: directory.path, scenarioName: scenario.name, scenarioHash: contentHash(scenario.resolvedYAML),
            scenarioYAML: scenario.resolvedYAML, scenarioFile: scenario.sourcePath, model: scenario.model.name,
            seed: String(scenario.seed), overrides: scenario.overrides, agoraVersion: AgoraVersion.string,
            startedAt: iso.string(from: Date()), ticks: scenario.ticks))
        do {
            return try execute(world, directory: directory, runID: runID, threads: threads, shards: shards, catalog: catalog,
                               onTick: onTick)
        } catch {
            try? catalog?.finish(id: runID, status: "failed", finishedAt: iso.string(from: Date()), digest: nil, agents: world.agentCount,
                                 shards: shards, threads: threads, wallSeconds: nil, error: "\(error)")
            throw error
        }
    }

    private static func execute(_ world: World, directory: RunDirectory, runID: String, threads: Int, shards: Int, catalog: Catalog?,
                                onTick: (Int, Double) -> Void) throws -> Outcome {
        let sim = makeSimulation(world.model, shards: shards, threads: threads, logPolicy: world.logPolicy)
        let log = try RunLog(path: directory.file(RunLog.fileName), kinds: sim.eventKinds, metrics: sim.metricNames, policy: world.logPolicy,
                             meta: logMeta(runID: runID, scenario: world.scenario))
        let metrics = try MetricsFile(path: directory.file("metrics.csv"), header: MetricsTable.header(sim.metricNames), continuingAt: nil)
        return try drive(world, sim: sim, log: log, metrics: metrics, from: 0, directory: directory, runID: runID, threads: threads,
                         shards: shards, catalog: catalog, onTick: onTick)
    }

    /// Continues an unfinished run in `directory` from its last checkpoint (or from tick 0 when it
    /// has none), appending to its log and metrics; the final digest equals an uninterrupted run's.
    public static func resume(directory path: String, threads defaultThreads: Int, catalog: Catalog?,
                              onTick: (Int, Double) -> Void = { _, _ in }) throws -> Outcome {
        let scenarioPath = (path as NSString).appendingPathComponent("scenario.yaml")
        let scenario: Scenario
        do { scenario = try ScenarioLoader.load(path: scenarioPath) } catch {
            throw RunDirectory.Failure(description: "the run's scenario.yaml no longer reads: \(error)")
        }
        let world = try World.assemble(scenario, answers: LLMWiring.liveSource(for: scenario, catalog: catalog))
        let logPath = (path as NSString).appendingPathComponent(RunLog.fileName)
        let runID = (try? LogReader(path: logPath).schema.meta["run_id"]) ?? nil ?? (path as NSString).lastPathComponent
        let directory = try RunDirectory.reopen(path: path, runID: runID, scenario: scenario)
        let threads = scenario.engine.threads ?? defaultThreads
        let shards = world.shardCount(threads: threads)
        let sim = makeSimulation(world.model, shards: shards, threads: threads, logPolicy: world.logPolicy)
        let checkpoint = try Checkpoint.read(from: path)
        if let checkpoint {
            guard checkpoint.scenarioHash == contentHash(scenario.resolvedYAML) else {
                throw Checkpoint.Failure(description: "\(path): the checkpoint was made for another scenario")
            }
            try sim.loadState(checkpoint.state)
        }
        let log = try RunLog(path: logPath, kinds: sim.eventKinds, metrics: sim.metricNames, policy: world.logPolicy,
                             meta: logMeta(runID: runID, scenario: scenario), continuingAt: checkpoint?.logLength)
        let metrics = try MetricsFile(path: directory.file("metrics.csv"), header: MetricsTable.header(sim.metricNames),
                                      continuingAt: checkpoint?.metricsLength)
        if let catalog, (try? catalog.run(runID)) == nil {
            try catalog.insert(Catalog.Run(
                id: runID, runDirectory: path, scenarioName: scenario.name, scenarioHash: contentHash(scenario.resolvedYAML),
                scenarioYAML: scenario.resolvedYAML, scenarioFile: scenario.sourcePath, model: scenario.model.name,
                seed: String(scenario.seed), overrides: scenario.overrides, agoraVersion: AgoraVersion.string,
                startedAt: ISO8601DateFormatter().string(from: Date()), ticks: scenario.ticks))
        }
        return try drive(world, sim: sim, log: log, metrics: metrics, from: checkpoint?.nextTick ?? 0, directory: directory, runID: runID,
                         threads: threads, shards: shards, catalog: catalog, onTick: onTick)
    }

    static func logMeta(runID: String, scenario: Scenario) -> [String: String] {
        ["run_id": runID, "scenario": scenario.name, "seed": String(scenario.seed), "agora_version": AgoraVersion.string]
    }

    /// The tick loop shared by fresh and resumed runs.
    private static func drive(_ world: World, sim: any SimulationRunner, log: RunLog, metrics: MetricsFile, from start: Int,
                              directory: RunDirectory, runID: String, threads: Int, shards: Int, catalog: Catalog?,
                              onTick: (Int, Double) -> Void) throws -> Outcome {
        let scenario = world.scenario
        let every = scenario.checkpointEvery
        let hash = contentHash(scenario.resolvedYAML)
        if every > 0 && sim.saveState() == nil {
            throw Checkpoint.Failure(description: "the \(scenario.model.name) model cannot be checkpointed")
        }
        let started = Date()
        let clock = ProcessClock()
        var checkpoints = 0
        for t in start..<scenario.ticks {
            let result = sim.step()
            metrics.append(MetricsTable.line(result))
            log.write(result, from: sim)
            if every > 0 && (t + 1) % every == 0 && t + 1 < scenario.ticks {
                try log.writer.sync()
                try metrics.flush()
                try Checkpoint(nextTick: t + 1, logLength: log.writer.bytesWritten, metricsLength: metrics.length, scenarioHash: hash,
                               state: sim.saveState()!).write(to: directory.path)
                checkpoints += 1
            }
            onTick(t + 1, clock.elapsed)
        }
        let wall = clock.elapsed
        try log.close()
        try metrics.close()
        try? FileManager.default.removeItem(atPath: directory.file(Checkpoint.fileName))

        var report = JSONLine()
        report.set("run_id", runID)
        report.set("run_dir", directory.path)
        report.set("scenario", scenario.name)
        report.set("model", scenario.model.name)
        report.set("seed", scenario.seed <= UInt64(Int.max) ? .int(Int(scenario.seed)) : .text(String(scenario.seed)))
        report.set("digest", sim.digest.hex)
        report.set("ticks", scenario.ticks)
        report.set("agents", world.agentCount)
        report.set("shards", shards)
        report.set("threads", threads)
        report.set("wall_s", wall)
        report.set("setup_s", world.setupSeconds)
        let stepped = Double(world.agentCount) * Double(scenario.ticks - start)
        report.set("agent_steps_per_s", wall > 0 ? stepped / wall : 0)
        report.set("messages", sim.messageCount)
        report.set("log", RunLog.fileName)
        report.set("log_bytes", log.writer.bytesWritten)
        report.set("log_rows", log.rowsWritten)
        if start > 0 { report.set("resumed_from_tick", start) }
        if every > 0 { report.set("checkpoints", checkpoints) }
        // A model's summary may walk its whole network: ask once.
        let finalSummary = sim.summary()
        var summary = JSONLine()
        for (name, value) in finalSummary { summary.set(name, value) }
        report.set("summary", summary)
        if !sim.notes.isEmpty { report.set("notes", .list(sim.notes.map { .text($0) })) }
        try directory.finish(report: report, started: started, overrides: scenario.overrides)
        try catalog?.finish(id: runID, status: "finished", finishedAt: ISO8601DateFormatter().string(from: Date()), digest: sim.digest.hex,
                            agents: world.agentCount, shards: shards, threads: threads, wallSeconds: wall,
                            metrics: [("wall_s", wall), ("agent_steps_per_s", wall > 0 ? stepped / wall : 0)]
                                + finalSummary.map { ("summary.\($0.name)", $0.value) })
        return Outcome(runID: runID, directory: directory, report: report, simulation: sim)
    }
}

/// Seconds since creation on a monotonic clock.
public struct ProcessClock {
    let start = DispatchTime.now().uptimeNanoseconds
    public init() {}
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

/// The per-tick metrics rows of a run, as CSV: `tick,events,<the model's metrics>`.
public enum MetricsTable {
    public static func header(_ names: [String]) -> String { (["tick", "events"] + names).joined(separator: ",") + "\n" }

    public static func line(_ r: TickResult) -> String {
        ([String(r.tick), String(r.events.count)] + r.metrics.map(format)).joined(separator: ",") + "\n"
    }

    /// Integers without a decimal point, others with 9 significant digits, NaN as an empty field.
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.9g", v)
    }
}
