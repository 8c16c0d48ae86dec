import AgoraCore
import AgoraExchange
import Foundation

/// A speculator who is, at any time, a fundamentalist or a chartist, and switches between the two
/// by herding, predisposition and misalignment: the discrete-choice model of Franke and
/// Westerhoff ("Structural stochastic volatility in asset pricing dynamics", JEDC 2012), itself a
/// form of Lux and Marchesi's ("Scaling and criticality in a stochastic multi-agent model of a
/// financial market", Nature 1999) switching between trader types.
///
/// Every turn a trader first reconsiders its type. The attractiveness of fundamentalism is
/// `a = predisposition + herding · (n_f − n_c) + misalignment · m²`, where n_f and n_c are the
/// shares of fundamentalists and chartists in the whole population as the last tick ended (its
/// tally) and m the distance of the mid from the fundamental value, in percent of log price. A
/// chartist turns fundamentalist with probability `switch_rate · e^a`, a fundamentalist turns
/// chartist with `switch_rate · e^−a`. Herding makes the population's mix persistent; when the
/// price wanders from the fundamental, misalignment draws traders back to fundamentalism.
///
/// Then it trades as its type: a fundamentalist as `Fundamentalist` does (a limit toward its
/// estimate of the fundamental, with a private bias); a chartist takes liquidity (immediate or
/// cancel, up to `chase_bps` past the best quote it saw, or with a market order), buying with
/// probability `1 / (1 + e^(−r / trend_bps))` where r is the mid's return over its own horizon
/// (each trader's lookback is drawn once, between `lookback_min` and `lookback_max`: heterogeneous
/// horizons). Chartists take liquidity and fundamentalists give it, so the share of chartists sets
/// how turbulent the market is; with attention (docs/models.md) the turbulence feeds on itself.
public struct SwitchingTrader: TraderStrategy {
    /// A trader's type, horizon and private bias.
    public struct State: BitwiseCopyable, Sendable, Hashable {
        public var chartist: Bool
        public var lookback: UInt16
        public var biasBasisPoints: Int16
    }
    public typealias AgentState = State

    public static let kind = "switching"
    public static let summary = "Fundamentalist or chartist, switching by herding, predisposition and misalignment (Franke–Westerhoff)."
    public static let tallies = ["chartists"]

    public static let startChartists = Parameter<Double>("start_chartists", .probability, default: 0.2,
                                                         "Chance that a trader starts as a chartist.")
    public static let switchRate = Parameter<Double>("switch_rate", .probability, default: 0.2,
                                                     "Chance per turn to change type when both are equally attractive.")
    public static let predisposition = Parameter<Double>("predisposition", .number(min: -10, max: 10), default: 0,
                                                         "The attractiveness of fundamentalism that does not depend on the market.")
    public static let herding = Parameter<Double>("herding", .number(min: 0, max: 10), default: 1,
                                                  "Weight of the type most of the population has (n_f − n_c) in the attractiveness.")
    public static let misalignment = Parameter<Double>(
        "misalignment", .number(min: 0, max: 10_000), default: 0.5,
        "Weight of the squared distance of the price from the fundamental (percent of log price) in the attractiveness.")
    public static let threshold = Parameter<Int>("threshold_bps", .integer(min: 0, max: 10_000), default: 20,
                                                 "A fundamentalist trades when the price is this far (basis points) from its estimate.")
    public static let bias = Parameter<Int>("bias_bps", .integer(min: 0, max: 5_000), default: 50,
                                            "Each trader's private bias on the fundamental, uniform within ± this.")
    public static let lookbackMin = Parameter<Int>("lookback_min", .integer(min: 1, max: 10_000), default: 5,
                                                   "The shortest horizon of a chartist (ticks).")
    public static let lookbackMax = Parameter<Int>("lookback_max", .integer(min: 1, max: 10_000), default: 50,
                                                   "The longest horizon of a chartist (ticks); each trader's is uniform between the two.")
    public static let trend = Parameter<Double>("trend_bps", .number(min: 0.01, max: 100_000), default: 50,
                                                "A chartist buys with probability 1 / (1 + e^(−return / this)).")
    public static let chase = Parameter<Int>(
        "chase_bps", .integer(min: 0, max: 10_000), default: 10,
        "A chartist's order takes liquidity up to this far (basis points) past the best quote it saw; 0: a market order.")
    public static var parameters: [ParameterSpec] {
        [startChartists.spec, switchRate.spec, predisposition.spec, herding.spec, misalignment.spec, threshold.spec, bias.spec,
         lookbackMin.spec, lookbackMax.spec, trend.spec, chase.spec]
    }

    public var startChartists: Probability
    public var switchRate: Double
    public var predisposition: Double
    public var herding: Double
    public var misalignment: Double
    public var thresholdBasisPoints: Int
    public var biasBasisPoints: Int
    public var lookback: ClosedRange<Int>
    public var trendBasisPoints: Double
    public var chaseBasisPoints: Int
    public var maxLots: Int

