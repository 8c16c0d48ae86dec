import AgoraCatalog
import AgoraCore
import AgoraDistributed
import AgoraScenario
import Foundation

/// Runs a sweep: every (point, replicate) of its design as a whole `agora run`, in parallel
/// processes, recorded in the catalog. Resumable: a point that finished — recorded, or found
/// finished in the catalog after a kill — is never run again; one that was running when the sweep
/// was killed runs again in a fresh directory. A failing point is recorded with its error and the
/// sweep goes on.
public struct SweepRunner {
    public let spec: SweepSpec
    public let catalogPath: String
    /// The `agora` binary that runs each point.
    public let binary: String
    public let jobs: Int
    /// Where the points' run directories go.
    public let folder: String

    public init(spec: SweepSpec, catalogPath: String, binary: String, jobs: Int, folder: String? = nil) {
        self.spec = spec
        self.catalogPath = catalogPath
        self.binary = binary
        self.jobs = max(1, jobs)
        self.folder = folder ?? ((catalogPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("sweeps/\(Self.id(of: spec))")
    }

    /// The sweep's id: its name and a hash of the sweep file and the base scenario, so the same
    /// files resume the same sweep and any change starts a new one.
    public static func id(of spec: SweepSpec) -> String {
        id(name: spec.name, text: spec.text, basePath: spec.basePath)
    }

    /// The id of a batch of runs named `name` whose file reads `text` over the scenario at
    /// `basePath`: the name made safe for a folder, and a hash of both texts.
    public static func id(name: String, text: String, basePath: String) -> String {
        let base = (try? String(contentsOfFile: basePath, encoding: .utf8)) ?? ""
        let h = UInt64(bitPattern: textHash(text + "\u{0}" + base))
        let safe = name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }
        return String(safe) + "-" + String(h, radix: 16).prefix(8)
    }

    /// What a sweep did: runs finished (before and now), failed, run now, and stopped by a signal.
    public struct Summary: Sendable {
        public var id: String
        public var total = 0
        public var finished = 0
        public var failed = 0
        public var ranNow = 0
        public var reused = 0
        /// Runs stopped because the sweep was interrupted (Ctrl-C, SIGTERM): recorded as
        /// `interrupted`, run again when the sweep resumes.
        public var interrupted = 0
    }

    /// Whether the sweep stopped for a signal (some runs are left for a resume).
    public func wasInterrupted(_ summary: Summary) -> Bool { summary.interrupted > 0 || summary.finished + summary.failed < summary.total }

    /// A run's name: the sweep's name, the point and the replicate (`sir-p0003-r1`), so that its
    /// id says where it came from.
    public func runName(point: Int, replicate: Int) -> String {
        "\(spec.name)-p" + String(format: "%04d", point) + "-r\(replicate)"
    }

    /// A point's parameters as its lines show them: `path=value, …`.
    public func describe(_ point: SweepSpec.Point) -> String {
        zip(spec.parameters, point.values).map { "\($0.path)=\($1)" }.joined(separator: ", ")
    }

    struct Task {
        var point: SweepSpec.Point
        var replicate: Int
        var attempt: Int
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs what is left of the sweep; `progress` hears one line per finished run. Under MPI
    /// (`world` of several ranks) rank r runs the runs left whose position is r modulo the ranks,
    /// each in its own process, and the summary counts every rank's.
    public func run(world: MPIWorld? = nil, progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> Summary {
        let id = Self.id(of: spec)
        let distributed = world?.isDistributed == true
        // Under MPI, rank 0 creates the catalog and the sweep's row before the others open it.
        func barrier() throws { if let world, distributed { do { try world.barrier() } catch { throw Failure(description: "\(error)") } } }
        if distributed && world!.rank != 0 { try barrier() }
        let catalog: Catalog
        do { catalog = try Catalog(path: catalogPath) } catch { throw Failure(description: "catalog \(error)") }
        if !distributed || world!.rank == 0 {
            do {
                try catalog.insertSweep(id: id, name: spec.name, spec: spec.text, createdAt: ISO8601DateFormatter().string(from: Date()))
                try catalog.setSweepStatus(id: id, "running")
            } catch { throw Failure(description: "catalog \(error)") }
        }
        if distributed && world!.rank == 0 { try barrier() }
        let known = Dictionary(uniqueKeysWithValues: ((try? catalog.sweepPoints(id)) ?? []).map { ("\($0.point)/\($0.replicate)", $0) })
        var summary = Summary(id: id)
        var tasks: [Task] = []
        let points = spec.points()
        for p in points {
            for r in 0..<spec.replicates {
                summary.total += 1
                var attempt = 1
                if let row = known["\(p.index)/\(r)"] {
                    if row.status == "finished" { summary.finished += 1; continue }
                    // Killed while running: it may have finished all the same.
                    if row.status == "running", let run = try? catalog.run(row.runDirectory), run.status == "finished" {
                        var done = row
                        done.status = "finished"
                        done.runID = run.id
                        try? catalog.setSweepPoint(done)
                        summary.finished += 1
                        summary.reused += 1
                        continue
                    }
                    attempt = row.attempt + 1
                }
                tasks.append(Task(point: p, replicate: r, attempt: attempt))
            }
        }
        if let world, distributed {
            // Every rank has read the same state before any starts a run; then each takes its share.
            try barrier()
            tasks = tasks.enumerated().filter { $0.offset % world.size == world.rank }.map(\.element)
        }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let shared = Shared(catalog: catalog, total: tasks.count)
        // Ctrl-C or SIGTERM stops the sweep: no more runs start, the running ones are stopped and
        // recorded as interrupted, and the sweep resumes them when run again.
        let stop = SignalWatch(signals: [SIGINT, SIGTERM]) { shared.interrupt() }
        defer { stop.cancel() }
        let group = DispatchGroup()
        let slots = DispatchSemaphore(value: jobs)
        for t in tasks {
            slots.wait()
            if shared.interrupted { slots.signal(); break }
            group.enter()
            let params = "{" + zip(spec.parameters, t.point.values).map { "\(jsonString($0.path)): \(jsonString($1))" }.joined(separator: ", ") + "}"
            let seed = spec.seed(point: t.point.index, replicate: t.replicate)
            let dir = (folder as NSString).appendingPathComponent(String(format: "p%04d-r%d", t.point.index, t.replicate) + (t.attempt > 1 ? "-a\(t.attempt)" : ""))
            let started = Catalog.SweepPoint(sweepID: id, point: t.point.index, replicate: t.replicate, parameters: params, seed: String(seed),
                                             attempt: t.attempt, runDirectory: dir, runID: nil, status: "running", error: nil)
            shared.record(started)
            let name = runName(point: t.point.index, replicate: t.replicate)
            let arguments = ["run", spec.basePath, "--out", dir, "--json", "--quiet", "--name", name]
                + spec.overrides(t.point, replicate: t.replicate).flatMap { ["--set", $0] }
            let binary = binary, catalogPath = catalogPath
            let inProcess = world?.isDistributed == true
            let spec = spec
            let what = describe(t.point), jobs = jobs
            DispatchQueue.global().async {
                var row = started
                let clock = ProcessClock()
                // An MPI rank runs its points itself: a child it started would think it was an MPI
                // process too.
                let (status, stdout, stderr) = inProcess ? Self.runHere(spec, t.point, t.replicate, dir: dir, catalog: catalogPath, name: name)
                                                         : Self.execute(binary, arguments, catalog: catalogPath, shared: shared)
                let runID = (try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])?["run_id"] as? String
                row.runID = runID
                // Stopped by the sweep, or by the Ctrl-C that reached the whole process group.
                let stopped = shared.interrupted || status == 128 + SIGINT || status == 128 + SIGTERM
                row.status = status == 0 && runID != nil ? "finished" : stopped ? "interrupted" : "failed"
                if row.status == "failed" {
                    let lines = stderr.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
                    row.error = lines.suffix(3).joined(separator: " | ").isEmpty ? "exit status \(status)" : lines.suffix(3).joined(separator: " | ")
                }
                let interrupted = row.status == "interrupted"
                if interrupted { row.error = "stopped: the sweep was interrupted" }
                shared.withCatalog { catalog in
                    // The run's own catalog row, left "running" by the stopped process.
                    if interrupted, let run = try? catalog.run(dir), run.status == "running" {
                        try? catalog.finish(id: run.id, status: "interrupted", finishedAt: ISO8601DateFormatter().string(from: Date()),
                                            digest: nil, agents: nil, shards: nil, threads: nil, wallSeconds: nil,
                                            error: "stopped: the sweep was interrupted")
                    }
                    try? catalog.markRun(directory: dir, sweep: row.sweepID)
                }
                let eta = shared.record(row, seconds: clock.elapsed, jobs: jobs)
                let line = "point \(t.point.index) replicate \(t.replicate) (\(what)): \(row.status)"
                    + String(format: " in %.1f s", clock.elapsed) + (row.error.map { " — \($0)" } ?? "") + "; " + eta
                progress(line)
                slots.signal()
                group.leave()
            }
        }
        group.wait()
        let outcomes = shared.outcomes
        summary.interrupted = outcomes.filter { $0 == "interrupted" }.count
        summary.ranNow = outcomes.count - summary.interrupted
        summary.finished += outcomes.filter { $0 == "finished" }.count
        summary.failed = outcomes.filter { $0 == "failed" }.count
        if let world, world.isDistributed {
            // Every rank saw the same finished-before count; the runs of this call add up.
            let totals = try world.sum([Int64(summary.ranNow), Int64(outcomes.filter { $0 == "finished" }.count), Int64(summary.failed)])
            summary.finished += Int(totals[1]) - outcomes.filter { $0 == "finished" }.count
            summary.ranNow = Int(totals[0])
            summary.failed = Int(totals[2])
        }
        if world?.rank ?? 0 == 0 {
            try? catalog.setSweepStatus(id: id, shared.interrupted ? "interrupted" : summary.failed == 0 ? "finished" : "failed")
        }
        return summary
    }

    /// Runs one point in this process: what `agora run … --json` would print, as (status, stdout, stderr).
    static func runHere(_ spec: SweepSpec, _ point: SweepSpec.Point, _ replicate: Int, dir: String, catalog path: String,
                        name: String) -> (Int32, String, String) {
        do {
            let overrides = try spec.overrides(point, replicate: replicate).map { text throws(ScenarioErrors) in try Override.parse(text) }
            let scenario = try ScenarioLoader.load(path: spec.basePath, overrides: overrides)
            let catalog = try Catalog(path: path)
            let world = try World.assemble(scenario, answers: LLMWiring.liveSource(for: scenario, catalog: catalog))
            let outcome = try RunSession.run(world, out: dir, threads: 1, catalog: catalog, name: name)
            return (0, outcome.report.text, "")
        } catch {
            return (1, "", "error: \(error)")
        }
    }

    /// The environment variable that tells a run started by a sweep its sweep's process id.
    public static let parentVariable = "AGORA_SWEEP_PID"

    /// Runs `binary` with `arguments`, the catalog in its environment; its status and output.
    static func execute(_ binary: String, _ arguments: [String], catalog: String, shared: Shared? = nil) -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        // Each run is a process of its own, not a rank of the launcher that started the sweep.
        var env = ProcessInfo.processInfo.environment.filter { key, _ in !["OMPI_", "PMIX_", "PMI_"].contains { key.hasPrefix($0) } }
        env["AGORA_CATALOG"] = catalog
        // The run dies with the sweep (`AgoraCommand.main` reads this): a killed sweep leaves no
        // orphan to finish a point behind the back of the sweep that resumes it.
        env[Self.parentVariable] = String(getpid())
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return (-1, "", "cannot start \(binary): \(error.localizedDescription)") }
        shared?.started(p)
        defer { shared?.ended(p) }
        // Read both pipes at once: a full stderr must not block the child.
        let errorData = OutcomeBox()
        let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errorData.done { Thread.sleep(forTimeInterval: 0.001) }
        // Killed by a signal: the shell's convention, 128 + the signal.
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return (status, String(decoding: outData, as: UTF8.self), String(decoding: errorData.data, as: UTF8.self))
    }
}

