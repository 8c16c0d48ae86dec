import AgoraCore
import AgoraExchange

/// A noise trader: buys with `buyProbability` (on a network, leaning with its sentiment), by
/// market order with `marketShare`, else by a limit within ± `offsetTicks` ticks of the mid.
public struct NoiseTrader: TraderStrategy {
    public static let kind = "noise"
    public static let summary = "Random market orders and limit orders near the mid."

    public static let marketShareParameter = Parameter<Double>("market_share", .probability, default: 0.3, "Share of orders sent as market orders.")
    public static let offset = Parameter<Int>("offset_ticks", .integer(min: 0, max: 100_000), default: 5,
                                              "Limit orders lie within ± this many ticks of the mid.")
    public static let buy = Parameter<Double>("buy_probability", .probability, default: 0.5, "Chance that an order is a buy.")
    public static let sentiment = Parameter<Double>("sentiment_weight", .number(min: -1, max: 1), default: 0,
                                                    "The buy probability moves by this × sentiment (−1 … 1).", onlyWith: .network)
    public static var parameters: [ParameterSpec] { [marketShareParameter.spec, offset.spec, buy.spec, sentiment.spec] }

    public var marketShare: Probability
    public var offsetTicks: Int
    public var buyProbability: Probability
    public var sentimentWeight: Double
    public var maxLots: Int

    public init(marketShare: Double = marketShareParameter.defaultValue, offsetTicks: Int = offset.defaultValue,
                buyProbability: Double = buy.defaultValue, sentimentWeight: Double = sentiment.defaultValue,
                maxLots: Int = TraderCommon.maxLots.defaultValue) {
        self.marketShare = Probability(marketShare)
        self.offsetTicks = offsetTicks
        self.buyProbability = Probability(buyProbability)
        self.sentimentWeight = sentimentWeight
        self.maxLots = maxLots
    }

    public init(_ population: PopulationInput) {
        self.init(marketShare: population[Self.marketShareParameter], offsetTicks: population[Self.offset],
                  buyProbability: population[Self.buy], sentimentWeight: population[Self.sentiment], maxLots: population[TraderCommon.maxLots])
    }

    @inlinable @inline(__always) public func decide(_ turn: inout TraderTurn, state: inout NoTraderState) {
        var buy = buyProbability
        if sentimentWeight != 0, turn.sentiment != 0 {
            buy = Probability(min(1, max(0, buy.value + sentimentWeight * Double(turn.sentiment) / 1000)))
        }
        let side: Side = turn.random.bernoulli(buy) ? .buy : .sell
        if turn.random.bernoulli(marketShare) {
            turn.orders.replace(side, price: 0, quantity: turn.lots(upTo: maxLots))
        } else {
            let k = Int64(turn.random.next() % UInt64(2 * offsetTicks + 1)) - Int64(offsetTicks)
            let price = turn.orders.onGrid(turn.market.mid + (side == .buy ? -k : k) * turn.orders.tickSize)
            turn.orders.replace(side, price: price, quantity: turn.lots(upTo: maxLots))
        }
    }
}
