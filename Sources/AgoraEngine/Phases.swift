import AgoraCore

/// The phases of a tick, in the order they run. Each phase is a barrier: every shard finishes it
/// before any shard starts the next.
///
/// - observe: agents read the world as it stood at the end of the last tick.
/// - decide: agents choose what to do; messages to other agents go into the outbox.
/// - submit: agents hand orders and posts to the shared services (exchange, network).
/// - match: the shared services process what was submitted, in a fixed order (runs once, serially).
/// - propagate: each shard receives its messages, in the canonical order, and updates its agents.
/// - record: each shard records its events; the engine folds them into the tick's digest.
public struct Phases: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let observe = Phases(rawValue: 1 << 0)
    public static let decide = Phases(rawValue: 1 << 1)
    public static let submit = Phases(rawValue: 1 << 2)
    public static let match = Phases(rawValue: 1 << 3)
    public static let propagate = Phases(rawValue: 1 << 4)
    public static let record = Phases(rawValue: 1 << 5)

    public static let all: Phases = [.observe, .decide, .submit, .match, .propagate, .record]
}

/// What a shard knows while it runs a phase: which agents are its own and what time it is.
public struct ShardContext: Sendable {
    public let shard: Int
    public let agents: Range<Int>
    public let tick: Tick
    public let layout: ShardLayout

    public init(shard: Int, agents: Range<Int>, tick: Tick, layout: ShardLayout) {
        self.shard = shard
        self.agents = agents
        self.tick = tick
        self.layout = layout
    }
}
