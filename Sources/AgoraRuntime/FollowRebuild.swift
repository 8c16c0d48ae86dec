import AgoraCore
import AgoraLog
import AgoraScenario
import AgoraSocial
import Foundation

/// Rebuilds a network run's follow network at the end of a tick: the scenario's network made
/// again from its section (people follow each other along its links, as the news model starts),
/// then every logged follow and unfollow up to that tick applied a tick at a time, in the order
/// the model applies them. A model that logs no follows keeps its network as it starts.
public enum FollowRebuild {
    /// Who follows whom at the end of `tick`.
    public struct Network: Sendable {
        public var tick: Int
        /// Followers by followee, rows for every person.
        public var graph: FollowGraph
        /// Links when the run started.
        public var initialLinks: Int
        /// Follows and unfollows that took effect up to the tick.
        public var follows: Int
        public var unfollows: Int
        /// Whether the model changes its network (logs follows): if not, this is the network of every tick.
        public var changes: Bool
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func rebuild(directory: String, atTick tick: Int) throws -> Network {
        let scenario: Scenario
        do { scenario = try ScenarioLoader.load(path: (directory as NSString).appendingPathComponent("scenario.yaml")) } catch {
            throw Failure(description: "the run's scenario.yaml no longer reads: \(error)")
        }
        guard tick < scenario.ticks else { throw Failure(description: "tick \(tick) is past the run's \(scenario.ticks) ticks (0…\(scenario.ticks - 1))") }
        let made: CSRGraph?
        do { made = try World.network(of: scenario) } catch { throw Failure(description: "the run's network cannot be made again: \(error)") }
        guard let network = made else { throw Failure(description: "this run has no network (model \(scenario.model.name))") }
        let graph = FollowGraph(network)
        var result = Network(tick: tick, graph: graph, initialLinks: graph.edgeCount, follows: 0, unfollows: 0, changes: false)
        let reader = try LogReader(path: (directory as NSString).appendingPathComponent(RunLog.fileName))
        guard let kind = reader.schema.kind(named: "follow") else { return result }
        result.changes = true
        if let policy = reader.schema.meta["policy"], !policy.contains("\"\(kind.id)\": {\"every\": 1, \"sample\": 1.0}") {
            throw Failure(description: "follows were not logged in full (log.kinds.follow); the network cannot be rebuilt")
        }
        let col = Dictionary(uniqueKeysWithValues: kind.columns.enumerated().map { ($1, $0) })
        guard let cTick = col["tick"], let cAgent = col["agent"], let cFollowee = col["followee"], let cFollow = col["follow"] else {
            throw Failure(description: "the follow kind lacks columns this rebuild needs")
        }
        // (tick, follower, followee, follow) of every change up to the tick, then in the model's order.
        var logged: [(tick: Int64, change: FollowGraph.Change)] = []
        var bad: String?
        let problems = reader.forEachChunk(kinds: [kind.id]) { c in
            guard c.firstTick <= Int64(tick) else { return }
            for i in 0..<c.count where c.columns[cTick][i] <= Int64(tick) {
                let follower = c.columns[cAgent][i], followee = c.columns[cFollowee][i]
                guard (0..<Int64(graph.nodeCount)).contains(follower), (0..<Int64(graph.nodeCount)).contains(followee) else {
                    bad = bad ?? "a follow at tick \(c.columns[cTick][i]) names person \(max(follower, followee)), outside the network's \(graph.nodeCount)"
                    continue
                }
                logged.append((c.columns[cTick][i], FollowGraph.Change(followee: UInt32(followee), follower: UInt32(follower),
                                                                      follow: c.columns[cFollow][i] != 0)))
            }
        }
        if let p = problems.first { throw Failure(description: "the log is damaged: \(p)") }
        if let bad { throw Failure(description: bad) }
        // Each tick's changes land together, in agent order (stable: a log spread over shards is
        // merged in agent order within a tick already).
        logged.sort { ($0.tick, $0.change.follower) < ($1.tick, $1.change.follower) }
        var batch: [FollowGraph.Change] = []
        var start = 0
        while start < logged.count {
            var end = start
            while end < logged.count && logged[end].tick == logged[start].tick { end += 1 }
            batch.removeAll(keepingCapacity: true)
            for i in start..<end { batch.append(logged[i].change) }
            let applied = graph.apply(&batch)
            result.follows += applied.added
            result.unfollows += applied.removed
            start = end
        }
        return result
    }
}
