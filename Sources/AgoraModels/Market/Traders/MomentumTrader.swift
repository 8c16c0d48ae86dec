import AgoraCore
import AgoraExchange

/// A chartist: buys (sells) with a market order when the mid's return over `lookback` ticks
/// exceeds (falls below −) `thresholdBasisPoints`.
public struct MomentumTrader: TraderStrategy {
    public static let kind = "momentum"
    public static let summary = "Chartist: follows the trend of the mid over a lookback."

    public static let lookbackParameter = Parameter<Int>("lookback", .integer(min: 1, max: 10_000), default: 20,
                                                         "Ticks over which the return is measured.")
    public static let threshold = Parameter<Int>("threshold_bps", .integer(min: 0, max: 10_000), default: 30,
                                                 "Buys (sells) with a market order when the return exceeds (falls below −) this.")
    public static var parameters: [ParameterSpec] { [lookbackParameter.spec, threshold.spec] }

    public var lookback: Int
    public var thresholdBasisPoints: Int
    public var maxLots: Int

    public init(lookback: Int = lookbackParameter.defaultValue, thresholdBasisPoints: Int = threshold.defaultValue,
                maxLots: Int = TraderCommon.maxLots.defaultValue) {
        self.lookback = lookback
        self.thresholdBasisPoints = thresholdBasisPoints
        self.maxLots = maxLots
    }

    public init(_ population: PopulationInput) {
        self.init(lookback: population[Self.lookbackParameter], thresholdBasisPoints: population[Self.threshold],
                  maxLots: population[TraderCommon.maxLots])
    }

    public var historyTicks: Int { lookback }

    @inlinable @inline(__always) public func decide(_ turn: inout TraderTurn, state: inout NoTraderState) {
        let then = turn.mid(afterTick: turn.tick - lookback)
        guard then > 0 else { return }
        let returnBps = (turn.market.mid - then) * 10_000 / then
        if returnBps > Int64(thresholdBasisPoints) {
            turn.orders.replace(.buy, price: 0, quantity: turn.lots(upTo: maxLots))
        } else if returnBps < -Int64(thresholdBasisPoints) {
            turn.orders.replace(.sell, price: 0, quantity: turn.lots(upTo: maxLots))
        }
    }
}
