import AgoraCore
import AgoraEngine
import AgoraLLM
@testable import AgoraModels
import AgoraSocial
import Foundation
import LLMFixture
import Testing

/// How a follow network forms — preferential attachment, the recommenders an LLM user's candidates
/// come from, the feed rankings — and the friendship paradox measured on it every tick.
@Suite struct NetworkFormationTests {
    static let sparse: CSRGraph = {
        let edges = GraphGenerators.erdosRenyi(nodes: 1_500, p: 1.0 / 1_499, seed: 3)
        return edges.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 1_500) }
    }()

    static func model(seed: UInt64 = 8, llm: LLMSettings? = nil, answers: (any AnswerSource)? = nil,
                      _ tweak: (inout NewsModel.Parameters) -> Void = { _ in }) -> NewsModel {
        var p = NewsModel.Parameters()
        p.newsTick = 1
        p.likeProbability = 0.2
        p.attachProbability = 0.05
        p.paradoxMetrics = true
        tweak(&p)
        return NewsModel(graph: sparse, params: p, seeds: [1, 2, 3, 4, 5], seed: seed, llm: llm, answers: answers)
    }

    /// The paradox figures from the network as it stands, the slow way.
    static func paradox(_ m: NewsModel) -> [Double] {
        let n = m.agentCount
        var followees = [[Int]](repeating: [], count: n)
        for u in 0..<n { for v in m.follows.followers(of: u) { followees[Int(v)].append(u) } }
        let k = (0..<n).map { m.follows.followerCount($0) }
        let act = m.activity.toArray().map(Int.init), likes = m.likesReceived.toArray().map(Int.init)
        var has = 0, more = [0, 0, 0], meanFriends = 0.0
        for v in 0..<n where !followees[v].isEmpty {
            has += 1
            let f = followees[v]
            if f.reduce(0, { $0 + k[$1] }) > k[v] * f.count { more[0] += 1 }
            if f.reduce(0, { $0 + act[$1] }) > act[v] * f.count { more[1] += 1 }
            if f.reduce(0, { $0 + likes[$1] }) > likes[v] * f.count { more[2] += 1 }
            meanFriends += Double(f.reduce(0) { $0 + k[$1] } * 1000 / f.count) / 1000
        }
        let sumK = Double(k.reduce(0, +)), sumK2 = Double(k.reduce(0) { $0 + $1 * $1 })
        return [sumK / Double(n), meanFriends / Double(has), sumK2 / sumK] + more.map { Double($0) / Double(has) }
    }

    @Test func theParadoxFiguresAreThoseOfTheNetworkTheTickFound() {
        let m = Self.model()
        let sim = Simulation(model: m, shards: 3, threads: 2)
        sim.run(ticks: 25)
        let expected = Self.paradox(m)
        let names = m.metricNames
        let got = sim.step().metrics
        for (i, name) in NewsModel.paradoxMetricNames.enumerated() {
            let x = got[names.firstIndex(of: name)!]
            #expect(abs(x - expected[i]) < 1e-9, "\(name): \(x) against \(expected[i])")
        }
        // The counts every process keeps agree with the network.
        #expect((0..<m.agentCount).allSatisfy { Int(m.followerCount[$0]) == m.follows.followerCount($0) })
    }

    /// Preferential attachment: over several seeds, those with more followers gain more.
    @Test func attachmentFavoursThePopular() {
        for seed in UInt64(1)...4 {
            let m = Self.model(seed: seed) { $0.attachProbability = 0.2; $0.paradoxMetrics = false }
            let before = m.followerCount.toArray()
            Simulation(model: m, shards: 2, threads: 2).run(ticks: 30)
            let gained = zip(m.followerCount.toArray(), before).map { Double($0) - Double($1) }
            let x = before.map(Double.init)
            let mx = x.reduce(0, +) / Double(x.count), my = gained.reduce(0, +) / Double(x.count)
            let cov = zip(x, gained).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            let sx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }.squareRoot(), sy = gained.reduce(0) { $0 + ($1 - my) * ($1 - my) }.squareRoot()
            // Measured over seeds 1–4: 0.48 to 0.55.
            #expect(cov / (sx * sy) > 0.3, "seed \(seed): correlation \(cov / (sx * sy))")
            #expect(gained.reduce(0, +) > 1_500, "seed \(seed): follows landed")
        }
    }

    @Test(arguments: NewsModel.FeedRanking.allCases)
    func everyFeedRankingIsTheSameRunForAnyShardOrProcessCount(ranking: NewsModel.FeedRanking) throws {
        var settings = LLMNewsTests.settings(nil)
        settings.escalation.fraction = 0.01
        let fixed = settings
        let tweak: @Sendable (inout NewsModel.Parameters) -> Void = { $0.ranking = ranking; $0.repostProbability = 0.3; $0.unfollowProbability = 0.05 }
        var digests: Set<String> = []
        for shards in [1, 4] {
            let sim = Simulation(model: Self.model(llm: settings, tweak), shards: shards, threads: 2)
            sim.run(ticks: 25)
            digests.insert(sim.digest.hex)
        }
        let spread = try InProcessGroup.run(ranks: 3) { group in
            let sim = Simulation(model: Self.model(llm: fixed, tweak), shards: 6, threads: 1, group: group)
            sim.run(ticks: 25)
            return sim.digest.hex
        }
        digests.formUnion(spread)
        #expect(digests.count == 1, "1 and 4 shards, 3 processes")
    }

    @Test func theRankingsChooseDifferentPosts() {
        var settings = LLMNewsTests.settings(nil)
        settings.escalation.fraction = 0.01
        let digests = NewsModel.FeedRanking.allCases.map { ranking -> String in
            let m = Self.model(llm: settings) { $0.ranking = ranking; $0.repostProbability = 0.3 }
            let sim = Simulation(model: m, shards: 2, threads: 2)
            sim.run(ticks: 25)
            return sim.digest.hex
        }
        #expect(Set(digests).count == digests.count, "each ranking reposts its own choice of posts")
    }

    /// The fixture follows the first person its prompt suggests: the recommender decides who.
    static func follower() throws -> LoopbackServer {
        try LoopbackServer { request in
            let people = UserFixture.candidates(in: UserFixture.prompt(request))
            guard let c = people.first else { return .respond(status: 200, body: UserFixture.call("do_nothing")) }
            return .respond(status: 200, body: UserFixture.call("follow", [("user_id", .int(Int64(c)))]))
        }
    }

    @Test(arguments: FollowRecommender.allCases)
    func everyRecommenderIsTheSameRunForAnyShardOrProcessCount(recommender: FollowRecommender) throws {
        let server = try Self.follower()
        var settings = LLMNewsTests.settings(server)
        settings.escalation.fraction = 0.05
        settings.escalation.every = 3
        let tweak: @Sendable (inout NewsModel.Parameters) -> Void = { p in p.recommender = recommender; p.candidateCount = 4 }
        let live = LLMNewsTests.run(Self.model(llm: settings, tweak), shards: 2, ticks: 30)
        server.stop()
        let follows = live.questions.filter { $0[5] == 0 && live.strings[$0[8]] == "follow" }
        #expect(recommender == .none ? follows.isEmpty : follows.count > 20, "\(follows.count) follows")
        let book = LLMNewsTests.book(live), fixed = settings
        #expect(LLMNewsTests.run(Self.model(llm: settings, answers: RecordedAnswers(book), tweak), shards: 5, ticks: 30).digest == live.digest)
        let spread = try InProcessGroup.run(ranks: 3) { group in
            let sim = Simulation(model: Self.model(llm: fixed, answers: RecordedAnswers(book), tweak), shards: 6, threads: 1, group: group)
            sim.run(ticks: 30)
            return sim.digest.hex
        }
        #expect(spread == Array(repeating: live.digest, count: 3))
    }

    @Test func friendsOfFriendsAreTheMostSharedFirst() throws {
        let server = try Self.follower()
        defer { server.stop() }
        var settings = LLMNewsTests.settings(server)
        settings.escalation.fraction = 0.05
        settings.escalation.every = 3
        let m = Self.model(llm: settings) { $0.recommender = .sharedNeighbors; $0.candidateCount = 3 }
        let sim = Simulation(model: m, shards: 2, threads: 2)
        sim.run(ticks: 10)
        // After a tick's match, each view's candidates are friends of its friends, most shared first.
        let views = m.views.filter { !$0.value.candidates.isEmpty }
        #expect(views.count > 5)
        for (v, view) in views {
            let mine = Set(view.followees.map(Int.init))
            func shared(_ w: Int) -> Int { view.followees.filter { m.following!.follows(w, Int($0)) }.count }
            let counts = view.candidates.map { shared(Int($0)) }
            #expect(counts.allSatisfy { $0 > 0 } && counts == counts.sorted(by: >), "user \(v): \(view.candidates) shared \(counts)")
            #expect(view.candidates.allSatisfy { Int($0) != v && !mine.contains(Int($0)) })
        }
    }
}
