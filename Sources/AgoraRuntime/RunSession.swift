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
    ///   - catalog: where the run is recorded (nil: nowhere).
    ///   - group: the processes to spread the run over (under mpirun). Every process calls this
    ///     with the same world; process 0 writes the run directory, the log and the catalog row,
    ///     every process its own checkpoint files.
    ///   - name: what the run's id starts with (nil: the scenario's name); a sweep names its runs
    ///     after itself and the point.
    ///   - observer: watches the run tick by tick, and may hold it (the live monitor).
    ///   - onTick: called after each tick with the ticks done and the seconds elapsed.
    public static func run(_ world: World, out: String?, threads defaultThreads: Int, catalog: Catalog? = nil,
                           group: (any ProcessGroup)? = nil, name: String? = nil, observer: (any RunObserver)? = nil,
                           onTick: (Int, Double) -> Void = { _, _ in }) throws -> Outcome {
        let scenario = world.scenario
        let processes = RunProcesses(group: group)
        try processes.check(world)
        let threads = scenario.engine.threads ?? defaultThreads
        let shards = try processes.shardCount(world, threads: threads)
        // Process 0 names the run and makes its directory; the others take both from it.
        let made = try processes.agree { () throws -> (String, String) in
            guard processes.isLead else { return ("", "") }
            let runID = RunDirectory.makeRunID(name: name ?? scenario.name)
            let directory = try RunDirectory.create(path: out ?? "runs/\(runID)", runID: runID, scenario: scenario)
            return (runID, directory.path)
        }
        let runID = processes.fromLead(made.0)
        let directory = RunDirectory(path: processes.fromLead(made.1), runID: runID, scenario: scenario)
        let iso = ISO8601DateFormatter()
        let catalog = processes.isLead ? catalog : nil
        try catalog?.insert(catalogRow(runID, directory.path, scenario))
        do {
            return try execute(world, directory: directory, runID: runID, threads: threads, shards: shards, catalog: catalog,
                               processes: processes, observer: observer, onTick: onTick)
        } catch {
            try? catalog?.finish(id: runID, status: "failed", finishedAt: iso.string(from: Date()), digest: nil, agents: world.agentCount,
                                 shards: shards, threads: threads, wallSeconds: nil, error: "\(error)")
            throw error
        }
    }

    private static func execute(_ world: World, directory: RunDirectory, runID: String, threads: Int, shards: Int, catalog: Catalog?,
                                processes: RunProcesses, observer: (any RunObserver)?, onTick: (Int, Double) -> Void) throws -> Outcome {
        let sim = makeSimulation(world.model, shards: shards, threads: threads, logPolicy: world.logPolicy, group: processes.group)
        let files = try processes.agree {
            try RunFiles.open(directory, sim: sim, world: world, runID: runID, processes: processes, continuing: nil)
        }
        return try drive(world, sim: sim, files: files, from: 0, directory: directory, runID: runID, threads: threads,
                         shards: shards, catalog: catalog, processes: processes, observer: observer, onTick: onTick)
    }

    /// Continues an unfinished run in `directory` from its last checkpoint (or from tick 0 when it
    /// has none), appending to its log and metrics; the final digest equals an uninterrupted run's.
    /// A run spread over processes resumes with as many processes (`group`) as it had.
    public static func resume(directory path: String, threads defaultThreads: Int, catalog: Catalog?, group: (any ProcessGroup)? = nil,
                              observer: (any RunObserver)? = nil, onTick: (Int, Double) -> Void = { _, _ in }) throws -> Outcome {
        let processes = RunProcesses(group: group)
        let scenarioPath = (path as NSString).appendingPathComponent("scenario.yaml")
        let scenario: Scenario
        do { scenario = try ScenarioLoader.load(path: scenarioPath) } catch {
            throw RunDirectory.Failure(description: "the run's scenario.yaml no longer reads: \(error)")
        }
        let catalog = processes.isLead ? catalog : nil
        let threads = scenario.engine.threads ?? defaultThreads
        let world = try World.assemble(scenario, answers: LLMWiring.liveSource(for: scenario, catalog: catalog, group: group),
                                       placement: processes.placement(threads: threads))
        try processes.check(world)
        let logPath = (path as NSString).appendingPathComponent(RunLog.fileName)
        let runID = (try? LogReader(path: logPath).schema.meta["run_id"]) ?? nil ?? (path as NSString).lastPathComponent
        let directory = try RunDirectory.reopen(path: path, runID: runID, scenario: scenario)
        let shards = try processes.shardCount(world, threads: threads)
        let sim = makeSimulation(world.model, shards: shards, threads: threads, logPolicy: world.logPolicy, group: group)
        let resumed = try processes.agree { () throws -> (main: Checkpoint, segmentLength: Int)? in
            guard let checkpoint = try Checkpoint.read(from: path) else { return nil }
            guard checkpoint.scenarioHash == contentHash(scenario.resolvedYAML) else {
                throw Checkpoint.Failure(description: "\(path): the checkpoint was made for another scenario")
            }
            guard checkpoint.processes == processes.size else {
                throw Checkpoint.Failure(description: "\(path): the checkpoint was made by \(checkpoint.processes) process"
                                         + "\(checkpoint.processes == 1 ? "" : "es"); resume it with as many "
                                         + (checkpoint.processes == 1 ? "(agora run --resume, without mpirun)" : "(mpirun -np \(checkpoint.processes))"))
            }
            let file = (path as NSString).appendingPathComponent(Checkpoint.fileName)
            try checkpoint.check(file, ticks: scenario.ticks, directory: path, files: processes.isLead)
            /// Loads `state`, and checks that the engine's own tick in it is the header's.
            func load(_ state: [UInt8], from file: String) throws {
                try sim.loadState(state)
                guard sim.tick == checkpoint.nextTick else {
                    throw Checkpoint.Failure(description: "\(file): nextTick is \(checkpoint.nextTick) but its state is after tick "
                                             + "\(sim.tick); the checkpoint does not fit this run, which is left as it was")
                }
            }
            if processes.size == 1 {
                try load(checkpoint.state, from: file)
                return (checkpoint, 0)
            }
            let name = Checkpoint.processFileName(nextTick: checkpoint.nextTick, rank: processes.rank)
            guard let mine = try Checkpoint.read(from: path, name: name) else {
                throw Checkpoint.Failure(description: "\((path as NSString).appendingPathComponent(name)) is missing: "
                                         + "this process's part of the checkpoint before tick \(checkpoint.nextTick)")
            }
            let part = (path as NSString).appendingPathComponent(name)
            try mine.checkPart(part, nextTick: checkpoint.nextTick, segment: RunLog.segmentName(rank: processes.rank), directory: path)
            try load(mine.state, from: part)
            return (checkpoint, mine.logLength)
        }
        let checkpoint = resumed?.main
        let files = try processes.agree { () throws -> RunFiles in
            let files = try RunFiles.open(directory, sim: sim, world: world, runID: runID, processes: processes,
                                          continuing: resumed.map { ($0.main.logLength, $0.segmentLength, $0.main.metricsLength) })
            if let catalog, (try? catalog.run(runID)) == nil { try catalog.insert(catalogRow(runID, path, scenario)) }
            return files
        }
        return try drive(world, sim: sim, files: files, from: checkpoint?.nextTick ?? 0, directory: directory,
                         runID: runID, threads: threads, shards: shards, catalog: catalog, processes: processes, observer: observer,
                         onTick: onTick)
    }

    /// The catalog's row for a run that is starting.
    static func catalogRow(_ runID: String, _ directory: String, _ scenario: Scenario) -> Catalog.Run {
        Catalog.Run(id: runID, runDirectory: directory, scenarioName: scenario.name, scenarioHash: contentHash(scenario.resolvedYAML),
                    scenarioYAML: scenario.resolvedYAML, scenarioFile: scenario.sourcePath, model: scenario.model.name,
                    seed: String(scenario.seed), overrides: scenario.overrides, agoraVersion: AgoraVersion.string,
                    startedAt: ISO8601DateFormatter().string(from: Date()), ticks: scenario.ticks)
    }

    static func logMeta(runID: String, scenario: Scenario) -> [String: String] {
        ["run_id": runID, "scenario": scenario.name, "seed": String(scenario.seed), "agora_version": AgoraVersion.string]
    }

    /// The tick loop shared by fresh and resumed runs.
    private static func drive(_ world: World, sim: any SimulationRunner, files: RunFiles, from start: Int,
                              directory: RunDirectory, runID: String, threads: Int, shards: Int, catalog: Catalog?,
                              processes: RunProcesses, observer: (any RunObserver)?, onTick: (Int, Double) -> Void) throws -> Outcome {
        let log = files.log, metrics = files.metrics
        let scenario = world.scenario
        let every = scenario.checkpointEvery
        let hash = contentHash(scenario.resolvedYAML)
        if every > 0 && sim.saveState() == nil {
            throw Checkpoint.Failure(description: "the \(scenario.model.name) model cannot be checkpointed")
        }
        let started = Date()
        let clock = ProcessClock()
        var checkpoints = 0
        var lastCheckpoint: Int? = nil
        observer?.runStarted(id: runID, directory: directory.path)
        for t in start..<scenario.ticks {
            observer?.willStep(t, sim: sim)
            let result = sim.step()
            metrics?.append(MetricsTable.line(result))
            log?.write(result, from: sim, contents: files.segment == nil ? .whole : .main)
            files.segment?.write(result, from: sim, contents: .segment)
            if every > 0 && (t + 1) % every == 0 && t + 1 < scenario.ticks {
                try checkpoint(sim, nextTick: t + 1, replacing: lastCheckpoint, files: files, hash: hash, directory: directory,
                               processes: processes)
                lastCheckpoint = t + 1
                checkpoints += 1
            }
            let elapsed = clock.elapsed - (observer?.heldSeconds ?? 0)
            observer?.didStep(result, sim: sim, elapsed: elapsed)
            onTick(t + 1, elapsed)
        }
        let wall = clock.elapsed - (observer?.heldSeconds ?? 0)
        observer?.finished(sim: sim, elapsed: wall)
        try processes.agree {
            try log?.close()
            try files.segment?.close()
            try metrics?.close()
        }
        // A model's summary may walk its whole network: ask once. Spread over processes, this is
        // the last step they take together.
        let finalSummary = sim.summary()
        // From here process 0 goes on alone — merging the log segments into the one log, writing
        // the manifest — and the others do not wait for it: a long merge must not look to them like
        // a stuck process.
        var logBytes = log?.writer.bytesWritten ?? 0, logRows = log?.rowsWritten ?? 0
        var mergeSeconds = 0.0
        if processes.size > 1 && processes.isLead {
            let mergeClock = ProcessClock()
            let merged = try RunFiles.merge(directory, processes: processes.size)
            mergeSeconds = mergeClock.elapsed
            logBytes = merged.bytes
            logRows = merged.rows.filter { $0.key != 0 && $0.key != RunLog.metricsKindID }.reduce(0) { $0 + $1.value }
        }
        // The run is complete: no checkpoint of it is needed any more.
        if processes.isLead { try? FileManager.default.removeItem(atPath: directory.file(Checkpoint.fileName)) }
        if processes.size > 1, let own = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            for name in own where name.hasPrefix("checkpoint-") && name.hasSuffix("-rank\(processes.rank).bin") {
                try? FileManager.default.removeItem(atPath: directory.file(name))
            }
        }

        var report = JSONLine()
        report.set("run_id", runID)
        report.set("run_dir", directory.path)
        report.set("scenario", scenario.name)
        report.set("model", scenario.model.name)
        report.set("seed", scenario.seed <= UInt64(Int.max) ? .int(Int(scenario.seed)) : .text(String(scenario.seed)))
        report.set("digest", sim.digest.hex)
        report.set("ticks", scenario.ticks)
        report.set("agents", world.agentCount)
        report.set("populations", Self.populations(scenario, agentCount: world.agentCount))
        report.set("shards", shards)
        report.set("threads", threads)
        report.set("wall_s", wall)
        report.set("setup_s", world.setupSeconds)
        let stepped = Double(world.agentCount) * Double(scenario.ticks - start)
        report.set("agent_steps_per_s", wall > 0 ? stepped / wall : 0)
        report.set("messages", sim.messageCount)
        report.set("log", RunLog.fileName)
        report.set("log_bytes", logBytes)
        report.set("log_rows", logRows)
        if processes.size > 1 {
            report.set("processes", processes.size)
            let stats = sim.transport ?? TransportStats()
            let ticks = max(1, scenario.ticks - start)
            var transport = JSONLine()
            transport.set("bytes_sent_per_tick", Double(stats.bytesSent) / Double(ticks))
            transport.set("exchanges_per_tick", Double(stats.exchanges) / Double(ticks))
            transport.set("exchange_s", stats.seconds)
            report.set("transport", transport)
            report.set("log_merge_s", mergeSeconds)
        }
        if start > 0 { report.set("resumed_from_tick", start) }
        if every > 0 { report.set("checkpoints", checkpoints) }
        var summary = JSONLine()
        for (name, value) in finalSummary { summary.set(name, value) }
        report.set("summary", summary)
        // A catalog removed or replaced while the run went on would swallow the run's row: the run
        // is recorded anew in a catalog at the same path, and says so.
        var catalog = catalog, notes = sim.notes
        if let lost = catalog, !lost.isStillAtItsPath {
            let fresh = try Catalog(path: lost.path)
            if (try? fresh.run(runID)) == nil { try fresh.insert(catalogRow(runID, directory.path, scenario)) }
            catalog = fresh
            notes.append("catalog: \(lost.path) was removed or replaced during the run; the run is recorded in the catalog now there")
        }
        if !notes.isEmpty { report.set("notes", .list(notes.map { .text($0) })) }
        if processes.isLead {
            let figures = sim.figures
            if !figures.isEmpty { try directory.write(FigureFile.fileName, FigureFile.text(figures)) }
            try directory.finish(report: report, started: started, overrides: scenario.overrides)
        }
        try catalog?.finish(id: runID, status: "finished", finishedAt: ISO8601DateFormatter().string(from: Date()), digest: sim.digest.hex,
                            agents: world.agentCount, shards: shards, threads: threads, wallSeconds: wall,
                            metrics: [("wall_s", wall), ("agent_steps_per_s", wall > 0 ? stepped / wall : 0)]
                                + finalSummary.map { ("summary.\($0.name)", $0.value) })
        return Outcome(runID: runID, directory: directory, report: report, simulation: sim)
    }
}

