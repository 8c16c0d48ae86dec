import AgoraCore
import AgoraEngine
import AgoraExchange
@testable import AgoraModels
import Testing

func marketSpec(days: Int = 3, ticksPerDay: Int = 40, latency: Int = 2) -> MarketSpec {
    let schedule = SessionSchedule(ticksPerDay: ticksPerDay, preOpen: 5, noCancel: 1, closingCall: 3, closed: 2)
    let instruments = [Instrument(name: "AAA", tickSize: 1, lotSize: 1, referencePrice: 10_000, bandBasisPoints: 1_000),
                       Instrument(name: "BBB", tickSize: 5, lotSize: 10, referencePrice: 5_000, bandBasisPoints: 1_500)]
    let exchange = ExchangeConfig(instruments: instruments, schedule: schedule, fees: FeeSchedule(makerBasisPoints: 0, takerBasisPoints: 5),
                                  selfTradePrevention: .cancelResting, depth: 5, maxLatencyTicks: latency)
    return MarketSpec(exchange: exchange, cash: 10_000_000, position: 1_000, fundamentalVolatilityBasisPoints: 10,
                      news: [NewsEvent(tick: 50, symbol: 0, jumpBasisPoints: -800)])
}

func marketPopulations(scale: Int = 1) -> [(TraderPopulation, Int)] {
    [(TraderPopulation(ZeroIntelligenceTrader(), activity: 0.1), 300 * scale),
     (TraderPopulation(NoiseTrader(), activity: 0.1, latency: 1), 200 * scale),
     (TraderPopulation(Fundamentalist(), activity: 0.2, latency: 2), 150 * scale),
     (TraderPopulation(MomentumTrader(lookback: 5, thresholdBasisPoints: 10), activity: 0.1), 100 * scale),
     (TraderPopulation(MarketMaker(quoteLots: 5, inventoryLimit: 200), activity: 1, cash: 100_000_000, position: 5_000), 6)]
}

@Suite struct MarketModelTests {
    static func run(shards: Int, threads: Int, ticks: Int = 120) -> (digest: String, model: MarketModel) {
        let model = MarketModel(spec: marketSpec(), populations: marketPopulations(), seed: 17)
        let sim = Simulation(model: model, shards: shards, threads: threads)
        sim.run(ticks: ticks)
        return (sim.digest.hex, model)
    }

    @Test func theDigestDoesNotDependOnShardsOrThreads() {
        let reference = Self.run(shards: 1, threads: 1)
        for (shards, threads) in [(2, 2), (3, 1), (7, 3)] {
            #expect(Self.run(shards: shards, threads: threads).digest == reference.digest, "shards \(shards)")
        }
    }

    @Test func tradesHappenAndNothingIsCreatedOrLost() {
        let model = MarketModel(spec: marketSpec(), populations: marketPopulations(), seed: 3)
        let sim = Simulation(model: model, shards: 4, threads: 2)
        let acc = model.exchange.accounts
        let cash0 = acc.totalCash
        let shares0 = (0..<2).map(acc.totalPosition)
        var auctions = 0
        var volume = 0.0
        sim.run(ticks: 120) { r in
            volume += r.metrics[1]
            #expect(acc.totalCash == cash0)
            #expect((0..<2).map(acc.totalPosition) == shares0)
            for s in 0..<2 where model.exchange.snapshot(symbol: s).auctionVolume > 0 { auctions += 1 }
        }
        #expect(volume > 100, "the market trades")
        // Three days, two instruments, an opening and a closing auction each: most of them trade.
        #expect(auctions >= 6)
        #expect(acc.feesCollected > 0)
        #expect(acc.cash.buffer.allSatisfy { $0 >= 0 } && acc.position.buffer.allSatisfy { $0 >= 0 })
        // Market makers quote both sides during continuous trading.
        let mm = Array(model.agentCount - 6..<model.agentCount)
        #expect(mm.contains { model.liveOrder[$0] != 0 || model.liveOrder2[$0] != 0 } || model.exchange.phase != .continuous)
    }

    @Test func newsMovesTheFundamental() {
        let model = MarketModel(spec: marketSpec(), populations: marketPopulations(), seed: 3)
        let sim = Simulation(model: model, shards: 2, threads: 1)
        sim.run(ticks: 50)
        let before = model.fundamental[0]
        sim.step()
        // −800 bps of news plus at most ±10 bps of walk.
        let change = Double(model.fundamental[0] - before) / Double(before) * 10_000
        #expect(change < -780 && change > -820)
    }
}
