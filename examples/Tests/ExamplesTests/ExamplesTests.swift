import Agora
import ForestFire
import Foundation
import MeanReversion
import Testing

let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let registry = try! ModelRegistry(ModelCatalog.all.filter { $0.name != "market" } + [marketWithMeanReversion, ForestFireModel.descriptor])

func scenario(_ name: String, _ overrides: [String] = []) throws -> Scenario {
    try ScenarioLoader.load(path: examples.appendingPathComponent("scenarios/\(name)").path,
                            overrides: try overrides.map { t throws(ScenarioErrors) in try Override.parse(t) }, environment: [:], models: registry)
}

func digest(_ s: Scenario, shards: Int) throws -> String {
    let world = try World.assemble(s)
    let sim = makeSimulation(world.model, shards: shards, threads: 2)
    for _ in 0..<s.ticks { sim.step() }
    return sim.digest.hex
}

/// The examples run like Agora's own models: the same digest for 1 and 3 shards, and for 1 and 2
/// processes.
@Suite struct ExamplesTests {
    @Test func theForestFireBurnsAndGivesOneDigest() throws {
        let s = try scenario("forest-fire.yaml", ["ticks=120"])
        let one = try digest(s, shards: 1)
        #expect(try digest(s, shards: 3) == one)
        let spread = try World.runInProcesses(s, processes: 2)
        #expect(spread.allSatisfy { $0.digest.hex == one })
        #expect((spread[0].summary.first { $0.name == "burned" }?.value ?? 0) > 0, "fires happened")
    }

    @Test func theMeanReversionKindTradesByNameAndGivesOneDigest() throws {
        let s = try scenario("mean-reversion.yaml", ["ticks=200"])
        let one = try digest(s, shards: 1)
        #expect(try digest(s, shards: 3) == one)
        let world = try World.assemble(s)
        #expect(world.model is MarketModel)
        #expect(try World.runInProcesses(s, processes: 2).allSatisfy { $0.digest.hex == one })
    }

    /// The examples' own executable: every subcommand knows the registered models.
    @Test func theExecutableRunsValidatesAndListsTheModels() throws {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("agora-examples").path
        /// Runs the executable, its output into files (no pipe to drain while it runs).
        func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            let folder = NSTemporaryDirectory() + "agora-examples-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: folder + "/out", contents: nil)
            FileManager.default.createFile(atPath: folder + "/err", contents: nil)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = arguments
            var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPENAI_") }
            env["AGORA_CATALOG"] = folder + "/c.sqlite"
            p.environment = env
            p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/out"))
            p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/err"))
            try p.run()
            p.waitUntilExit()
            return (p.terminationStatus, try String(contentsOfFile: folder + "/out", encoding: .utf8),
                    try String(contentsOfFile: folder + "/err", encoding: .utf8))
        }
        let models = try run(["models"])
        #expect(models.out.contains("forest_fire —") && models.out.contains("kind 'mean_reversion'"), "\(models.err)")
        let fire = examples.appendingPathComponent("scenarios/forest-fire.yaml").path
        let dir = NSTemporaryDirectory() + "agora-examples-\(UUID().uuidString)"
        let one = try run(["run", fire, "--ticks", "60", "--shards", "1", "--json", "--out", dir + "/one"])
        let three = try run(["run", fire, "--ticks", "60", "--shards", "3", "--json", "--out", dir + "/three"])
        #expect(one.status == 0 && three.status == 0, "\(one.err) \(three.err)")
        let d = { (s: String) in (try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])?["digest"] as? String }
        #expect(d(one.out) != nil && d(one.out) == d(three.out))
        #expect(try run(["log", "check", dir + "/one"]).status == 0)
        #expect(try run(["replay", dir + "/one", "--verify"]).status == 0)
        let broken = try run(["validate", fire, "--set", "agents[0].params.growth=2"])
        #expect(broken.status == 2 && broken.err.contains("agents[0].params.growth"), "\(broken.err)")
    }
}