extension RunSession {
    /// Saves a checkpoint before tick `nextTick`. One process: `checkpoint.bin`, state inside.
    /// Several: each writes its own state file, then process 0 the manifest that names them, then
    /// each removes its files of the checkpoint this one replaces.
    fileprivate static func checkpoint(_ sim: any SimulationRunner, nextTick: Int, replacing previous: Int?, files: RunFiles,
                                       hash: String, directory: RunDirectory, processes: RunProcesses) throws {
        let log = files.log, metrics = files.metrics
        try processes.agree {
            try log?.writer.sync()
            try files.segment?.writer.sync()
            try metrics?.flush()
        }
        guard processes.size > 1 else {
            try Checkpoint(nextTick: nextTick, logLength: log!.writer.bytesWritten, metricsLength: metrics!.length, scenarioHash: hash,
                           state: sim.saveState()!).write(to: directory.path)
            return
        }
        try processes.agree {
            try Checkpoint(nextTick: nextTick, logLength: files.segment!.writer.bytesWritten, metricsLength: 0, processes: processes.size,
                           scenarioHash: hash, state: sim.saveState()!)
                .write(to: directory.path, name: Checkpoint.processFileName(nextTick: nextTick, rank: processes.rank))
        }
        try processes.agree {
            guard processes.isLead, let log, let metrics else { return }
            try Checkpoint(nextTick: nextTick, logLength: log.writer.bytesWritten, metricsLength: metrics.length, processes: processes.size,
                           scenarioHash: hash, state: []).write(to: directory.path)
        }
        if let previous {
            try? FileManager.default.removeItem(atPath: directory.file(Checkpoint.processFileName(nextTick: previous, rank: processes.rank)))
        }
    }
}

