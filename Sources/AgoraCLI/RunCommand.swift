import AgoraCore
import AgoraEngine
import AgoraScenario
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

        @Option(help: "Directory to write the run into (default: runs/<run-id>).")
        var out: String?

        @Flag(help: "Print one JSON object on stdout instead of the progress bar and summary.")
        var json = false

        @Flag(help: "No progress bar.")
        var quiet = false

        func run() throws {
            let scenario = try options.load()
            let world: World
            do {
                world = try World.assemble(scenario)
            } catch {
                for issue in error.issues { printError("error: \(issue)") }
                throw Exit.badInput
            }
            let threads = scenario.engine.threads ?? coreCount()
            let shards = world.shardCount(threads: threads)
            let runID = RunDirectory.makeRunID(name: scenario.name)
            let directory: RunDirectory
            do {
                directory = try RunDirectory.create(path: out ?? "runs/\(runID)", runID: runID, scenario: scenario)
            } catch {
                printError("error: \(error)")
                throw Exit.failure
            }

            let sim = makeSimulation(world.model, shards: shards, threads: threads)
            let progress = (json || quiet || !isTerminal(2)) ? nil : ProgressBar(total: scenario.ticks, agents: world.agentCount)
            var metrics = MetricsWriter(names: sim.metricNames)
            let started = Date()
            let clock = ProcessClock()
            for _ in 0..<scenario.ticks {
                let result = sim.step()
                metrics.append(result)
                progress?.update(ticksDone: result.tick + 1, elapsed: clock.elapsed)
            }
            let wall = clock.elapsed
            progress?.finish()

            let agentSteps = Double(world.agentCount) * Double(scenario.ticks)
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
            report.set("agent_steps_per_s", wall > 0 ? agentSteps / wall : 0)
            report.set("messages", sim.messageCount)
            var summary = JSONLine()
            for (name, value) in sim.summary() { summary.set(name, value) }
            report.set("summary", summary)

            do {
                try directory.finish(metricsCSV: metrics.csv, report: report, started: started, overrides: scenario.overrides)
            } catch {
                printError("error: \(error)")
                throw Exit.failure
            }

            if json {
                print(report.text)
            } else {
                print(RunSummary.render(report: report, scenario: scenario, sim: sim))
            }
        }
    }
}

/// Seconds since creation on a monotonic clock.
struct ProcessClock {
    let start = DispatchTime.now().uptimeNanoseconds
    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

/// Collects the per-tick metrics rows of a run as CSV.
struct MetricsWriter {
    let names: [String]
    private(set) var csv: String

    init(names: [String]) {
        self.names = names
        csv = (["tick", "events"] + names).joined(separator: ",") + "\n"
    }

    mutating func append(_ r: TickResult) {
        csv += ([String(r.tick), String(r.events.count)] + r.metrics.map(Self.format)).joined(separator: ",") + "\n"
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.9g", v)
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
        let summary = sim.summary().map { "\($0.name)=\(MetricsWriter.format($0.value))" }.joined(separator: " ")
        return """
        agora: run \(text("run_id")) finished
          model    \(scenario.model.name): \(grouped(sim.agentCount)) agents, \(scenario.ticks) ticks, \(text("shards")) shards on \(text("threads")) threads
          time     \(String(format: "%.2f", number("wall_s"))) s run (\(humanRate(number("agent_steps_per_s"))) agent-steps/s), \(String(format: "%.2f", number("setup_s"))) s setup
          digest   \(sim.digest.hex)
          summary  \(summary)
          output   \(text("run_dir"))/  (manifest.json, metrics.csv, scenario.yaml)
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
