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

    /// Something that follows a replay: it may stand between the recorded answers and the model,
    /// and it sees the simulation after every tick (`agora export trajectories`).
    public protocol Watcher: AnyObject {
        /// The answer source the model is given, wrapping the recorded one.
        func watch(_ answers: any AnswerSource) -> any AnswerSource
        /// The event kinds (by name) whose rows every tick keeps for it, whole.
        var keptKinds: Set<String> { get }
        /// Tick `tick` has run; `simulation` holds its logged rows until the next step.
        func tickEnded(_ tick: Int, simulation: any SimulationRunner, model: any Model)
        /// The replay is over: `complete` when it reached the run's last tick, false when it
        /// stopped early (a damaged log, a divergence) and the model's state is past what is known.
        func replayEnded(model: any Model, complete: Bool)
    }

    public static func verify(directory: String, threads: Int, onTick: (Int, Int) -> Void = { _, _ in }) throws -> Verdict {
        try run(directory: directory, threads: threads, watcher: nil, onTick: onTick).verdict
    }

    /// Replays a run, tick by tick, for a watcher. A damaged log does not stop it: the replay goes
    /// as far as the log's readable digest rows agree, and `damage` names the first problem.
    public static func run(directory: String, threads: Int, watcher: (any Watcher)?,
                           onTick: (Int, Int) -> Void = { _, _ in }) throws -> (verdict: Verdict, scenario: Scenario, damage: String?) {
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.load(path: (directory as NSString).appendingPathComponent("scenario.yaml"))
        } catch {
            throw Failure(description: "the run's scenario.yaml no longer reads: \(error)")
        }
        let logPath = (directory as NSString).appendingPathComponent(RunLog.fileName)
        // LLM answers come from the log: a replay needs no network.
        var answers: (any AnswerSource)? = scenario.llm == nil ? nil : try LLMWiring.recordedAnswers(logPath: logPath)
        if let watcher, let recorded = answers { answers = watcher.watch(recorded) }
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
        let damage = problems.first.map { "\($0)" }
        if let damage, watcher == nil { throw Failure(description: "the log is damaged: \(damage)") }
        var policy = LogPolicy.none
        if let watcher {
            let kept = world.model.eventKinds.filter { watcher.keptKinds.contains($0.name) }
            policy = LogPolicy(rules: Dictionary(uniqueKeysWithValues: kept.map { ($0.id, LogPolicy.Rule()) }), sampleKey: scenario.seed)
        }
        let sim = makeSimulation(world.model, shards: world.shardCount(threads: threads), threads: threads, logPolicy: policy)
        for t in 0..<scenario.ticks {
            let result = sim.step()
            guard let rows = logged[Int64(t)] else {
                watcher?.replayEnded(model: world.model, complete: false)
                return (.logEnds(atTick: t), scenario, damage)
            }
            for (k, kind) in sim.eventKinds.enumerated() {
                let mine = result.kindHashes[k]
                let theirs = rows[kind.id] ?? EventSetHash()
                if mine != theirs {
                    watcher?.replayEnded(model: world.model, complete: false)
                    return (.differs(tick: t, kind: kind.name, logged: theirs, replayed: mine), scenario, damage)
                }
            }
            watcher?.tickEnded(t, simulation: sim, model: world.model)
            onTick(t + 1, scenario.ticks)
        }
        watcher?.replayEnded(model: world.model, complete: true)
        return (.matches(ticks: scenario.ticks, digest: sim.digest.hex), scenario, damage)
    }
}
