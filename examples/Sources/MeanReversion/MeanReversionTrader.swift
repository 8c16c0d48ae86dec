import Agora

/// A trader kind from outside Agora: it bets that the mid returns to where it was `window` ticks
/// ago — buying at the mid when it has fallen more than `band_bps` below, selling when it has risen
/// as far — and counts its orders in its own per-trader state.
public struct MeanReversionTrader: TraderStrategy {
    public struct State: BitwiseCopyable {
        public var orders: Int32 = 0
    }
    public typealias AgentState = State

    public static let kind = "mean_reversion"
    public static let summary = "Bets that the mid returns to where it was a few ticks ago."
    public static let windowParameter = Parameter<Int>("window", .integer(min: 1, max: 1_000), default: 10, "Ticks looked back.")
    public static let band = Parameter<Int>("band_bps", .integer(min: 1, max: 5_000), default: 20, "How far the mid must have moved.")
    public static var parameters: [ParameterSpec] { [windowParameter.spec, band.spec] }

    public var window: Int
    public var bandBasisPoints: Int
    public var maxLots: Int

    public init(_ population: PopulationInput) {
        window = population[Self.windowParameter]
        bandBasisPoints = population[Self.band]
        maxLots = population[TraderCommon.maxLots]
    }

    public var historyTicks: Int { window }

    public func initialState(random: inout AgentRandom) -> State { State() }

    @inlinable public func decide(_ turn: inout TraderTurn, state: inout State) {
        let then = turn.mid(afterTick: turn.tick - window), mid = turn.market.mid
        guard then > 0 else { return }
        let move = (mid - then) * 10_000 / then
        guard abs(move) > bandBasisPoints else { return }
        turn.orders.replace(move < 0 ? .buy : .sell, price: turn.orders.onGrid(mid), quantity: turn.lots(upTo: maxLots))
        state.orders += 1
    }
}

/// The market model with Agora's trader kinds and this one.
public let marketWithMeanReversion = ModelCatalog.market(traders: MarketTraders.builtIn + [MeanReversionTrader.self])
