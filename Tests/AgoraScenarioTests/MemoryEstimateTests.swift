import AgoraModels
@testable import AgoraScenario
import Foundation
import Testing

/// The memory estimate: close to what the shipped scenarios' worlds hold once built, and a world
/// too big for the machine is refused before anything is allocated, naming its field.
@Suite struct MemoryEstimateTests {
    static func load(_ file: String, _ overrides: [String] = []) throws -> Scenario {
        try ScenarioLoader.load(path: scenariosFolder + "/" + file, overrides: try overrides.map { t throws(ScenarioErrors) in try Override.parse(t) })
    }

    /// The small shipped scenarios, one of each model (the million-agent ones scale the same way).
    @Test(arguments: ["boltzmann.yaml", "schelling.yaml", "sir-network.yaml", "opinion.yaml", "cascade.yaml", "rate-cut.yaml",
                      "s3-users.yaml", "friendship-paradox.yaml", "echo-chambers.yaml"])
    func theEstimateIsWithinAFactorOfTwoAndAHalfOfTheBuiltWorld(file: String) throws {
        let scenario = try Self.load(file)
        let estimate = scenario.memoryEstimate(threads: 2).bytes
        let world = try World.assemble(scenario)
        let built = Double(world.model.stateBytes)
        #expect(estimate >= built / 2.5 && estimate <= built * 2.5, "\(file): estimated \(estimate), built \(built)")
    }

    @Test func aWorldTooBigForTheMachineIsRefusedNamingTheFieldThatMakesItBig() throws {
        // Two billion nodes: about 64 GB by the estimate, more than any machine the tests run on has free.
        let available = try #require(MemoryEstimate.availableBytes())
        let scenario = try Self.load("sir-network.yaml", ["network.nodes=2000000000", "network.m=1"])
        let estimate = scenario.memoryEstimate()
        #expect(estimate.largest?.field == "network.nodes")
        guard estimate.bytes > available else { return }
        do {
            _ = try World.assemble(scenario)
            Issue.record("a world of \(estimate.description) was built")
        } catch {
            let text = error.issues.map(\.description).joined(separator: "\n")
            #expect(text.contains("network.nodes") && text.contains("needs about") && text.contains("--no-memory-check"), "\(text)")
            #expect(text.contains("network.nodes=2000000000"), "the message points at the override that made it big: \(text)")
        }
    }

    @Test func theFieldBlamedIsTheLargestPart() throws {
        let shards = try Self.load("boltzmann.yaml", ["engine.shards=4096"]).memoryEstimate()
        #expect(shards.largest?.field == "engine.shards")  // 4,096² mailboxes are 2 GB
        #expect(shards.description.hasPrefix("about 2.1 GB"))
        let dense = try Self.load("sir-network.yaml", ["network={generator: er, nodes: 60000, p: 0.5}"]).memoryEstimate()
        #expect(dense.largest?.field == "network.p")
        #expect(dense.bytes > 1e10)
        let people = try Self.load("boltzmann.yaml", ["agents[0].count=100000000"]).memoryEstimate()
        #expect(people.largest?.field == "agents[0].count")
    }

    @Test func memoryCheckCanBeTurnedOffAndIsAFlagOfTheEngineSection() throws {
        #expect(try Self.load("boltzmann.yaml").engine.memoryCheck)
        #expect(try !Self.load("boltzmann.yaml", ["engine.memory_check=false"]).engine.memoryCheck)
        #expect(throws: ScenarioErrors.self) { try Self.load("boltzmann.yaml", ["engine.memory_check=maybe"]) }
    }
}