/// The catalog, the outcomes and the running children, shared by the threads that wait on the runs.
final class Shared: @unchecked Sendable {
    private let lock = NSLock()
    private let catalog: Catalog
    private let total: Int
    private let clock = ProcessClock()
    private var done: [String] = []
    private var busySeconds = 0.0
    private var children: [ObjectIdentifier: Process] = [:]
    private var stopped = false

    init(catalog: Catalog, total: Int = 0) {
        self.catalog = catalog
        self.total = total
    }

    /// The catalog, one thread at a time (its connection is shared).
    func withCatalog(_ body: (Catalog) -> Void) { lock.withLock { body(catalog) } }

    func record(_ row: Catalog.SweepPoint) {
        lock.withLock { try? catalog.setSweepPoint(row) }
    }

    /// Records a run that ended; what is left, as the run's line ends: "7 of 24, about 34 s left".
    func record(_ row: Catalog.SweepPoint, seconds: Double, jobs: Int) -> String {
        lock.withLock {
            try? catalog.setSweepPoint(row)
            done.append(row.status)
            busySeconds += seconds
            let left = total - done.count
            guard left > 0 else { return "\(done.count) of \(total)" }
            // Runs go `jobs` at a time: what is left takes its share of the time the runs took.
            let eta = max(busySeconds / Double(done.count) * Double(left) / Double(max(1, jobs)),
                          clock.elapsed / Double(done.count) * Double(left))
            return "\(done.count) of \(total), ETA \(Self.duration(eta))"
        }
    }

