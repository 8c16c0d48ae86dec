import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraLog
import AgoraScenario
import Foundation

/// Re-executes a run from its recorded scenario and compares it, tick by tick and event kind by
/// event kind, with its event log.
public enum Replay {
    public enum Verdict {
        case matches(ticks: Int, digest: String)
        /// The first tick and event kind whose events differ.
        case differs(tick: Int, kind: String, logged: EventSetHash, replayed: EventSetHash)
        /// The replay ran further than the log goes (a log cut short by a crash).
        case logEnds(atTick: Int)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func verify(directory: String, threads: Int, onTick: (Int, Int) -> Void = { _, _ in }) throws -> Verdict {
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.load(path: (directory as NSString).appendingPathComponent("scenario.yaml"))
        } catch {
            throw Failure(description: "the run's scenario.yaml no longer reads: \(error)")
        }
        let logPath = (directory as NSString).appendingPathComponent(RunLog.fileName)
        // LLM answers come from the log: a replay needs no network.
        let answers: (any AnswerSource)? = scenario.llm == nil ? nil : try LLMWiring.recordedAnswers(logPath: logPath)
        let world: World
        do { world = try World.assemble(scenario, answers: answers) } catch { throw Failure(description: "\(error)") }
        let reader = try LogReader(path: logPath)
        // The logged digest rows, by tick then kind.
        var logged: [Int64: [UInt16: EventSetHash]] = [:]
        let problems = reader.forEachChunk(kinds: [0]) { chunk in
            for i in 0..<chunk.count {
                logged[chunk.columns[0][i], default: [:]][UInt16(chunk.columns[1][i])] =
                    EventSetHash(lane0: UInt64(bitPattern: chunk.columns[2][i]), lane1: UInt64(bitPattern: chunk.columns[3][i]),
                                 count: UInt64(bitPattern: chunk.columns[4][i]))
            }
        }
        if let first = problems.first { throw Failure(description: "the log is damaged: \(first)") }
        let sim = makeSimulation(world.model, shards: world.shardCount(threads: threads), threads: threads)
        for t in 0..<scenario.ticks {
            let result = sim.step()
            guard let rows = logged[Int64(t)] else { return .logEnds(atTick: t) }
            for (k, kind) in sim.eventKinds.enumerated() {
                let mine = result.kindHashes[k]
                let theirs = rows[kind.id] ?? EventSetHash()
                if mine != theirs { return .differs(tick: t, kind: kind.name, logged: theirs, replayed: mine) }
            }
            onTick(t + 1, scenario.ticks)
        }
        return .matches(ticks: scenario.ticks, digest: sim.digest.hex)
    }
}
