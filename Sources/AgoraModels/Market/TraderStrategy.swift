import AgoraCore
import AgoraEngine
import AgoraExchange

/// A kind of trader for the `market` model: what a population of it does when one of its traders
/// acts. Agora's own kinds (zero_intelligence, noise, fundamentalist, momentum, market_maker) are
/// strategies like any a researcher writes in their own package; a scenario names a strategy by
/// its `kind` once it is registered (`MarketTraders`).
///
/// A strategy is a value built once per population from its parameters (declared once, with their
/// defaults, in `parameters`). The market keeps for each trader the state every kind has —
/// instrument, account, resting orders — and, when the strategy asks for it, a small `AgentState`
/// of its own (a fundamentalist's private bias), which is checkpointed with the run.
///
/// Each tick the market runs a population's acting traders in id order through `decide`, from a
/// loop specialised for the strategy's type (one dynamic call per shard and population, none per
/// trader). `decide` reads the trader's `TraderTurn` — what it sees, its account, its own random
/// stream — and sends orders through `turn.orders`, which holds the budget, lot and tick rules.
/// Everything it reads is keyed by (seed, tick, agent), so the run is the same for any shard,
/// thread or process count.
public protocol TraderStrategy: Sendable {
    /// What the market keeps per trader for this strategy (plain data; `NoTraderState` for none).
    associatedtype AgentState: BitwiseCopyable = NoTraderState

    /// The name a scenario gives as a population's `kind`.
    static var kind: String { get }
    /// One line for `agora models`.
    static var summary: String { get }
    /// Its own parameters; those every trader has (`TraderCommon.parameters`) are added by the market.
    static var parameters: [ParameterSpec] { get }
    /// The default of the common `activity` parameter for this kind (market makers quote every tick).
    static var defaultActivity: Double { get }

    /// The strategy of one population, from its validated parameters (defaults filled in).
    init(_ population: PopulationInput) throws(ModelBuildError)

    /// Ticks of mid-price history `decide` reads through `turn.mid(afterTick:)` (0: none).
    var historyTicks: Int { get }

    /// A trader's state at the start, drawn from its setup stream (after its instrument).
    func initialState(random: inout AgentRandom) -> AgentState

    /// One turn of one trader that acts this tick: look, then send orders through `turn.orders`.
    func decide(_ turn: inout TraderTurn, state: inout AgentState)

    /// The turns of a population's traders in one shard and tick. Leave it to the default, which
    /// the compiler specialises for each strategy's type: the market calls it once per shard and
    /// population, and it calls `decide` for each acting trader without dynamic dispatch.
    func takeTurns(_ turns: PopulationTurns)
}

/// The state of a strategy that keeps none.
public struct NoTraderState: BitwiseCopyable, Sendable {
    public init() {}
}

extension TraderStrategy {
    public static var defaultActivity: Double { 0.02 }
    public var historyTicks: Int { 0 }
}

extension TraderStrategy where AgentState == NoTraderState {
    public func initialState(random: inout AgentRandom) -> NoTraderState { NoTraderState() }
}

/// What the tag of an order says it is, so that its acceptance fills the right slot: a trader has
/// two resting-order slots (most kinds use the first; a market maker quotes in both). The values
/// are recorded in the `order` event's `tag` column.
public enum OrderTag: UInt32, Sendable {
    /// An order that replaces the trader's resting one (first slot).
    case order = 0
    /// A market maker's bid (first slot) and ask (second slot).
    case bidQuote = 1
    case askQuote = 2

    /// Whether an accepted order with this tag goes in the second slot.
    @inlinable public static func isSecondSlot(_ tag: UInt32) -> Bool { tag == OrderTag.askQuote.rawValue }
}

// MARK: what the market does with a strategy's type

extension TraderStrategy {
    /// The initial states of `agents` (a population's traders this process keeps), drawn from their
    /// setup streams after the instrument; nil when the strategy keeps no state.
    func initialStates(_ agents: Range<Int>, setup: TickRandom) -> AnyObject? {
        guard MemoryLayout<AgentState>.size > 0 else { return nil }
        precondition(MemoryLayout<AgentState>.alignment <= 16, "a trader's state is plain data of small alignment")
        let column = Column<AgentState>(uninitializedWindow: agents)
        for i in agents {
            var r = setup.agent(i)
            _ = r.next()  // the instrument
            column.pointer[i] = initialState(random: &r)
        }
        return column
    }

    /// The id-indexed address of the states in `states` (the column `initialStates` made).
    static func statePointer(_ states: AnyObject?) -> UnsafeMutableRawPointer? {
        (states as? Column<AgentState>).map { UnsafeMutableRawPointer($0.pointer) }
    }
}
