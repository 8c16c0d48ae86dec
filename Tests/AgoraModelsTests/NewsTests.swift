import AgoraCore
import AgoraEngine
@testable import AgoraModels
import AgoraSocial
import Testing

@Suite struct NewsTests {
    static let graph = BarabasiAlbert.graph(nodes: 6_000, m: 3, seed: 5)

    static func model(_ tweak: (inout NewsModel.Parameters) -> Void = { _ in }) -> NewsModel {
        var p = NewsModel.Parameters()
        p.newsTick = 3
        p.contagion = 0.5
        p.decay = 0.2
        tweak(&p)
        return NewsModel(graph: graph, params: p, seeds: [10, 20, 30], seed: 8)
    }

    @Test func theDigestDoesNotDependOnShards() {
        var digests: Set<String> = []
        for (shards, threads) in [(1, 1), (2, 2), (5, 3)] {
            let sim = Simulation(model: Self.model(), shards: shards, threads: threads)
            sim.run(ticks: 30)
            digests.insert(sim.digest.hex)
        }
        #expect(digests.count == 1)
    }

    @Test func nobodyKnowsBeforeTheNewsThenItSpreads() {
        let m = Self.model()
        let sim = Simulation(model: m, shards: 3, threads: 2)
        var aware: [Double] = [], posts: [Double] = []
        sim.run(ticks: 25) { aware.append($0.metrics[0]); posts.append($0.metrics[1]) }
        #expect(aware.prefix(3).allSatisfy { $0 == 0 } && posts.prefix(3).allSatisfy { $0 == 0 })
        #expect(aware[3] == 3.0 / 6_000 && posts[3] == 3, "the three seeds hear it and post it")
        #expect(aware.last! > 0.9, "on a connected network the news reaches nearly everyone")
        #expect(zip(aware, aware.dropFirst()).allSatisfy { $0 <= $1 }, "nobody forgets")
        // Shares of emotion and attitude each add up to one.
        let shares = sim.step().metrics
        #expect(abs(shares[2] + shares[3] + shares[4] - 1) < 1e-9 && abs(shares[5] + shares[6] + shares[7] - 1) < 1e-9)
    }

    @Test func withoutPostingTheNewsStaysWithItsSeeds() {
        let m = Self.model { $0.postProbability = 0; $0.repostProbability = 0 }
        let sim = Simulation(model: m, shards: 2, threads: 2)
        var aware: [Double] = []
        sim.run(ticks: 15) { aware.append($0.metrics[0]) }
        // The seeds' own forced post reaches their neighbours; nothing goes further.
        let neighbours = Set([10, 20, 30].flatMap { Self.graph.neighbors($0).map(Int.init) } + [10, 20, 30])
        #expect(aware.last! == Double(neighbours.count) / 6_000)
    }

    @Test func priorsSetTheStartingAttitudes() {
        let m = Self.model { $0.priorNegative = 0.5; $0.priorPositive = 0.1 }
        let a = m.attitude.toArray()
        let neg = Double(a.filter { $0 == -1 }.count) / 6_000, pos = Double(a.filter { $0 == 1 }.count) / 6_000
        #expect(abs(neg - 0.5) < 0.03 && abs(pos - 0.1) < 0.02)
    }

