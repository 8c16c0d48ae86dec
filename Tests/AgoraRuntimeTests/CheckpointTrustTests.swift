import AgoraCore
import AgoraScenario
@testable import AgoraRuntime
import Foundation
import Testing

/// `--resume` trusts nothing in a checkpoint's header: a field that does not fit the run's own
/// files and scenario is refused by name, and the run directory is left exactly as it was.
@Suite struct CheckpointTrustTests {
    /// A small run with checkpoints every 10 ticks, as a kill at tick 25 would leave it: a copy of
    /// its directory taken then. Also the digest of the whole run.
    static func unfinishedRun() throws -> (directory: String, digest: String) {
        let overrides = try ["network.nodes=3000", "ticks=40", "engine.shards=2", "checkpoint.every=10"].map { text throws(ScenarioErrors) in
            try Override.parse(text)
        }
        let world = try World.assemble(try ScenarioLoader.load(path: scenariosFolder + "/sir-network.yaml", overrides: overrides))
        let out = temporaryRunDirectory(), snapshot = temporaryRunDirectory()
        let run = try RunSession.run(world, out: out, threads: 2) { tick, _ in
            if tick == 25 { try? FileManager.default.copyItem(atPath: out, toPath: snapshot) }
        }
        #expect(FileManager.default.fileExists(atPath: snapshot + "/checkpoint.bin"))
        return (snapshot, run.simulation.digest.hex)
    }

    static func copy(_ dir: String) throws -> String {
        let to = temporaryRunDirectory()
        try FileManager.default.copyItem(atPath: dir, toPath: to)
        return to
    }

    static func sizes(_ dir: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[f] = (try FileManager.default.attributesOfItem(atPath: dir + "/" + f)[.size] as? NSNumber)?.intValue
        }
        return out
    }

    @Test func aCheckpointThatDoesNotFitIsRefusedByNameAndTheRunIsLeftAsItWas() throws {
        let (dir, digest) = try Self.unfinishedRun()
        let original = try #require(try Checkpoint.read(from: dir))
        #expect(original.nextTick > 1 && original.nextTick <= 40)
        let cases: [(String, (inout Checkpoint) -> Void)] = [
            ("nextTick", { $0.nextTick = -5 }), ("nextTick", { $0.nextTick = 0 }), ("nextTick", { $0.nextTick = 1_000_000_000_000 }),
            ("nextTick", { $0.nextTick -= 1 }),  // within the scenario, but not the tick its state is after
            ("metricsLength", { $0.metricsLength = -1 }), ("metricsLength", { $0.metricsLength = 1_000_000_000 }),
            ("metricsLength", { $0.metricsLength -= 3 }),  // within the file, in the middle of a row
            ("logLength", { $0.logLength = -1 }), ("logLength", { $0.logLength = 10_000_000_000 }),
            ("processes", { $0.processes = 0 }),
        ]
        for (field, edit) in cases {
            let copy = try Self.copy(dir)
            var c = original
            edit(&c)
            try c.write(to: copy)  // a fresh checksum, as a crafted file would have
            let before = try Self.sizes(copy)
            #expect {
                try RunSession.resume(directory: copy, threads: 2, catalog: nil)
            } throws: { error in
                "\(error)".contains("checkpoint.bin: \(field)") || ("\(error)".contains(field) && field == "processes")
            }
            #expect(try Self.sizes(copy) == before, "\(field): the run directory changed")
        }
        // The untouched checkpoint resumes to the run's digest.
        let resumed = try RunSession.resume(directory: try Self.copy(dir), threads: 2, catalog: nil)
        #expect(resumed.simulation.digest.hex == digest)
    }
}
