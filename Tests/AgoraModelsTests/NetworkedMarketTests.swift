import AgoraCore
import AgoraEngine
import AgoraExchange
@testable import AgoraModels
import AgoraSocial
import Testing

/// The market on a network: news reaches traders only through posts, and sentiment moves them.
@Suite struct NetworkedMarketTests {
    /// A market where fundamentalists carry the price: few zero-intelligence traders, many fundamentalists.
    static let traders: [(TraderPopulation, Int)] = [
        (TraderPopulation(ZeroIntelligenceTrader(), activity: 0.05), 150),
        (TraderPopulation(NoiseTrader(), activity: 0.1, latency: 1), 200),
        (TraderPopulation(Fundamentalist(thresholdBasisPoints: 30, biasBasisPoints: 50), activity: 0.2), 400),
        (TraderPopulation(MarketMaker(quoteLots: 5, inventoryLimit: 200), activity: 1, cash: 100_000_000, position: 5_000), 6),
    ]

    /// The test market's traders, every population sharing news with `share` and posting fills with `postTrades`.
    static func populations(share: Double, postTrades: Double = 0, noiseWeight: Double = 0, fundamentalistBps: Int = 0)
        -> [(TraderPopulation, Int)] {
        traders.map { (p, n) in
            var p = p
            p.common.shareProbability = Probability(share)
            p.common.tradePostProbability = Probability(postTrades)
            if var noise = p.strategy as? NoiseTrader {
                noise.sentimentWeight = noiseWeight
                p.strategy = noise
            }
            if var fundamentalist = p.strategy as? Fundamentalist {
                fundamentalist.sentimentBasisPoints = fundamentalistBps
                p.strategy = fundamentalist
            }
            return (p, n)
        }
    }

    static let graph = BarabasiAlbert.graph(nodes: traders.reduce(0) { $0 + $1.1 }, m: 3, seed: 4)

    static func model(share: Double, postTrades: Double = 0, noiseWeight: Double = 0, fundamentalistBps: Int = 0,
                      seeds: Int = 5, seed: UInt64 = 17) -> MarketModel {
        var spec = marketSpec()
        spec.news = spec.news.map { var n = $0; n.seeds = seeds; return n }
        return MarketModel(spec: spec, populations: populations(share: share, postTrades: postTrades, noiseWeight: noiseWeight,
                                                                fundamentalistBps: fundamentalistBps),
                           seed: seed, network: graph)
    }

    @Test func theDigestDoesNotDependOnShardsOrThreads() {
        func run(_ shards: Int, _ threads: Int) -> String {
            let sim = Simulation(model: Self.model(share: 0.6, postTrades: 0.3, noiseWeight: 0.5, fundamentalistBps: 50),
                                 shards: shards, threads: threads)
            sim.run(ticks: 90)
            return sim.digest.hex
        }
        let reference = run(1, 1)
        for (shards, threads) in [(2, 2), (3, 1), (7, 3)] {
            #expect(run(shards, threads) == reference, "shards \(shards)")
        }
    }

