import AgoraCore
import AgoraExchange

/// A fundamentalist: buys when the best ask (or, with no quote, the mid) is below its estimate of
/// the fundamental value by more than `thresholdBasisPoints`, with a limit at the estimate less the
/// threshold — taking every offer up to there and bidding the rest — and sells symmetrically. Its
/// estimate is the fundamental with a private bias drawn once (its `AgentState`); on a network it
/// leaves out the news it has not heard and leans with its sentiment.
public struct Fundamentalist: TraderStrategy {
    public typealias AgentState = Int32

    public static let kind = "fundamentalist"
    public static let summary = "Buys below and sells above its estimate of the fundamental value."

    public static let threshold = Parameter<Int>("threshold_bps", .integer(min: 0, max: 10_000), default: 50,
                                                 "Trades when the price is this far (basis points) from its estimate.")
    public static let bias = Parameter<Int>("bias_bps", .integer(min: 0, max: 5_000), default: 100,
                                            "Each trader's private bias on the fundamental, uniform within ± this.")
    public static let sentiment = Parameter<Int>("sentiment_bps", .integer(min: -5_000, max: 5_000), default: 0,
                                                 "The estimate moves by this many basis points × sentiment (−1 … 1).", onlyWith: .network)
    public static var parameters: [ParameterSpec] { [threshold.spec, bias.spec, sentiment.spec] }

    public var thresholdBasisPoints: Int
    public var biasBasisPoints: Int
    public var sentimentBasisPoints: Int
    public var maxLots: Int

    public init(thresholdBasisPoints: Int = threshold.defaultValue, biasBasisPoints: Int = bias.defaultValue,
                sentimentBasisPoints: Int = sentiment.defaultValue, maxLots: Int = TraderCommon.maxLots.defaultValue) {
        self.thresholdBasisPoints = thresholdBasisPoints
        self.biasBasisPoints = biasBasisPoints
        self.sentimentBasisPoints = sentimentBasisPoints
        self.maxLots = maxLots
    }

    public init(_ population: PopulationInput) {
        self.init(thresholdBasisPoints: population[Self.threshold], biasBasisPoints: population[Self.bias],
                  sentimentBasisPoints: population[Self.sentiment], maxLots: population[TraderCommon.maxLots])
    }

    /// The private bias in basis points, uniform in ± `biasBasisPoints` (none drawn when 0).
    public func initialState(random: inout AgentRandom) -> Int32 {
        guard biasBasisPoints > 0 else { return 0 }
        return Int32(Int(random.next() % UInt64(2 * biasBasisPoints + 1)) - biasBasisPoints)
    }

    @inlinable @inline(__always) public func decide(_ turn: inout TraderTurn, state bias: inout Int32) {
        var estimate = turn.fundamental * (10_000 + Int64(bias)) / 10_000
        if turn.onNetwork {
            estimate = turn.withoutUnheardNews(estimate)
            estimate += estimate * Int64(sentimentBasisPoints) * Int64(turn.sentiment) / 10_000_000
        }
        let margin = estimate * Int64(thresholdBasisPoints) / 10_000
        let market = turn.market
        let buyAt = market.ask > 0 ? market.ask : market.mid
        let sellAt = market.bid > 0 ? market.bid : market.mid
        if buyAt < estimate - margin {
            turn.orders.replace(.buy, price: turn.orders.onGrid(estimate - margin), quantity: turn.lots(upTo: maxLots))
        } else if sellAt > estimate + margin {
            turn.orders.replace(.sell, price: turn.orders.onGrid(estimate + margin), quantity: turn.lots(upTo: maxLots))
        }
    }
}
