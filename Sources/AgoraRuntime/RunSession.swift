import AgoraCatalog
import AgoraCore
import AgoraEngine
import AgoraLog
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
        let scenario = world.scenario
        let sim = makeSimulation(world.model, shards: shards, threads: threads, logPolicy: world.logPolicy)
        let log = try RunLog(path: directory.file(RunLog.fileName), kinds: sim.eventKinds, policy: world.logPolicy,
                             meta: ["run_id": runID, "scenario": scenario.name, "seed": String(scenario.seed),
                                    "agora_version": AgoraVersion.string])
        var metrics = MetricsTable(names: sim.metricNames)
        let started = Date()
        let clock = ProcessClock()
        for _ in 0..<scenario.ticks {
            let result = sim.step()
            metrics.append(result)
            log.write(result, from: sim)
            onTick(result.tick + 1, clock.elapsed)
        }
        let wall = clock.elapsed
        try log.close()

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
        report.set("agent_steps_per_s", wall > 0 ? Double(world.agentCount) * Double(scenario.ticks) / wall : 0)
        report.set("messages", sim.messageCount)
        report.set("log", RunLog.fileName)
        report.set("log_bytes", log.writer.bytesWritten)
        report.set("log_rows", log.rowsWritten)
        var summary = JSONLine()
        for (name, value) in sim.summary() { summary.set(name, value) }
        report.set("summary", summary)
        try directory.finish(metricsCSV: metrics.csv, report: report, started: started, overrides: scenario.overrides)
        try catalog?.finish(id: runID, status: "finished", finishedAt: ISO8601DateFormatter().string(from: Date()), digest: sim.digest.hex,
                            agents: world.agentCount, shards: shards, threads: threads, wallSeconds: wall,
                            metrics: [("wall_s", wall), ("agent_steps_per_s", Double(world.agentCount) * Double(scenario.ticks) / max(wall, 1e-9))]
                                + sim.summary().map { ("summary.\($0.name)", $0.value) })
        return Outcome(runID: runID, directory: directory, report: report, simulation: sim)
    }
}

/// Seconds since creation on a monotonic clock.
public struct ProcessClock {
    let start = DispatchTime.now().uptimeNanoseconds
    public init() {}
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

/// The per-tick metrics rows of a run, as CSV.
public struct MetricsTable {
    public let names: [String]
    public private(set) var csv: String

    public init(names: [String]) {
        self.names = names
        csv = (["tick", "events"] + names).joined(separator: ",") + "\n"
    }

    public mutating func append(_ r: TickResult) {
        csv += ([String(r.tick), String(r.events.count)] + r.metrics.map(Self.format)).joined(separator: ",") + "\n"
    }

    /// Integers without a decimal point, others with 9 significant digits, NaN as an empty field.
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.9g", v)
    }
}
