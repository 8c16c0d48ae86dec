import AgoraCore
import AgoraExchange
import Foundation

/// A patient liquidity provider: a random side, and a post-only limit order behind the best quote
/// on that side, at a distance drawn from a power law. Zovko and Farmer ("The power of patience: a
/// behavioural regularity in limit-order placement", Quantitative Finance 2002) measured that the
/// distance of new limit orders from the best price falls off as a power law with an exponent near
/// 1.5; Bouchaud, Mézard and Potters (2002) found the same on the Paris Bourse.
///
/// The distance is `placement_ticks · (u^(−1/placement_exponent) − 1)` ticks, u uniform in (0, 1],
/// held within `max_placement_ticks`: most orders join the queue at or near the best price, a few
/// rest far away. An order that would cross (the market moved since the trader looked) is
/// refused, so a patient trader only ever gives liquidity. Each turn its resting order is replaced,
/// so orders live for about 1 / `activity` ticks.
public struct PatientTrader: TraderStrategy {
    public static let kind = "patient"
    public static let summary = "Post-only limit orders behind the best quote, at power-law distances (Zovko–Farmer)."

    public static let placement = Parameter<Double>("placement_ticks", .number(min: 0.01, max: 1_000_000), default: 5,
                                                    "The scale of an order's distance behind the best quote, in ticks.")
    public static let exponent = Parameter<Double>("placement_exponent", .number(min: 0.1, max: 10), default: 1.5,
                                                   "The tail exponent of that distance.")
    public static let maxPlacement = Parameter<Int>("max_placement_ticks", .integer(min: 0, max: 10_000_000), default: 1_000,
                                                    "The farthest an order rests behind the best quote, in ticks.")
    public static var parameters: [ParameterSpec] { [placement.spec, exponent.spec, maxPlacement.spec] }

    public var placementTicks: Double
    public var placementExponent: Double
    public var maxPlacementTicks: Int
    public var maxLots: Int

    public init(placementTicks: Double = placement.defaultValue, placementExponent: Double = exponent.defaultValue,
                maxPlacementTicks: Int = maxPlacement.defaultValue, maxLots: Int = TraderCommon.maxLots.defaultValue) {
        self.placementTicks = placementTicks
        self.placementExponent = placementExponent
        self.maxPlacementTicks = maxPlacementTicks
        self.maxLots = maxLots
    }

    public init(_ population: PopulationInput) {
        self.init(placementTicks: population[Self.placement], placementExponent: population[Self.exponent],
                  maxPlacementTicks: population[Self.maxPlacement], maxLots: population[TraderCommon.maxLots])
    }

    @inlinable @inline(__always) public func decide(_ turn: inout TraderTurn, state: inout NoTraderState) {
        let buy = turn.random.next() & 1 == 0
        let market = turn.market
        let best = buy ? (market.bid > 0 ? market.bid : market.mid) : (market.ask > 0 ? market.ask : market.mid)
        let u = Double((turn.random.next() >> 11) + 1) * 0x1p-53
        let distance = Int64(Swift.min(Double(maxPlacementTicks), placementTicks * (pow(u, -1 / placementExponent) - 1)))
        let step = distance * turn.orders.tickSize
        let price = turn.orders.onGrid(buy ? best - step : best + step)
        turn.orders.replace(buy ? .buy : .sell, price: price, quantity: turn.lots(upTo: maxLots), postOnly: true)
    }
}