    @Test func itResumesFromACheckpoint() throws {
        let (a, b) = try checkpointRoundTrip(total: 30, cut: 11, make: { Self.model() }, shards: (2, 3))
        #expect(a == b)
        // Activity is not in the digest; the summary shows it was saved too.
        let straight = Simulation(model: Self.model(), shards: 2, threads: 2)
        straight.run(ticks: 30)
        let first = Simulation(model: Self.model(), shards: 2, threads: 2)
        first.run(ticks: 11)
        let second = Simulation(model: Self.model(), shards: 3, threads: 1)
        try second.loadState(try #require(first.saveState()))
        second.run(ticks: 19)
        #expect(straight.summary().map(\.value) == second.summary().map(\.value))
    }

    @Test func unfollowingTheOtherSideBuildsEchoChambers() throws {
        func run(unfollow: Double, follow: Double, shards: Int) -> (digest: String, summary: [String: Double], follows: Double, unfollows: Double) {
            let m = Self.model { $0.unfollowProbability = unfollow; $0.followProbability = follow; $0.conformity = 0.05 }
            let sim = Simulation(model: m, shards: shards, threads: 2)
            var follows = 0.0, unfollows = 0.0
            sim.run(ticks: 40) { follows += $0.metrics[8]; unfollows += $0.metrics[9] }
            return (sim.digest.hex, Dictionary(uniqueKeysWithValues: sim.summary().map { ($0.name, $0.value) }), follows, unfollows)
        }
        let still = run(unfollow: 0, follow: 0, shards: 2)
        let moving = run(unfollow: 0.5, follow: 0.2, shards: 2)
        #expect(still.follows == 0 && still.unfollows == 0)
        #expect(moving.follows > 0 && moving.unfollows > 0)
        // Every follow and unfollow landed: links = the network's both directions + follows − unfollows.
        #expect(still.summary["follow_links"] == Double(2 * Self.graph.edgeCount))
        #expect(moving.summary["follow_links"] == Double(2 * Self.graph.edgeCount) + moving.follows - moving.unfollows)
        let agreeing = try #require(moving.summary["agreeing_follow_links"]), before = try #require(still.summary["agreeing_follow_links"])
        #expect(agreeing > before, "\(agreeing) vs \(before)")
        // The changing network is part of the run: the same for any shard count.
        #expect(run(unfollow: 0.5, follow: 0.2, shards: 5).digest == moving.digest)
        #expect(moving.digest != still.digest)
        let (a, b) = try checkpointRoundTrip(total: 30, cut: 13, make: {
            Self.model { $0.unfollowProbability = 0.5; $0.followProbability = 0.2 }
        }, shards: (2, 3))
        #expect(a == b, "the follow graph is in the checkpoint")
    }

    @Test func likesRankTheFeed() throws {
        func run(_ tweak: @escaping (inout NewsModel.Parameters) -> Void, shards: Int) -> (digest: String, likes: Double) {
            let sim = Simulation(model: Self.model(tweak), shards: shards, threads: 2)
            var likes = 0.0
            sim.run(ticks: 30) { likes += $0.metrics[10] }
            return (sim.digest.hex, likes)
        }
        let recency = run({ _ in }, shards: 2)
        // Without likes every score is zero and the newest post heads the feed either way.
        #expect(run({ $0.ranking = .engagement }, shards: 3).digest == recency.digest)
        #expect(recency.likes == 0)
        let liked = run({ $0.likeProbability = 0.3 }, shards: 2)
        let ranked = run({ $0.likeProbability = 0.3; $0.ranking = .engagement }, shards: 2)
        #expect(liked.likes > 0 && ranked.likes > 0)
        #expect(ranked.digest != liked.digest, "the most liked post is reposted, not the newest")
        #expect(run({ $0.likeProbability = 0.3; $0.ranking = .engagement }, shards: 5).digest == ranked.digest)
        let (a, b) = try checkpointRoundTrip(total: 30, cut: 12, make: {
            Self.model { $0.likeProbability = 0.3; $0.ranking = .engagement; $0.followProbability = 0.1 }
        }, shards: (2, 3))
        #expect(a == b, "likes are in the checkpoint")
    }

    @Test func theActiveAreWhomEveryoneSees() throws {
        let m = Self.model()
        let sim = Simulation(model: m, shards: 3, threads: 2)
        var posts = 0.0
        sim.run(ticks: 40) { posts += $0.metrics[1] }
        let summary = Dictionary(uniqueKeysWithValues: sim.summary().map { ($0.name, $0.value) })
        // Every post counted per tick is some person's activity.
        let mean = try #require(summary["mean_activity"])
        #expect(abs(mean * 6_000 - posts) < 1e-6)
        #expect(m.activity.toArray().reduce(0) { $0 + Int($1) } == Int(posts))
        // Hubs hear first and hear most, so they post more: the generalized friendship paradox.
        let share = try #require(summary["activity_paradox_share"])
        let correlation = try #require(summary["activity_degree_correlation"])
        #expect(try #require(summary["neighbor_activity"]) > mean)
        #expect(share > 0.5 && correlation > 0, "share \(share), correlation \(correlation)")
    }

    @Test func everyRepostBelongsToAnEarlierOriginalAndTheSummaryCountsCascades() throws {
        let m = Self.model { $0.repostProbability = 0.3 }
        let sim = Simulation(model: m, shards: 4, threads: 2, logPolicy: .defaults(for: m.eventKinds, seed: 1))
        var originals: Set<[Int64]> = []
        var sizes: [[Int64]: Int] = [:]
        /// Each post's cascade, by (author, tick); reposts are filed once the tick is read.
        var cascadeOf: [[Int64]: [Int64]] = [:]
        var posts: [(post: [Int64], cascade: [Int64])] = []
        sim.run(ticks: 40) { r in
            for p in posts { cascadeOf[p.post] = p.cascade }
            posts.removeAll()
            sim.loggedRows(.all) { kind, rows, width in
                guard kind.id == NewsModel.postEvent.id else { return }
                for row in stride(from: 0, to: rows.count, by: width) {
                    // agent, origin, origin tick, parent, parent tick, attitude, emotion
                    let author = rows[row], origin = rows[row + 1], originTick = rows[row + 2]
                    let parent = [rows[row + 3], rows[row + 4]]
                    // An original names itself; a repost may come back to its own author.
                    if author == origin && originTick == Int64(r.tick) {
                        #expect(parent == [-1, -1])
                        originals.insert([origin, originTick])
                        cascadeOf[[origin, originTick]] = [origin, originTick]
                    } else {
                        #expect(originals.contains([origin, originTick]), "a repost of \(origin)'s post of tick \(originTick)")
                        // Its parent is an earlier post of the same cascade, by someone the author follows.
                        #expect(cascadeOf[parent] == [origin, originTick] && parent[1] < Int64(r.tick))
                        #expect(Self.graph.neighbors(Int(author)).contains(UInt32(parent[0])))
                        sizes[[origin, originTick], default: 0] += 1
                        posts.append(([author, Int64(r.tick)], [origin, originTick]))
                    }
                }
            }
        }
        let summary = Dictionary(uniqueKeysWithValues: sim.summary().map { ($0.name, $0.value) })
        #expect(summary["original_posts"] == Double(originals.count))
        #expect(summary["max_cascade_size"] == Double(sizes.values.max() ?? 0))
        #expect(summary["reposted_share"] == Double(sizes.count) / Double(originals.count))
        #expect(try #require(summary["mean_cascade_size"]) * Double(originals.count) == Double(sizes.values.reduce(0, +)))
        #expect(sizes.values.max() ?? 0 > 10, "some posts travel far")
    }
}

@Suite struct DiffusionCheckpointTests {
    @Test func cascadeAndOpinionResume() throws {
        let g = BarabasiAlbert.graph(nodes: 3_000, m: 3, seed: 2)
        let (a, b) = try checkpointRoundTrip(total: 20, cut: 7, make: {
            CascadeModel(graph: g, rule: .linearThreshold, probability: 0, seeds: [1, 2, 3, 4], seed: 3)
        }, shards: (2, 4))
        #expect(a == b)
        let (c, d) = try checkpointRoundTrip(total: 20, cut: 9, make: {
            OpinionModel(graph: g, rule: .hegselmannKrause, epsilon: 0.2, mu: 0.5, seed: 3)
        }, shards: (3, 1))
        #expect(c == d)
    }
}