extension RunSession {
    /// The manifest's `populations`: each population's kind and the agent ids it holds (agents are
    /// numbered population by population, in the scenario's order), so that a reader maps an
    /// event's agent to who it is. A population sized by the network holds what the others leave.
    static func populations(_ scenario: Scenario, agentCount: Int) -> JSONLine.Value {
        .list(scenario.populationRanges(agentCount: agentCount).enumerated().map { i, p in
            var o = JSONLine()
            o.set("population", i)
            o.set("kind", p.kind)
            o.set("first", p.agents.lowerBound)
            o.set("count", p.agents.count)
            return .object(o)
        })
    }
}

/// The files a process writes as a run goes: the log and metrics.csv (process 0), and spread over
/// processes, each process's log segment (docs/distributed.md).
struct RunFiles {
    /// The whole log (one process), or the main log (process 0 of several).
    var log: RunLog?
    var segment: RunLog?
    var metrics: MetricsFile?

    /// Creates the files, or with `continuing` (main log, segment, metrics lengths from a
    /// checkpoint) reopens them cut back to those lengths.
    static func open(_ directory: RunDirectory, sim: any SimulationRunner, world: World, runID: String, processes: RunProcesses,
                     continuing: (log: Int, segment: Int, metrics: Int)?) throws -> RunFiles {
        var files = RunFiles()
        var meta = RunSession.logMeta(runID: runID, scenario: world.scenario)
        if processes.size > 1 {
            meta["segments"] = String(processes.size)
            files.segment = try RunLog(path: directory.file(RunLog.segmentName(rank: processes.rank)), kinds: sim.eventKinds,
                                       metrics: sim.metricNames, policy: world.logPolicy, meta: meta, continuingAt: continuing?.segment)
        }
        guard processes.isLead else { return files }
        files.log = try RunLog(path: directory.file(RunLog.fileName), kinds: sim.eventKinds, metrics: sim.metricNames,
                               policy: world.logPolicy, meta: meta, continuingAt: continuing?.log)
        files.metrics = try MetricsFile(path: directory.file("metrics.csv"), header: MetricsTable.header(sim.metricNames),
                                        continuingAt: continuing?.metrics)
        return files
    }