    static func duration(_ s: Double) -> String {
        if s < 90 { return String(format: "%.0f s", s) }
        if s < 5_400 { return String(format: "%.0f min", s / 60) }
        return String(format: "%.1f h", s / 3_600)
    }

    var outcomes: [String] { lock.withLock { done } }
    var interrupted: Bool { lock.withLock { stopped } }

    func started(_ p: Process) {
        let late = lock.withLock { () -> Bool in children[ObjectIdentifier(p)] = p; return stopped }
        if late { p.terminate() }
    }

    func ended(_ p: Process) { lock.withLock { _ = children.removeValue(forKey: ObjectIdentifier(p)) } }

    /// Stops the sweep: every running child gets SIGTERM.
    func interrupt() {
        let running = lock.withLock { () -> [Process] in stopped = true; return Array(children.values) }
        for p in running where p.isRunning { p.terminate() }
    }
}

/// Turns signals into a call on a queue of its own (the signals' default action, ending the
/// process, is off while it watches).
final class SignalWatch: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let signals: [Int32]

    init(signals: [Int32], _ handler: @escaping @Sendable () -> Void) {
        self.signals = signals
        let queue = DispatchQueue(label: "agora.sweep.signals")
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler(handler: handler)
            s.resume()
            return s
        }
    }

    func cancel() {
        for s in sources { s.cancel() }
        for sig in signals { signal(sig, SIG_DFL) }
    }
}

/// Bytes read on another thread.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Data()
    private var finished = false
    func set(_ d: Data) { lock.withLock { stored = d; finished = true } }
    var done: Bool { lock.withLock { finished } }
    var data: Data { lock.withLock { stored } }
}
