import AgoraCore
import AgoraExchange

/// A market maker: every turn it cancels its two quotes and posts new ones at mid ± `halfSpreadTicks`
/// ticks, shifted against its inventory by `skewTicks` per quarter of `inventoryLimit`, with no
/// quote on the side that would take inventory past the limit.
public struct MarketMaker: TraderStrategy {
    public static let kind = "market_maker"
    public static let summary = "Quotes both sides around the mid, skewed against its inventory."
    public static var defaultActivity: Double { 1 }

    public static let halfSpread = Parameter<Int>("half_spread_ticks", .integer(min: 1, max: 100_000), default: 2, "Quotes at mid ± this many ticks.")
    public static let quoteSize = Parameter<Int>("quote_lots", .integer(min: 1, max: 1_000_000), default: 10, "Lots per quote.")
    public static let inventory = Parameter<Int>("inventory_limit", .integer(min: 1, max: Int(Int32.max)), default: 500,
                                                 "No quote on the side that would take inventory past ± this many shares.")
    public static let skew = Parameter<Int>("skew_ticks", .integer(min: 0, max: 100_000), default: 1,
                                            "Quotes shift against inventory by this many ticks per quarter of the limit.")
    public static var parameters: [ParameterSpec] { [halfSpread.spec, quoteSize.spec, inventory.spec, skew.spec] }

    public var halfSpreadTicks: Int
    public var quoteLots: Int
    public var inventoryLimit: Int
    public var skewTicks: Int

    public init(halfSpreadTicks: Int = halfSpread.defaultValue, quoteLots: Int = quoteSize.defaultValue,
                inventoryLimit: Int = inventory.defaultValue, skewTicks: Int = skew.defaultValue) {
        self.halfSpreadTicks = halfSpreadTicks
        self.quoteLots = quoteLots
        self.inventoryLimit = inventoryLimit
        self.skewTicks = skewTicks
    }

    public init(_ population: PopulationInput) {
        self.init(halfSpreadTicks: population[Self.halfSpread], quoteLots: population[Self.quoteSize],
                  inventoryLimit: population[Self.inventory], skewTicks: population[Self.skew])
    }

    @inlinable @inline(__always) public func decide(_ turn: inout TraderTurn, state: inout NoTraderState) {
        let orders = turn.orders
        orders.cancelResting()
        let inventory = turn.position - turn.startPosition
        let limit = Int64(inventoryLimit)
        let skew = Int64(skewTicks) * inventory / Swift.max(1, limit / 4)
        let size = Quantity(quoteLots) * orders.lotSize
        let mid = turn.market.mid, ts = orders.tickSize
        let bidPrice = orders.onGrid(mid - (Int64(halfSpreadTicks) + skew) * ts)
        let askPrice = orders.onGrid(mid + (Int64(halfSpreadTicks) - skew) * ts)
        // Released reservations only come back after this tick's cancels run, so the new quotes
        // are sized to what is free now.
        if inventory < limit && bidPrice > 0 && orders.freeCash >= bidPrice * size { orders.quote(.buy, price: bidPrice, quantity: size) }
        if inventory > -limit && orders.sellable >= size && askPrice > bidPrice { orders.quote(.sell, price: askPrice, quantity: size) }
    }
}
