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

    /// What a sweep did: runs finished (before and now), failed, and run now.
    public struct Summary: Sendable {
        public var id: String
        public var total = 0
        public var finished = 0
        public var failed = 0
        public var ranNow = 0
        public var reused = 0
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
        let shared = Shared(catalog: catalog)
        let group = DispatchGroup()
        let slots = DispatchSemaphore(value: jobs)
        for t in tasks {
            slots.wait()
            group.enter()
            let params = "{" + zip(spec.parameters, t.point.values).map { "\(jsonString($0.path)): \(jsonString($1))" }.joined(separator: ", ") + "}"
            let seed = spec.seed(point: t.point.index, replicate: t.replicate)
            let dir = (folder as NSString).appendingPathComponent(String(format: "p%04d-r%d", t.point.index, t.replicate) + (t.attempt > 1 ? "-a\(t.attempt)" : ""))
            let started = Catalog.SweepPoint(sweepID: id, point: t.point.index, replicate: t.replicate, parameters: params, seed: String(seed),
                                             attempt: t.attempt, runDirectory: dir, runID: nil, status: "running", error: nil)
            shared.record(started)
            let arguments = ["run", spec.basePath, "--out", dir, "--json", "--quiet"] + spec.overrides(t.point, replicate: t.replicate).flatMap { ["--set", $0] }
            let binary = binary, catalogPath = catalogPath
            let inProcess = world?.isDistributed == true
            let spec = spec
            DispatchQueue.global().async {
                var row = started
                // An MPI rank runs its points itself: a child it started would think it was an MPI
                // process too.
                let (status, stdout, stderr) = inProcess ? Self.runHere(spec, t.point, t.replicate, dir: dir, catalog: catalogPath)
                                                         : Self.execute(binary, arguments, catalog: catalogPath)
                let runID = (try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])?["run_id"] as? String
                row.runID = runID
                row.status = status == 0 && runID != nil ? "finished" : "failed"
                if row.status == "failed" {
                    let lines = stderr.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
                    row.error = lines.suffix(3).joined(separator: " | ").isEmpty ? "exit status \(status)" : lines.suffix(3).joined(separator: " | ")
                }
                let line = "point \(t.point.index) replicate \(t.replicate): \(row.status)" + (row.error.map { " — \($0)" } ?? "")
                shared.record(row, outcome: (row.status == "finished", line))
                progress(line)
                slots.signal()
                group.leave()
            }
        }
        group.wait()
        let outcomes = shared.outcomes
        summary.ranNow = outcomes.count
        summary.finished += outcomes.filter(\.ok).count
        summary.failed = outcomes.filter { !$0.ok }.count
        if let world, world.isDistributed {
            // Every rank saw the same finished-before count; the runs of this call add up.
            let totals = try world.sum([Int64(summary.ranNow), Int64(outcomes.filter(\.ok).count), Int64(summary.failed)])
            summary.finished += Int(totals[1]) - outcomes.filter(\.ok).count
            summary.ranNow = Int(totals[0])
            summary.failed = Int(totals[2])
        }
        if world?.rank ?? 0 == 0 { try? catalog.setSweepStatus(id: id, summary.failed == 0 ? "finished" : "failed") }
        return summary
    }

    /// Runs one point in this process: what `agora run … --json` would print, as (status, stdout, stderr).
    static func runHere(_ spec: SweepSpec, _ point: SweepSpec.Point, _ replicate: Int, dir: String, catalog path: String) -> (Int32, String, String) {
        do {
            let overrides = try spec.overrides(point, replicate: replicate).map { text throws(ScenarioErrors) in try Override.parse(text) }
            let scenario = try ScenarioLoader.load(path: spec.basePath, overrides: overrides)
            let catalog = try Catalog(path: path)
            let world = try World.assemble(scenario, answers: LLMWiring.liveSource(for: scenario, catalog: catalog))
            let outcome = try RunSession.run(world, out: dir, threads: 1, catalog: catalog)
            return (0, outcome.report.text, "")
        } catch {
            return (1, "", "error: \(error)")
        }
    }

    /// The environment variable that tells a run started by a sweep its sweep's process id.
    public static let parentVariable = "AGORA_SWEEP_PID"

    /// Runs `binary` with `arguments`, the catalog in its environment; its status and output.
    static func execute(_ binary: String, _ arguments: [String], catalog: String) -> (Int32, String, String) {
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
        // Read both pipes at once: a full stderr must not block the child.
        let errorData = OutcomeBox()
        let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errorData.done { Thread.sleep(forTimeInterval: 0.001) }
        return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errorData.data, as: UTF8.self))
    }
}

/// The catalog and the outcomes, shared by the threads that wait on the runs.
private final class Shared: @unchecked Sendable {
    private let lock = NSLock()
    private let catalog: Catalog
    private var done: [(ok: Bool, line: String)] = []
    init(catalog: Catalog) { self.catalog = catalog }
    func record(_ row: Catalog.SweepPoint, outcome: (ok: Bool, line: String)? = nil) {
        lock.withLock {
            try? catalog.setSweepPoint(row)
            if let outcome { done.append(outcome) }
        }
    }
    var outcomes: [(ok: Bool, line: String)] { lock.withLock { done } }
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
