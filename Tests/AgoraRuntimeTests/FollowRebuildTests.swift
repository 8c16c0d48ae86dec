import AgoraCore
import AgoraLog
@testable import AgoraRuntime
import AgoraScenario
import AgoraSocial
import Foundation
import Testing

/// The follow network rebuilt at a tick agrees with what the news model measured of its own
/// network while it ran, whatever the shards.
@Suite struct FollowRebuildTests {
    static func newsRun(shards: Int) throws -> RunSession.Outcome {
        let overrides = try ["network.nodes=400", "ticks=20", "engine.shards=\(shards)", "agents[0].params.unfollow_probability=0.5",
                             "agents[0].params.repost_probability=0.3"].map { text throws(ScenarioErrors) in try Override.parse(text) }
        let scenario = try ScenarioLoader.load(path: scenariosFolder + "/friendship-paradox.yaml", overrides: overrides)
        return try RunSession.run(try World.assemble(scenario), out: temporaryRunDirectory(), threads: 2)
    }

    /// Columns of metrics.csv by name.
    static func metrics(_ directory: String) throws -> [String: [Double]] {
        let lines = try String(contentsOfFile: directory + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        let names = lines[0].split(separator: ",").map(String.init)
        var out: [String: [Double]] = [:]
        for line in lines.dropFirst() {
            for (name, field) in zip(names, line.split(separator: ",", omittingEmptySubsequences: false)) {
                out[name, default: []].append(Double(field) ?? .nan)
            }
        }
        return out
    }

    @Test func theRebuiltNetworkIsTheOneTheModelMeasured() throws {
        let run = try Self.newsRun(shards: 2)
        let dir = run.directory.path, m = try Self.metrics(dir)
        let n = 400.0, ticks = 20
        let follows = try #require(m["follows"]), unfollows = try #require(m["unfollows"]), mean = try #require(m["mean_followers"])
        // Tick T's paradox figures are measured before T's follows land: the links after T are tick T+1's.
        let start = try FollowRebuild.rebuild(directory: dir, atTick: 0)
        #expect(start.changes && Double(start.initialLinks) == (mean[0] * n).rounded())
        var unfollowed = 0
        for tick in 0..<ticks {
            let net = try FollowRebuild.rebuild(directory: dir, atTick: tick)
            #expect(net.follows == Int(follows[0...tick].reduce(0, +)), "follows up to \(tick)")
            #expect(net.unfollows == Int(unfollows[0...tick].reduce(0, +)), "unfollows up to \(tick)")
            #expect(net.graph.edgeCount == net.initialLinks + net.follows - net.unfollows)
            if tick + 1 < ticks { #expect(Double(net.graph.edgeCount) == (mean[tick + 1] * n).rounded(), "links after \(tick)") }
            unfollowed = net.unfollows
        }
        #expect(unfollowed > 0, "the run unfollows, so the rebuild removes links too")
        let last = try FollowRebuild.rebuild(directory: dir, atTick: ticks - 1)
        #expect(run.simulation.summary().first { $0.name == "follow_links" }.map { Int($0.value) } == last.graph.edgeCount)
        #expect(throws: FollowRebuild.Failure.self) { try FollowRebuild.rebuild(directory: dir, atTick: ticks) }
    }

    @Test func theNetworkAtATickIsTheSameForAnyShards() throws {
        func links(_ run: RunSession.Outcome, _ tick: Int) throws -> [[UInt32]] {
            let g = try FollowRebuild.rebuild(directory: run.directory.path, atTick: tick).graph
            return (0..<g.nodeCount).map { Array(g.followers(of: $0)) }
        }
        let one = try Self.newsRun(shards: 1), three = try Self.newsRun(shards: 3)
        for tick in [4, 19] { #expect(try links(one, tick) == links(three, tick), "tick \(tick)") }
        #expect(try links(one, 4) != links(one, 19), "the network changes")
    }

    @Test func aModelThatKeepsItsNetworkShowsItAsItStarted() throws {
        let run = try smallRun()
        let net = try FollowRebuild.rebuild(directory: run.directory.path, atTick: 10)
        #expect(!net.changes && net.follows == 0 && net.unfollows == 0)
        // Each undirected link is two follows; every node follows its neighbours.
        #expect(net.graph.edgeCount == net.initialLinks && net.graph.edgeCount % 2 == 0 && net.graph.nodeCount == 3000)
        for v in 0..<50 { for u in net.graph.followers(of: v) { #expect(net.graph.follows(v, Int(u))) } }
    }
}
