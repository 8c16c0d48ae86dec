import AgoraCore
import AgoraEngine
import AgoraExchange
@testable import AgoraModels
import Foundation
import Testing

/// The mechanisms behind the stylized facts: switching traders and their population tallies,
/// attention, power-law order sizes, patient liquidity.
@Suite struct RealismTests {
    /// One instrument, continuous trading all day.
    static func spec(ticksPerDay: Int = 10_000) -> MarketSpec {
        let schedule = SessionSchedule(ticksPerDay: ticksPerDay)
        let instruments = [Instrument(name: "AAA", tickSize: 1, lotSize: 1, referencePrice: 100_000, bandBasisPoints: 2_000)]
        let exchange = ExchangeConfig(instruments: instruments, schedule: schedule, fees: FeeSchedule(makerBasisPoints: 0, takerBasisPoints: 0),
                                      selfTradePrevention: .cancelResting, depth: 5, maxLatencyTicks: 0)
        return MarketSpec(exchange: exchange, cash: 1_000_000_000, position: 10_000, fundamentalVolatilityBasisPoints: 0, news: [])
    }

    /// Patient liquidity and noise, then switching traders (last) with `switching` and `common`.
    static func model(_ switching: SwitchingTrader, _ common: TraderCommon, count: Int = 10_000, seed: UInt64 = 5) -> MarketModel {
        MarketModel(spec: spec(), populations: [
            (TraderPopulation(PatientTrader(placementTicks: 20), activity: 0.05), 4_000),
            (TraderPopulation(NoiseTrader(), activity: 0.02), 1_000),
            (TraderPopulation(strategy: switching, common: common), count),
        ], seed: seed)
    }

    /// The share of chartists at which switching is in balance: c/(1−c) = e^(−2a), a the
    /// attractiveness of fundamentalism at share c (no misalignment), found by bisection.
    static func balance(predisposition: Double, herding: Double) -> Double {
        var lo = 1e-9, hi = 1 - 1e-9
        for _ in 0..<100 {
            let c = (lo + hi) / 2
            let a = predisposition + herding * (1 - 2 * c)
            if log(c / (1 - c)) + 2 * a > 0 { hi = c } else { lo = c }
        }
        return (lo + hi) / 2
    }

    /// Runs `ticks` and returns the last tick's share of chartists (the `switching.chartists` metric).
    static func chartistShare(_ m: MarketModel, ticks: Int) -> Double {
        let sim = Simulation(model: m, shards: 3, threads: 2)
        let column = try! #require(m.metricNames.firstIndex(of: "switching.chartists"))
        var share = Double.nan
        sim.run(ticks: ticks) { share = $0.metrics[column] }
        return share
    }

    @Test(arguments: [(0.5, 0.0), (0.5, 0.5), (-0.3, 0.7)])
    func theShareOfChartistsSettlesWhereSwitchingIsInBalance(predisposition: Double, herding: Double) {
        // Every trader reconsiders every tick; without misalignment the share's balance depends on
        // the predisposition and, through the population's tally, on herding.
        let s = SwitchingTrader(startChartists: 0.9, switchRate: 0.3, predisposition: predisposition, herding: herding, misalignment: 0)
        let share = Self.chartistShare(Self.model(s, TraderCommon(activity: 1)), ticks: 150)
        let expected = Self.balance(predisposition: predisposition, herding: herding)
        // 10,000 traders: the binomial spread of the share is under 0.005.
        #expect(abs(share - expected) < 0.02, "share \(share), balance \(expected)")
    }

    @Test func theTallyCountsTheChartists() throws {
        let m = Self.model(SwitchingTrader(startChartists: 0.3), TraderCommon(activity: 0.3))
        Simulation(model: m, shards: 4, threads: 2).run(ticks: 30)
        let states = try #require(m.strategyStates[2] as? Column<SwitchingTrader.State>)
        let chartists = (m.populationStarts[2]..<m.populationStarts[3]).filter { states[$0].chartist }.count
        #expect(m.tallies.counts[0] == Int64(chartists))
        #expect(chartists > 0 && chartists < 10_000)
    }