    /// Merges the main log and the segments of a finished run into its one `events.agl`, and
    /// removes the segments.
    static func merge(_ directory: RunDirectory, processes: Int) throws -> LogMerge.Result {
        let main = directory.file(RunLog.fileName), merged = main + ".merged"
        let segments = (0..<processes).map { directory.file(RunLog.segmentName(rank: $0)) }
        let result = try LogMerge.merge(main: main, segments: segments, into: merged, dropping: ["segments"])
        guard rename(merged, main) == 0 else {
            throw RunDirectory.Failure(description: "cannot move \(merged) to \(main): \(String(cString: strerror(errno)))")
        }
        for s in segments { try? FileManager.default.removeItem(atPath: s) }
        return result
    }
}

/// The processes of a run spread over mpirun's ranks, as the run session sees them: process 0
/// leads (it writes the run directory, the log and the catalog row), and steps that can fail on
/// one process are agreed on, so that a failure anywhere stops every process with the same error
/// instead of leaving the others waiting at the next exchange.
struct RunProcesses {
    let group: (any ProcessGroup)?

    var rank: Int { group?.rank ?? 0 }
    var size: Int { group?.size ?? 1 }
    var isLead: Bool { rank == 0 }

    /// Refuses a model that cannot be spread over processes.
    func check(_ world: World) throws {
        guard size > 1, !isDistributable(world.model) else { return }
        throw RunDirectory.Failure(description: "the \(world.scenario.model.name) model cannot be spread over processes "
                                   + "(docs/distributed.md lists those that can); run it without mpirun")
    }