    public init(startChartists: Double = startChartists.defaultValue, switchRate: Double = switchRate.defaultValue,
                predisposition: Double = predisposition.defaultValue, herding: Double = herding.defaultValue,
                misalignment: Double = misalignment.defaultValue, thresholdBasisPoints: Int = threshold.defaultValue,
                biasBasisPoints: Int = bias.defaultValue, lookback: ClosedRange<Int> = lookbackMin.defaultValue...lookbackMax.defaultValue,
                trendBasisPoints: Double = trend.defaultValue, chaseBasisPoints: Int = chase.defaultValue,
                maxLots: Int = TraderCommon.maxLots.defaultValue) {
        self.startChartists = Probability(startChartists)
        self.switchRate = switchRate
        self.predisposition = predisposition
        self.herding = herding
        self.misalignment = misalignment
        self.thresholdBasisPoints = thresholdBasisPoints
        self.biasBasisPoints = biasBasisPoints
        self.lookback = lookback
        self.trendBasisPoints = trendBasisPoints
        self.chaseBasisPoints = chaseBasisPoints
        self.maxLots = maxLots
    }

    public init(_ population: PopulationInput) throws(ModelBuildError) {
        let lo = population[Self.lookbackMin], hi = population[Self.lookbackMax]
        guard lo <= hi else {
            throw ModelBuildError(parameter: Self.lookbackMin.spec.name, "\(lo) is above lookback_max (\(hi))")
        }
        self.init(startChartists: population[Self.startChartists], switchRate: population[Self.switchRate],
                  predisposition: population[Self.predisposition], herding: population[Self.herding],
                  misalignment: population[Self.misalignment], thresholdBasisPoints: population[Self.threshold],
                  biasBasisPoints: population[Self.bias], lookback: lo...hi, trendBasisPoints: population[Self.trend],
                  chaseBasisPoints: population[Self.chase], maxLots: population[TraderCommon.maxLots])
    }

    public var historyTicks: Int { lookback.upperBound }

    public func initialState(random: inout AgentRandom) -> State {
        let chartist = random.bernoulli(startChartists)
        let span = UInt64(lookback.upperBound - lookback.lowerBound + 1)
        let horizon = lookback.lowerBound + Int(random.next() % span)
        let bias = biasBasisPoints > 0 ? Int(random.next() % UInt64(2 * biasBasisPoints + 1)) - biasBasisPoints : 0
        return State(chartist: chartist, lookback: UInt16(horizon), biasBasisPoints: Int16(bias))
    }

    public func tally(_ state: State) -> Int? { state.chartist ? 0 : nil }

    /// The attractiveness of fundamentalism over chartism, given the population's share of
    /// chartists and the mid's distance from the fundamental in percent of log price.
    @inlinable public func attractiveness(chartistShare c: Double, misalignmentPercent m: Double) -> Double {
        predisposition + herding * (1 - 2 * c) + misalignment * m * m
    }

    @inlinable @inline(__always) public func decide(_ turn: inout TraderTurn, state: inout State) {
        let market = turn.market
        let fundamental = turn.fundamental
        let m = 100 * log(Double(market.mid) / Double(Swift.max(1, fundamental)))
        let a = attractiveness(chartistShare: Double(turn.tally(0)) / Double(Swift.max(1, turn.populationSize)), misalignmentPercent: m)
        if turn.random.unit() < switchRate * exp(state.chartist ? a : -a) { state.chartist.toggle() }
        if state.chartist {
            let then = turn.mid(afterTick: turn.tick - Int(state.lookback))
            guard then > 0 else { return }
            let r = Double(market.mid - then) * 10_000 / Double(then)
            let buy = turn.random.unit() * (1 + exp(-r / trendBasisPoints)) < 1
            var limit: Price = 0
            if chaseBasisPoints > 0 {
                let best = buy ? (market.ask > 0 ? market.ask : market.mid) : (market.bid > 0 ? market.bid : market.mid)
                let reach = best * Int64(chaseBasisPoints) / 10_000
                limit = turn.orders.onGrid(buy ? best + reach : best - reach)
            }
            turn.orders.replace(buy ? .buy : .sell, price: limit, quantity: turn.lots(upTo: maxLots), timeInForce: .ioc)
        } else {
            var estimate = fundamental * (10_000 + Int64(state.biasBasisPoints)) / 10_000
            if turn.onNetwork { estimate = turn.withoutUnheardNews(estimate) }
            let margin = estimate * Int64(thresholdBasisPoints) / 10_000
            let buyAt = market.ask > 0 ? market.ask : market.mid
            let sellAt = market.bid > 0 ? market.bid : market.mid
            // It takes at most the best quote it saw, and rests the rest there: a fundamentalist
            // trades on value, and does not sweep the book.
            if buyAt < estimate - margin {
                turn.orders.replace(.buy, price: turn.orders.onGrid(Swift.min(estimate - margin, buyAt)), quantity: turn.lots(upTo: maxLots))
            } else if sellAt > estimate + margin {
                turn.orders.replace(.sell, price: turn.orders.onGrid(Swift.max(estimate + margin, sellAt)), quantity: turn.lots(upTo: maxLots))
            }
        }
    }
}