    @Test func aNetworkChangesNothingUntilSomeoneHasSomethingToSay() {
        // No news and no trade posts: the same trades as without a network.
        var spec = marketSpec()
        spec.news = []
        let plain = MarketModel(spec: spec, populations: Self.traders, seed: 5)
        let networked = MarketModel(spec: spec, populations: Self.populations(share: 1), seed: 5, network: Self.graph)
        let a = Simulation(model: plain, shards: 2, threads: 2), b = Simulation(model: networked, shards: 3, threads: 2)
        for _ in 0..<60 {
            let x = a.step(), y = b.step()
            #expect(Array(x.metrics.prefix(plain.metricNames.count)) .elementsEqual(y.metrics.prefix(plain.metricNames.count)) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
        #expect(networked.feeds?.posts == 0)
    }

    @Test func newsReachesItsSeedsFirstAndThenOnlyNeighboursOfPosters() throws {
        let model = Self.model(share: 0.7, seeds: 5)
        let feeds = try #require(model.feeds)
        let sim = Simulation(model: model, shards: 3, threads: 2)
        sim.run(ticks: 51)
        #expect(feeds.heard.buffer.allSatisfy { $0 == 0 }, "nobody knows before the news breaks")
        var heardBefore = Array(feeds.heard.buffer)
        var reach: [Int] = []
        for tick in 51..<70 {
            sim.step()
            // Who posted the news this tick, and who first heard it.
            let posters = Set((0..<model.agentCount).filter { feeds.postedNews[$0] & 1 != 0 })
            let newcomers = (0..<model.agentCount).filter { feeds.heard[$0] & 1 != 0 && heardBefore[$0] & 1 == 0 }
            if tick == 51 {
                // The seeds hear it the tick after it breaks, all post it, and their neighbours read it.
                #expect(posters.count == 5 && posters.isSubset(of: newcomers))
            } else {
                for v in posters { #expect(heardBefore[v] & 1 != 0, "posters pass on what they heard the tick before") }
            }
            for v in newcomers where !posters.contains(v) {
                #expect(Self.graph.neighbors(v).contains { posters.contains(Int($0)) }, "agent \(v) heard it from a neighbour who posted it")
            }
            heardBefore = Array(feeds.heard.buffer)
            reach.append(heardBefore.filter { $0 & 1 != 0 }.count)
        }
        #expect(reach.last! > model.agentCount / 2, "with share 0.7 on a BA graph the news reaches most traders: \(reach)")
        #expect(reach == reach.sorted())
    }

    /// The mean gap between AAA's mid and its fundamental, in basis points, over the ticks after the news.
    static func priceGap(share: Double) -> (gap: Double, reach: Double) {
        let model = Self.model(share: share, seeds: 3, seed: 23)
        let sim = Simulation(model: model, shards: 2, threads: 2)
        let mid = model.metricNames.firstIndex(of: "AAA.mid")!, fundamental = model.metricNames.firstIndex(of: "AAA.fundamental")!
        var gaps: [Double] = []
        sim.run(ticks: 75) { r in
            guard r.tick > 52, r.metrics[mid].isFinite else { return }
            gaps.append(abs(r.metrics[mid] - r.metrics[fundamental]) / r.metrics[fundamental] * 10_000)
        }
        let reach = model.summary().first { $0.name == "news1.reach" }!.value
        return (gaps.reduce(0, +) / Double(gaps.count), reach)
    }

    @Test func slowerSpreadMeansSlowerPriceDiscovery() {
        let fast = Self.priceGap(share: 1), slow = Self.priceGap(share: 0.05)
        #expect(fast.reach > 0.95 && slow.reach < 0.2, "fast \(fast.reach), slow \(slow.reach)")
        // The fundamental fell 8%: where every fundamentalist hears of it the price follows.
        #expect(fast.gap < slow.gap * 0.75, "gap after the news: fast \(fast.gap) bps, slow \(slow.gap) bps")
    }

    @Test func badNewsSoursSentimentAndNoiseTradersSell() throws {
        let model = Self.model(share: 1, noiseWeight: 1, seeds: 10)
        let sim = Simulation(model: model, shards: 2, threads: 2, logPolicy: .defaults(for: model.eventKinds, seed: 1))
        let sentiment = model.metricNames.firstIndex(of: "AAA.sentiment")!
        let noise = 150..<350  // the noise population
        var buys = (before: 0, after: 0), sells = (before: 0, after: 0)
        var lowest = 0.0
        sim.run(ticks: 75) { r in
            lowest = min(lowest, r.metrics[sentiment])
            sim.loggedRows(.all) { kind, rows, width in
                guard kind.id == MarketModel.Event.order.id else { return }
                for row in stride(from: 0, to: rows.count, by: width) where noise.contains(Int(rows[row])) {
                    // Columns after the agent: action, instrument, side, …; new orders only, on AAA.
                    guard rows[row + 1] == Int64(OrderRequest.Action.new.rawValue), rows[row + 2] == 0 else { continue }
                    let buy = rows[row + 3] == Int64(Side.buy.rawValue)
                    if r.tick < 51 { if buy { buys.before += 1 } else { sells.before += 1 } }
                    else if r.tick >= 53 { if buy { buys.after += 1 } else { sells.after += 1 } }
                }
            }
        }
        #expect(lowest < -0.5, "AAA's traders turn gloomy: \(lowest)")
        let shareBefore = Double(buys.before) / Double(buys.before + sells.before)
        let shareAfter = Double(buys.after) / Double(buys.after + sells.after)
        #expect(shareBefore > 0.35 && shareAfter < shareBefore - 0.2, "noise buy share before \(shareBefore), after \(shareAfter)")
    }

    @Test func tradersPostAboutTheirFills() throws {
        let model = Self.model(share: 0, postTrades: 1)
        let feeds = try #require(model.feeds)
        let sim = Simulation(model: model, shards: 2, threads: 1)
        var tradePosts = 0
        var filledLastTick = Set<Int>()
        sim.run(ticks: 40) { r in
            for v in 0..<model.agentCount where feeds.postedTrade[v] != 0 {
                tradePosts += 1
                #expect(filledLastTick.contains(v), "agent \(v) posts only about a fill it had")
            }
            filledLastTick = Set((0..<model.agentCount).filter { feeds.traded[$0] != 0 })
        }
        #expect(tradePosts > 50)
        #expect(feeds.posts == tradePosts)
    }

    @Test(arguments: [3, 51, 52, 77])
    func resumesToTheSameDigest(cut: Int) throws {
        let (a, b) = try checkpointRoundTrip(total: 90, cut: cut, make: {
            Self.model(share: 0.5, postTrades: 0.2, noiseWeight: 0.4, fundamentalistBps: 30)
        }, shards: (2, 3))
        #expect(a == b)
    }
}