    /// Where this process builds its world (nil: alone), for a process running `threads` threads.
    func placement(threads: Int) -> World.Placement? {
        size > 1 ? World.Placement(rank: rank, processes: size, threads: threads) : nil
    }

    /// The run's shards: the scenario's, or enough for every process's threads (the count the
    /// world's placement assumed).
    func shardCount(_ world: World, threads: Int) throws -> Int {
        guard let placement = placement(threads: threads) else { return world.shardCount(threads: threads) }
        guard let shards = placement.shardCount(agents: world.agentCount, fixed: world.scenario.engine.shards) else {
            throw RunDirectory.Failure(description: "engine.shards is \(world.scenario.engine.shards ?? 0): fewer shards than the \(size) processes")
        }
        return shards
    }

    /// Runs `body` here, then learns whether it failed anywhere: a failure on any process throws on
    /// every process, naming the process.
    func agree<T>(_ body: () throws -> T) throws -> T {
        let result: Result<T, any Error>
        do { result = .success(try body()) } catch { result = .failure(error) }
        guard let group, group.size > 1 else { return try result.get() }
        var w = StateWriter()
        if case .failure(let error) = result { w.write("\(error)") }
        for (p, bytes) in group.allGather(w.bytes).enumerated() where !bytes.isEmpty {
            if p == rank { return try result.get() }
            var r = StateReader(bytes)
            throw RunDirectory.Failure(description: "process \(p) of \(size): " + ((try? r.string()) ?? "failed"))
        }
        return try result.get()
    }

    /// `value` as process 0 has it, on every process.
    func fromLead(_ value: String) -> String {
        guard let group, group.size > 1 else { return value }
        var w = StateWriter()
        w.write(value)
        var r = StateReader(group.fromProcessZero(w.bytes))
        return (try? r.string()) ?? ""
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
