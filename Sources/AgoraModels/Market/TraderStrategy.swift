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

    /// Names of counts the strategy keeps of its whole population (none by default). At the end of
    /// every tick the market counts the population's traders by `tally(_:)`, over every shard and
    /// process, and shows the counts to each of its traders the next tick (`turn.tally(k)`): how a
    /// trader herds with its population, as a switching trader reads the share of chartists. Each
    /// is also a metric of the run, `<kind>.<name>`, the share of the population it counts.
    static var tallies: [String] { get }

    /// The tally a trader in `state` counts in (an index into `tallies`), or nil for none.
    func tally(_ state: AgentState) -> Int?

    /// Adds the tallies of `agents` (a population's traders in one shard) to `counts`. Leave it to
    /// the default, which reads each trader's state without dynamic dispatch.
    func countTallies(_ agents: Range<Int>, states: UnsafeMutableRawPointer?, into counts: UnsafeMutablePointer<Int64>)

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
    public static var tallies: [String] { [] }
    public func tally(_ state: AgentState) -> Int? { nil }

    @inlinable public func countTallies(_ agents: Range<Int>, states: UnsafeMutableRawPointer?, into counts: UnsafeMutablePointer<Int64>) {
        guard let states = states?.assumingMemoryBound(to: AgentState.self), !Self.tallies.isEmpty else { return }
        for i in agents {
            if let k = tally(states[i]) {
                assert(k >= 0 && k < Self.tallies.count, "a tally's index is within the strategy's tallies")
                counts[k] += 1
            }
        }
    }
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

    /// The tallies of `agents` (a whole population, in every process) as they start: each trader's
    /// initial state drawn as `initialStates` draws it, and counted.
    func initialTallies(_ agents: Range<Int>, setup: TickRandom) -> [Int64] {
        var counts = [Int64](repeating: 0, count: Self.tallies.count)
        guard !counts.isEmpty else { return counts }
        for i in agents {
            var r = setup.agent(i)
            _ = r.next()  // the instrument
            if let k = tally(initialState(random: &r)) { counts[k] += 1 }
        }
        return counts
    }

    /// The id-indexed address of the states in `states` (the column `initialStates` made).
    static func statePointer(_ states: AnyObject?) -> UnsafeMutableRawPointer? {
        (states as? Column<AgentState>).map { UnsafeMutableRawPointer($0.pointer) }
    }
}