    @Test func switchingWithAttentionIsTheSameForAnyShardCount() {
        let make = { Self.model(SwitchingTrader(), TraderCommon(activity: 0.05, sizeExponent: 1.5, attention: 0.6), count: 4_000, seed: 9) }
        var digests: Set<String> = []
        for shards in [1, 3, 8] {
            let sim = Simulation(model: make(), shards: shards, threads: 2)
            sim.run(ticks: 120)
            digests.insert(sim.digest.hex)
        }
        #expect(digests.count == 1)
    }

    @Test(arguments: [1, 60, 99])
    func switchingWithAttentionResumesToTheSameDigest(cut: Int) throws {
        let (a, b) = try checkpointRoundTrip(total: 100, cut: cut, make: {
            Self.model(SwitchingTrader(), TraderCommon(activity: 0.05, sizeExponent: 1.5, attention: 0.6), count: 3_000, seed: 4)
        }, shards: (2, 5))
        #expect(a == b)
    }

    @Test func attentionRaisesActivityAfterMovesWithinItsCap() {
        let a = MarketAttention(populations: [TraderCommon(activity: 0.01, attention: 1, attentionMax: 4, attentionTicks: 5, attentionBaseTicks: 200),
                                              TraderCommon(activity: 0.01)], symbols: 1)
        let base = Probability(0.01).threshold
        for _ in 0..<300 { a.update(moves: [1]) }
        // Steady moves: activity as set (up to rounding of the factor).
        #expect(abs(Double(a.thresholds[0]) / Double(base) - 1) < 1e-9)
        a.update(moves: [3])
        let raised = Double(a.thresholds[0]) / Double(base)
        #expect(raised > 1.2 && raised < 1.6, "one move of 3: the recent mean rises by 2/5")
        for _ in 0..<20 { a.update(moves: [50]) }
        #expect(abs(Double(a.thresholds[0]) / Double(base) - 4) < 1e-6, "held at attention_max")
        for _ in 0..<100 { a.update(moves: [0]) }
        #expect(abs(Double(a.thresholds[0]) / Double(base) - 0.25) < 1e-6, "and at 1 / attention_max")
        // A population without attention keeps its activity, and gives no thresholds to its turns.
        #expect(a.thresholds[1] == base)
        #expect(a.thresholds(of: 1) == nil && a.thresholds(of: 0) != nil)
        // A tick without a mid changes nothing.
        let before = a.thresholds[0]
        a.update(moves: [nil])
        #expect(a.thresholds[0] == before)
    }

    @Test func orderSizesFollowTheirPowerLaw() {
        var r = AgentRandom(state: 42)
        let draws = 200_000
        var atLeast10 = 0, atLeast100 = 0, top = 0, bottom = Int.max
        for _ in 0..<draws {
            let u = Double((r.next() >> 11) + 1) * 0x1p-53
            let lots = TraderTurn.powerLawLots(u, power: -1 / 1.5, max: 1_000)
            if lots >= 10 { atLeast10 += 1 }
            if lots >= 100 { atLeast100 += 1 }
            top = max(top, lots)
            bottom = min(bottom, lots)
        }
        // P(size ≥ s) = s^−1.5: 0.0316 at 10 lots, 0.001 at 100.
        #expect(abs(Double(atLeast10) / Double(draws) - 0.0316) < 0.002)
        #expect(abs(Double(atLeast100) / Double(draws) - 0.001) < 0.0003)
        #expect(bottom == 1 && top == 1_000)
    }

    @Test func patientTradersOnlyGiveLiquidity() throws {
        let m = Self.model(SwitchingTrader(startChartists: 0.5), TraderCommon(activity: 0.05))
        let sim = Simulation(model: m, shards: 2, threads: 2)
        var patientFills = 0
        for _ in 0..<80 {
            sim.step()
            for r in m.tickReports where r.kind == .fill && Int(r.agent) < 4_000 {
                #expect(r.maker, "a patient trader's fill is always the resting side")
                patientFills += 1
            }
        }
        #expect(patientFills > 100)
    }

    @Test func aSwitchingHorizonRangeMustBeOrdered() {
        let input = PopulationInput(kind: "switching", count: 10, params: ["lookback_min": .integer(30), "lookback_max": .integer(10)])
        #expect(throws: ModelBuildError.self) { _ = try SwitchingTrader(input) }
    }
}
