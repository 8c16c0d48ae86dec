import AgoraAnalysis
import AgoraCatalog
import AgoraCore
import AgoraDistributed
import AgoraEngine
import AgoraLLM
import AgoraRuntime
import AgoraScenario
import AgoraStudio
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora run`: assemble a scenario's world, run it, write the run directory.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a scenario and write its run directory.",
            discussion: """
            Writes RUN_DIR/scenario.yaml (the scenario as run, overrides applied), \
            RUN_DIR/metrics.csv (one row per tick) and RUN_DIR/manifest.json (seed, digest, \
            timings, summary). RUN_DIR is runs/<run-id> unless --out names it.
            """)

        @OptionGroup var options: ScenarioOptions
        @OptionGroup var catalogOptions: CatalogOptions

        @Option(help: "Directory to write the run into (default: runs/<run-id>).")
        var out: String?

        @Option(help: ArgumentHelp("What the run's id starts with (default: the scenario's name).", valueName: "name"))
        var name: String?

        @Flag(help: "Print one JSON object on stdout instead of the progress bar and summary.")
        var json = false

        @Flag(help: "No progress bar.")
        var quiet = false

        @Flag(help: "Analyse the finished run and write its HTML report, report.html, into the run directory.")
        var report = false

        @Option(help: ArgumentHelp("Continue a killed run (a run directory or run id) from its last checkpoint.", valueName: "run"))
        var resume: String?

        @Option(help: ArgumentHelp("Serve a live page of the run at [HOST:]PORT (HOST 127.0.0.1 unless given; PORT 0 picks a free one).",
                                   valueName: "[host:]port"))
        var monitor: String?

        @Option(help: ArgumentHelp("The token a monitor on a non-loopback address asks of every request (default: one generated and printed).",
                                   valueName: "token"))
        var token: String?

        @Flag(help: "With --monitor: start paused, so the page can be opened first; the run waits for its Resume or Step.")
        var paused = false

        func validate() throws {
            if resume != nil {
                if options.scenario != nil { throw ValidationError("give a scenario file or --resume, not both") }
                if !options.set.isEmpty || options.seed != nil || options.ticks != nil || options.shards != nil || out != nil || name != nil {
                    throw ValidationError("--resume continues a run as it was recorded; it takes no overrides, --out or --name")
                }
            } else if options.scenario == nil {
                throw ValidationError("missing the scenario file (or --resume RUN)")
            }
            if let name, name.isEmpty || name.count > 100 {
                throw ValidationError("--name must be 1 to 100 characters")
            }
            if let monitor {
                do { _ = try MonitorAddress(parsing: monitor) } catch { throw ValidationError(error.description) }
            } else if token != nil || paused {
                throw ValidationError("\(paused ? "--paused" : "--token") is for --monitor")
            }
            if let token, let problem = MonitorAddress.problem(withToken: token) { throw ValidationError(problem) }
        }

        func run() throws {
            // Under mpirun with several ranks the run is spread over them (docs/distributed.md):
            // every rank builds the world, rank 0 writes the run directory and prints.
            let spread = MPIWorld.launchedSize > 1
            let lead = !spread || MPIWorld.launchedRank == 0
            if let resume { return try resumeRun(resume, spread: spread, lead: lead) }
            let group: MPIWorld? = spread ? MPIWorld.shared : nil
            defer { group?.finish() }
            let loaded = Result { try options.load() }
            // Ranks that read different scenarios (or one that cannot read it) stop together.
            SpreadAgreement.check([("whether the scenario reads", (try? loaded.get()) == nil ? "no" : "yes")], in: group)
            var scenario: Scenario
            do { scenario = try loaded.get() } catch {
                if lead { throw error }
                throw Exit.badInput
            }
            // OPENAI_BASE_URL without a model: the endpoint says which one it serves.
            if let pending = scenario.llm?.undiscovered {
                let chosen = ModelDiscovery.models(baseURL: pending.baseURL, apiKey: pending.apiKey,
                                                   timeoutSeconds: min(30, pending.timeoutSeconds))
                    .flatMap { ModelDiscovery.choose($0, at: pending.baseURL) }
                switch chosen {
                case .success(let model): scenario = scenario.discovered(model: model)
                case .failure(let why):
                    if lead { printError("error: llm: no model was named and \(why)") }
                    throw Exit.badInput
                }
            }
            let threads = threadsPerProcess()
            SpreadAgreement.check([
                ("the seed", String(scenario.seed)), ("the ticks", String(scenario.ticks)),
                ("the shards", scenario.engine.shards.map(String.init) ?? "automatic"),
                ("the threads per process", String(scenario.engine.threads ?? threads) + " (set --threads to the same on every rank)"),
                ("the scenario as resolved (its hash)", contentHash(scenario.resolvedYAML)),
                ("the LLM endpoint's model", scenario.llm?.endpoint?.model ?? "none"),
            ], in: group)
            let catalog = lead ? try catalogOptions.open() : nil
            let world: World
            // Spread, a process builds only its own agents' network rows when the model allows.
            let placement = group.map { World.Placement(rank: $0.rank, processes: $0.size, threads: scenario.engine.threads ?? threads) }
            do {
                world = try World.assemble(scenario, answers: LLMWiring.liveSource(for: scenario, catalog: catalog, group: group),
                                           placement: placement)
            } catch {
                if lead { for issue in error.issues { printError("error: \(issue)") } }
                throw Exit.badInput
            }
            let progress = (json || quiet || !lead || !isTerminal(2)) ? nil : ProgressBar(total: scenario.ticks, agents: world.agentCount)
            // Without a terminal there is no bar, but a run that will take long says so, once.
            let forecast = (quiet || !lead || progress != nil) ? nil : LongRunNotice(total: scenario.ticks)
            // Under mpirun only process 0 serves the page; the others follow it through the run's
            // exchanges, and stop with it when its page cannot be served.
            let started: Result<MonitorSession?, any Error> = lead ? Result { try startMonitor(world) } : .success(nil)
            if monitor != nil {
                var failed = false
                if case .failure = started { failed = true }
                SpreadAgreement.check([("whether process 0's live monitor started", failed ? "no" : "yes")], in: group)
            }
            let watch = try started.get()
            defer { watch?.stop() }
            let outcome: RunSession.Outcome
            do {
                outcome = try RunSession.run(world, out: out, threads: threads, catalog: catalog, group: group, name: name,
                                             observer: watch?.monitor) { done, elapsed in
                    progress?.update(ticksDone: done, elapsed: elapsed)
                    forecast?.update(ticksDone: done, elapsed: elapsed)
                }
            } catch {
                progress?.finish()
                if lead { printError("error: \(error)") }
                throw Exit.failure
            }
            progress?.finish()
            guard lead else { return }
            if json {
                print(outcome.report.text)
            } else {
                print(RunSummary.render(report: outcome.report, scenario: scenario, sim: outcome.simulation))
            }
            if report, let catalog { try writeReport(outcome.directory.path, catalog: catalog) }
        }

        /// Starts the live monitor when `--monitor` asks for one, and says where it is (on stderr, so
        /// that `--json` output stays one object).
        private func startMonitor(_ world: World) throws -> MonitorSession? {
            try startMonitor(scenario: world.scenario, agents: world.agentCount, metricNames: world.model.metricNames)
        }

        /// `metricNames` nil: the simulation's, once it is built (a resumed run's).
        private func startMonitor(scenario: Scenario, agents: Int?, metricNames: [String]?) throws -> MonitorSession? {
            guard let monitor else { return nil }
            let address: MonitorAddress
            do { address = try MonitorAddress(parsing: monitor) } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            let token = token ?? (address.isLoopback ? nil : MonitorAddress.makeToken())
            var about = JSONLine()
            about.set("scenario", scenario.name)
            about.set("model", scenario.model.name)
            if let agents { about.set("agents", agents) }
            about.set("seed", String(scenario.seed))
            let live = LiveMonitor(about: about, metricNames: metricNames, ticks: scenario.ticks,
                                   depth: scenario.market?.exchange.depth ?? 10, control: RunControl(startPaused: paused))
            do {
                let server = try MonitorServer.start(live, at: address, token: token)
                live.pageAddress = server.url(token: nil)
                printError("agora: watching the run at \(server.url(token: token))"
                           + (token != nil && self.token == nil ? "  (the token is printed only here)" : ""))
                return MonitorSession(monitor: live, server: server)
            } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
        }

        /// Worker threads per process: the cores it is bound to when a launcher bound it, else the
        /// host's cores shared among the ranks mpirun put on this host.
        private func threadsPerProcess() -> Int {
            let bound = usableCores()
            if bound < coreCount() { return bound }
            let local = Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? 1
            return max(1, coreCount() / max(1, local))
        }

        /// Analyses the run, stores its figures and writes RUN_DIR/report.html.
        private func writeReport(_ directory: String, catalog: Catalog) throws {
            let path = (directory as NSString).appendingPathComponent("report.html")
            do {
                let analysis = try RunAnalysis.analyze(directory: directory)
                try analysis.writeReport(to: path)
                try? catalog.setMetrics(id: analysis.runID, analysis.figures)
            } catch {
                printError("error: the report of \(directory) could not be written: \(error)")
                throw Exit.failure
            }
            if !json { print("  report   \(path)") }
        }

        private func resumeRun(_ reference: String, spread: Bool, lead: Bool) throws {
            let catalog = lead ? try catalogOptions.open() : nil
            let group: MPIWorld? = spread ? MPIWorld.shared : nil
            defer { group?.finish() }
            let found = Result { try catalogOptions.runDirectory(reference) }
            SpreadAgreement.check([("the run directory", (try? found.get()).map { Catalog.resolve($0) } ?? "not found")], in: group)
            let directory: String
            do { directory = try found.get() } catch {
                if lead { throw error }
                throw Exit.badInput
            }
            // The page describes the run from its scenario.yaml; the metrics' names come with the world.
            let watch: MonitorSession?
            if lead, monitor != nil, let scenario = try? ScenarioLoader.load(path: (directory as NSString).appendingPathComponent("scenario.yaml")) {
                watch = try startMonitor(scenario: scenario, agents: nil, metricNames: nil)
            } else {
                watch = nil
            }
            defer { watch?.stop() }
            let outcome: RunSession.Outcome
            do {
                outcome = try RunSession.resume(directory: directory, threads: Int(options.threads ?? "") ?? threadsPerProcess(),
                                                catalog: catalog, group: group, observer: watch?.monitor)
            } catch {
                if lead { printError("error: \(error)") }
                throw Exit.failure
            }
            guard lead else { return }
            if json {
                print(outcome.report.text)
            } else {
                print(RunSummary.render(report: outcome.report, scenario: outcome.directory.scenario, sim: outcome.simulation))
            }
        }
    }
}

/// The human-readable end-of-run summary.
enum RunSummary {
    static func render(report: JSONLine, scenario: Scenario, sim: any SimulationRunner) -> String {
        func text(_ key: String) -> String {
            switch report[key] {
            case .text(let s)?: return s
            case .int(let i)?: return String(i)
            case .number(let d)?: return formatNumber(d)
            default: return "?"
            }
        }
        func number(_ key: String) -> Double { if case .number(let d)? = report[key] { return d }; return 0 }
        var summaryFields: [(key: String, value: JSONLine.Value)] = []
        if case .object(let o)? = report["summary"] { summaryFields = o.fields }
        var figures: [String: Double] = [:]
        let summary = summaryFields.compactMap { field -> String? in
            if case .null = field.value { return "\(field.key)=–" }
            guard case .number(let value) = field.value else { return nil }
            guard !field.key.hasPrefix("llm.") else { figures[field.key] = value; return nil }
            return "\(field.key)=\(MetricsTable.format(value))"
        }.joined(separator: " ")
        // The LLM figures get a line of their own.
        var llm = ""
        if let questions = figures["llm.questions"] {
            func f(_ k: String) -> String { MetricsTable.format(figures["llm.\(k)"] ?? 0) }
            let fallbacks = figures.filter { $0.key.hasPrefix("llm.fallback.") && $0.value > 0 }.sorted { $0.key < $1.key }
                .map { "\($0.key.dropFirst("llm.fallback.".count)) \(MetricsTable.format($0.value))" }
            llm = "\n  llm      \(f("escalated_agents")) escalated; \(MetricsTable.format(questions)) questions for \(f("covered")) agent-decisions"
                + " (\(String(format: "%.2f", figures["llm.decisions_per_call"] ?? 0)) each), \(f("calls")) calls, \(f("cache_hits")) cached,"
                + " \(f("replayed")) replayed, \(f("failures")) failed, \(f("retries")) retries; tokens \(f("tokens_in")) in, \(f("tokens_out")) out;"
                + " latency p50/p95/p99 \(f("latency_p50_ms"))/\(f("latency_p95_ms"))/\(f("latency_p99_ms")) ms; \(f("decisions")) decided by the LLM"
                + (fallbacks.isEmpty ? "" : "; by rule: " + fallbacks.joined(separator: ", "))
        }
        var notes = ""
        if case .list(let items)? = report["notes"] {
            for case .text(let line) in items { notes += "\n  note     " + line }
        }
        return """
        agora: run \(text("run_id")) finished
          model    \(scenario.model.name): \(grouped(sim.agentCount)) agents, \(scenario.ticks) ticks, \(text("shards")) shards on \(text("threads")) threads\(sim.processCount > 1 ? " × \(sim.processCount) processes" : "")
          time     \(String(format: "%.2f", number("wall_s"))) s run (\(humanRate(number("agent_steps_per_s"))) agent-steps/s), \(String(format: "%.2f", number("setup_s"))) s setup
          digest   \(sim.digest.hex)
          summary  \(summary)\(llm)\(notes)
          output   \(text("run_dir"))/  (manifest.json, metrics.csv, events.agl, scenario.yaml)
        """
    }
}

/// 1234567 → "1,234,567".
func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out += "," }
        out.append(c)
    }
    return out
}

/// 12_300_000 → "12.3 M".
func humanRate(_ v: Double) -> String {
    if v >= 1e9 { return String(format: "%.2f G", v / 1e9) }
    if v >= 1e6 { return String(format: "%.1f M", v / 1e6) }
    if v >= 1e3 { return String(format: "%.1f k", v / 1e3) }
    return String(format: "%.0f", v)
}

/// A run's live monitor and its server, stopped together once the run has written its files.
struct MonitorSession {
    let monitor: LiveMonitor
    let server: MonitorServer

    /// Sends the pages the run's end, then stops serving.
    func stop() {
        monitor.close()
        server.stop()
    }
}
