@testable import AgoraCLI
import Foundation
import Testing

/// Ranks started differently under mpirun stop together with one message naming the difference,
/// instead of trapping or waiting for each other.
@Suite struct SpreadAgreementTests {
    @Test func theFirstDifferenceFromRankZeroIsNamed() {
        let a = [("the seed", "1"), ("the ticks", "40")]
        #expect(SpreadAgreement.disagreement([a, a, a]) == nil)
        let message = SpreadAgreement.disagreement([a, a, [("the seed", "1"), ("the ticks", "41")]])
        #expect(message?.hasPrefix("the processes disagree on the ticks: rank 0 has '40', rank 2 has '41'") == true, "\(message ?? "")")
        #expect(SpreadAgreement.disagreement([a, [("the seed", "1")]])?.contains("rank 1 has none") == true)
        #expect(SpreadAgreement.disagreement([a])  == nil)
    }

    /// `mpirun -np 1 agora A : -np 1 agora B`: two ranks started with different command lines
    /// (each from its own working directory, when given).
    func mpmd(_ first: [String], _ second: [String], directories: (String, String)? = nil) throws -> Outcome {
        let catalog = try temporaryDirectory() + "/catalog.sqlite"
        let wdir = { (d: String?) in d.map { ["-wdir", $0] } ?? [] }
        return try launch("/usr/bin/mpirun", ["--oversubscribe", "--timeout", "120", "-np", "1"] + wdir(directories?.0) + [agoraBinary] + first
                          + [":", "-np", "1"] + wdir(directories?.1) + [agoraBinary] + second,
                          environment: testEnvironment(catalog: catalog, ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]))
    }

    @Test func ranksWithAnotherSeedOrCommandStopWithOneMessage() throws {
        let base = ["scenarios/boltzmann.yaml", "--ticks", "5", "--set", "agents[0].count=2000"]
        let seeds = try mpmd(["run"] + base + ["--seed", "1"], ["run"] + base + ["--seed", "2"])
        #expect(seeds.status != 0 && seeds.stderr.contains("the processes disagree on the command line"), "\(seeds.stderr)")
        #expect(seeds.stderr.contains("--seed 1") && seeds.stderr.contains("--seed 2"))
        let commands = try mpmd(["run"] + base, ["validate", "scenarios/boltzmann.yaml"])
        #expect(commands.status != 0 && commands.stderr.contains("rank 1 has 'agora validate scenarios/boltzmann.yaml'"), "\(commands.stderr)")
        #expect(!commands.stderr.contains("Fatal error") && !commands.stderr.contains("precondition"))
    }

    @Test func ranksReadingDifferentScenariosUnderOneNameStopNamingTheField() throws {
        let text = try String(contentsOfFile: repositoryRoot.path + "/scenarios/boltzmann.yaml", encoding: .utf8)
        let a = try temporaryDirectory(), b = try temporaryDirectory()
        try text.write(toFile: a + "/world.yaml", atomically: true, encoding: .utf8)
        try text.replacingOccurrences(of: "seed: 42", with: "seed: 43").write(toFile: b + "/world.yaml", atomically: true, encoding: .utf8)
        let args = ["run", "world.yaml", "--ticks", "5", "--set", "agents[0].count=2000", "--out", "out"]
        let out = try mpmd(args, args, directories: (a, b))
        #expect(out.status != 0 && out.stderr.contains("the processes disagree on the seed: rank 0 has '42', rank 1 has '43'"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: a + "/out/manifest.json"))
        // Missing on one rank only: they stop together too.
        try FileManager.default.removeItem(atPath: b + "/world.yaml")
        let missing = try mpmd(args, args, directories: (a, b))
        #expect(missing.status != 0 && missing.stderr.contains("the processes disagree on whether the scenario reads"), "\(missing.stderr)")
    }
}
