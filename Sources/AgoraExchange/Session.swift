/// The parts of a trading day, in order.
public enum SessionPhase: UInt8, Sendable, Hashable, CaseIterable {
    /// Pre-open call: orders and cancels are collected, nothing trades.
    case preOpen = 0
    /// The end of the pre-open call: new orders still accepted, cancels and changes refused.
    case preOpenNoCancel = 1
    /// Continuous trading.
    case continuous = 2
    /// Closing call: orders collected for the closing uncross.
    case closingCall = 3
    /// No orders accepted.
    case closed = 4

    public var isCall: Bool { self == .preOpen || self == .preOpenNoCancel || self == .closingCall }
}

/// When each phase runs, in ticks within a day of `ticksPerDay`. The opening uncross runs at the
/// end of the last pre-open tick, the closing uncross at the end of the last closing-call tick.
///
/// Day layout: `[preOpen][continuous][closingCall][closed]`, the last `noCancel` ticks of the
/// pre-open being the no-cancel window. With `preOpen == 0` and `closingCall == 0`, every tick is
/// continuous (as long as `closed == 0`).
public struct SessionSchedule: Sendable, Hashable {
    public var ticksPerDay: Int
    public var preOpen: Int
    public var noCancel: Int
    public var closingCall: Int
    public var closed: Int

    public init(ticksPerDay: Int, preOpen: Int = 0, noCancel: Int = 0, closingCall: Int = 0, closed: Int = 0) {
        precondition(ticksPerDay >= 1, "a day has at least one tick")
        precondition(preOpen >= 0 && noCancel >= 0 && closingCall >= 0 && closed >= 0, "phase lengths are not negative")
        precondition(noCancel <= preOpen, "the no-cancel window is part of the pre-open")
        precondition(preOpen + closingCall + closed < ticksPerDay, "a day needs at least one continuous tick")
        self.ticksPerDay = ticksPerDay
        self.preOpen = preOpen
        self.noCancel = noCancel
        self.closingCall = closingCall
        self.closed = closed
    }

    /// Continuous trading every tick.
    public static func continuous(ticksPerDay: Int) -> SessionSchedule { SessionSchedule(ticksPerDay: ticksPerDay) }

    public func day(of tick: Int) -> Int { tick / ticksPerDay }

    public func phase(at tick: Int) -> SessionPhase {
        let t = tick % ticksPerDay
        if t < preOpen { return t >= preOpen - noCancel ? .preOpenNoCancel : .preOpen }
        let continuousEnd = ticksPerDay - closingCall - closed
        if t < continuousEnd { return .continuous }
        if t < ticksPerDay - closed { return .closingCall }
        return .closed
    }

    /// True when the book uncrosses at the end of `tick` (the last tick of a call).
    public func uncrossesAfter(_ tick: Int) -> Bool {
        let t = tick % ticksPerDay
        return (preOpen > 0 && t == preOpen - 1) || (closingCall > 0 && t == ticksPerDay - closed - 1)
    }

    /// True when `tick` is the last of its day.
    public func endsDay(_ tick: Int) -> Bool { tick % ticksPerDay == ticksPerDay - 1 }
}
