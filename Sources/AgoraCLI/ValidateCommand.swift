import AgoraScenario
import ArgumentParser

extension AgoraCommand {
    /// `agora validate`: check a scenario without running it.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a scenario file and report every problem with its line and column.",
            discussion: "Exits 0 when the scenario is valid, 2 when it is not. Also builds its world unless --no-build is given, so that problems found only then (a missing network file, a node id outside the network) show up too. Prints the memory the world needs, estimated before anything is built; a world that needs more than the machine has available is refused unless --no-memory-check.")

        @OptionGroup var options: ScenarioOptions

        @Flag(name: .customLong("no-build"), help: "Check the file only; do not build the world.")
        var noBuild = false

        func run() throws {
            let scenario = try options.load()
            let estimate = scenario.memoryEstimate()
            var built = ""
            if !noBuild {
                do {
                    let world = try World.assemble(scenario)
                    built = "; built, its state holds \(MemoryEstimate.show(Double(world.model.stateBytes)))"
                } catch {
                    for issue in error.issues { printError("error: \(issue)") }
                    throw Exit.badInput
                }
            }
            let counts = scenario.populations.compactMap(\.count)
            let count = counts.count == scenario.populations.count ? grouped(counts.reduce(0, +)) : "from the network"
            print("\(scenario.sourcePath): valid (\(scenario.name): model \(scenario.model.name), \(count) agents, \(scenario.ticks) ticks, seed \(scenario.seed))")
            print("  needs \(estimate.description)\(built)")
        }
    }
}
