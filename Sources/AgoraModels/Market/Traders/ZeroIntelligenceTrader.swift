import AgoraCore
import AgoraExchange

/// Gode and Sunder's zero-intelligence trader, budget-constrained: a random side, a limit price
/// uniform within ± `priceRangeBasisPoints` of the mid, 1 … `max_lots` lots.
public struct ZeroIntelligenceTrader: TraderStrategy {
    public static let kind = "zero_intelligence"
    public static let summary = "Budget-constrained random limit orders around the mid."

    public static let priceRange = Parameter<Int>("price_range_bps", .integer(min: 0, max: 10_000), default: 200,
                                                  "Limit prices are uniform within ± this many basis points of the mid.")
    public static var parameters: [ParameterSpec] { [priceRange.spec] }

    public var priceRangeBasisPoints: Int
    public var maxLots: Int

    public init(priceRangeBasisPoints: Int = priceRange.defaultValue, maxLots: Int = TraderCommon.maxLots.defaultValue) {
        self.priceRangeBasisPoints = priceRangeBasisPoints
        self.maxLots = maxLots
    }

    public init(_ population: PopulationInput) {
        self.init(priceRangeBasisPoints: population[Self.priceRange], maxLots: population[TraderCommon.maxLots])
    }

    @inlinable @inline(__always) public func decide(_ turn: inout TraderTurn, state: inout NoTraderState) {
        let side: Side = turn.random.next() & 1 == 0 ? .buy : .sell
        let spanBps = Int64(turn.random.next() % UInt64(priceRangeBasisPoints + 1))
        let mid = turn.market.mid, offset = mid * spanBps / 10_000
        let price = turn.orders.onGrid(side == .buy ? mid - offset : mid + offset)
        turn.orders.replace(side, price: price, quantity: turn.lots(upTo: maxLots))
    }
}
