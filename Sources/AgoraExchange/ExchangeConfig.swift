import AgoraCore

/// One traded instrument and its rules.
public struct Instrument: Sendable, Hashable {
    public var name: String
    /// Prices must be multiples of this (in price units, e.g. cents).
    public var tickSize: Price
    /// Quantities must be multiples of this.
    public var lotSize: Quantity
    /// The reference price of day 0 (price units); later days use the previous close.
    public var referencePrice: Price
    /// The daily price band: limit prices more than this many basis points from the reference are
    /// rejected (`priceOutsideBand`). `nil`: no band.
    public var bandBasisPoints: Int?

    public init(name: String, tickSize: Price = 1, lotSize: Quantity = 1, referencePrice: Price, bandBasisPoints: Int? = 2_000) {
        precondition(tickSize >= 1 && lotSize >= 1, "tick and lot sizes are positive")
        precondition(referencePrice >= tickSize && referencePrice % tickSize == 0, "the reference price must lie on the tick grid")
        self.name = name
        self.tickSize = tickSize
        self.lotSize = lotSize
        self.referencePrice = referencePrice
        self.bandBasisPoints = bandBasisPoints
    }
}

/// Fees in basis points of notional, charged on every fill (negative: a rebate). Integer
/// arithmetic, truncated toward zero.
public struct FeeSchedule: Sendable, Hashable {
    public var makerBasisPoints: Int64
    public var takerBasisPoints: Int64

    public init(makerBasisPoints: Int64 = 0, takerBasisPoints: Int64 = 0) {
        self.makerBasisPoints = makerBasisPoints
        self.takerBasisPoints = takerBasisPoints
    }

    @inlinable public static func fee(notional: Int64, basisPoints: Int64) -> Int64 {
        (notional / 10_000) * basisPoints + (notional % 10_000) * basisPoints / 10_000
    }
}

/// A volatility halt: when a trade in continuous trading moves the price more than `moveBasisPoints`
/// from the halt reference (the day's reference, reset at each reopening), the instrument stops
/// matching for `ticks` ticks, collects orders like a call, and reopens with an uncross.
public struct HaltRule: Sendable, Hashable {
    public var moveBasisPoints: Int
    public var ticks: Int

    public init(moveBasisPoints: Int, ticks: Int) {
        precondition(moveBasisPoints > 0 && ticks >= 1, "a halt needs a positive move and at least one tick")
        self.moveBasisPoints = moveBasisPoints
        self.ticks = ticks
    }
}

/// What accounts may do.
public struct AccountRules: Sendable, Hashable {
    /// Sell more than is held (position goes negative).
    public var allowShort: Bool
    /// Buy without the cash (cash goes negative).
    public var allowMargin: Bool
    /// Shares bought today can be sold only from the next day.
    public var tPlusOne: Bool

    public init(allowShort: Bool = false, allowMargin: Bool = false, tPlusOne: Bool = false) {
        self.allowShort = allowShort
        self.allowMargin = allowMargin
        self.tPlusOne = tPlusOne
    }
}

/// Everything fixed about an exchange.
public struct ExchangeConfig: Sendable, Hashable {
    public var instruments: [Instrument]
    public var schedule: SessionSchedule
    public var fees: FeeSchedule
    public var accounts: AccountRules
    public var selfTradePrevention: SelfTradePrevention
    /// Levels per side in each market-data snapshot.
    public var depth: Int
    /// How many past snapshots are kept, for agents that see the market with a delay.
    public var maxLatencyTicks: Int
    /// `nil`: no volatility halts.
    public var halt: HaltRule?

    public init(instruments: [Instrument], schedule: SessionSchedule, fees: FeeSchedule = FeeSchedule(),
                accounts: AccountRules = AccountRules(), selfTradePrevention: SelfTradePrevention = .none,
                depth: Int = 5, maxLatencyTicks: Int = 0, halt: HaltRule? = nil) {
        precondition(!instruments.isEmpty, "an exchange lists at least one instrument")
        precondition(instruments.count <= Int(UInt16.max), "too many instruments")
        precondition(depth >= 1 && maxLatencyTicks >= 0, "depth ≥ 1, latency ≥ 0")
        self.instruments = instruments
        self.schedule = schedule
        self.fees = fees
        self.accounts = accounts
        self.selfTradePrevention = selfTradePrevention
        self.depth = depth
        self.maxLatencyTicks = maxLatencyTicks
        self.halt = halt
    }
}
