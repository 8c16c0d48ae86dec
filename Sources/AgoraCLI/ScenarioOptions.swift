import AgoraScenario
import ArgumentParser

/// The options every command that reads a scenario shares.
struct ScenarioOptions: ParsableArguments {
    @Argument(help: "The scenario file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var scenario: String?

    @Option(name: .long, help: ArgumentHelp("Override a scenario field (repeatable).",
                                            discussion: "Paths use the file's field names: seed, ticks, agents[0].count, agents[0].params.recovery, network.nodes.",
                                            valueName: "path=value"))
    var set: [String] = []

    @Option(help: "Seed of the run (overrides the scenario's `seed`).")
    var seed: String?

    @Option(help: "Ticks to run (overrides the scenario's `ticks`).")
    var ticks: String?

    @Option(help: "Shards to split the agents into; never changes results (default: by agent count).")
    var shards: String?

    @Option(help: "Worker threads, the main thread included (default: one per core).")
    var threads: String?

    @Option(help: "Write a checkpoint every N ticks, so that --resume can continue a killed run (overrides checkpoint.every).")
    var checkpointEvery: String?

    @Flag(help: "Build the world even when its memory estimate is above what the machine has (engine.memory_check: false).")
    var noMemoryCheck = false

    /// The overrides, the dedicated flags first so `--set` can still win.
    func overrides() throws(ScenarioErrors) -> [Override] {
        var list: [Override] = []
        for (flag, path, value) in [("--seed", "seed", seed), ("--ticks", "ticks", ticks),
                                    ("--shards", "engine.shards", shards), ("--threads", "engine.threads", threads),
                                    ("--checkpoint-every", "checkpoint.every", checkpointEvery)] {
            if let value {
                list.append(Override(steps: Override.parsePath(path)!, value: value, label: "\(flag) \(value)"))
            }
        }
        if noMemoryCheck {
            list.append(Override(steps: Override.parsePath("engine.memory_check")!, value: "false", label: "--no-memory-check"))
        }
        var issues: [ScenarioIssue] = []
        for text in set {
            do { list.append(try Override.parse(text)) } catch { issues += error.issues }
        }
        if !issues.isEmpty { throw ScenarioErrors(issues) }
        return list
    }

    /// Loads the scenario with every override, or prints every issue and exits with code 2.
    func load() throws -> Scenario {
        guard let scenario else {
            printError("error: missing the scenario file (e.g. scenarios/quickstart.yaml)")
            throw Exit.badInput
        }
        do {
            return try ScenarioLoader.load(path: scenario, overrides: overrides())
        } catch {
            for issue in error.issues { printError("error: \(issue)") }
            throw Exit.badInput
        }
    }
}
