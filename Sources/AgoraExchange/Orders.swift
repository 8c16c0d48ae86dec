import AgoraCore

/// Which side of the book an order is on.
public enum Side: UInt8, Sendable, Hashable, CaseIterable, BitwiseCopyable {
    case buy = 0
    case sell = 1

    public var opposite: Side { self == .buy ? .sell : .buy }
}

/// How long an order may live.
public enum TimeInForce: UInt8, Sendable, Hashable, CaseIterable, BitwiseCopyable {
    /// Good till cancelled: rests until filled or cancelled.
    case gtc = 0
    /// Rests until the end of the trading day (the session expires it).
    case day = 1
    /// Immediate or cancel: trades what it can now, the rest is cancelled.
    case ioc = 2
    /// Fill or kill: trades in full now or not at all.
    case fok = 3
    /// Valid for the next uncross only: what the auction does not fill is cancelled. Market orders
    /// sent during a call become auction-only limit orders at the edge of the price range.
    case auction = 4
}

/// Whether a book matches on arrival (continuous trading) or collects orders for an uncross (call).
public enum BookMode: UInt8, Sendable, Hashable {
    case continuous = 0
    case call = 1
}

/// An order as submitted. Market orders carry no price.
public struct NewOrder: Sendable, Hashable {
    public var id: UInt64
    /// The agent that owns the order (used for self-trade prevention and accounts).
    public var owner: UInt32
    public var side: Side
    /// `nil` for a market order.
    public var price: Price?
    public var quantity: Quantity
    public var timeInForce: TimeInForce
    /// A post-only order is rejected rather than trade on arrival: it only ever makes liquidity.
    public var postOnly: Bool

    public init(id: UInt64, owner: UInt32 = 0, side: Side, price: Price?, quantity: Quantity,
                timeInForce: TimeInForce = .gtc, postOnly: Bool = false) {
        self.id = id
        self.owner = owner
        self.side = side
        self.price = price
        self.quantity = quantity
        self.timeInForce = timeInForce
        self.postOnly = postOnly
    }

    public static func limit(_ id: UInt64, _ side: Side, _ price: Price, _ quantity: Quantity, owner: UInt32 = 0,
                             timeInForce: TimeInForce = .gtc, postOnly: Bool = false) -> NewOrder {
        NewOrder(id: id, owner: owner, side: side, price: price, quantity: quantity, timeInForce: timeInForce, postOnly: postOnly)
    }

    public static func market(_ id: UInt64, _ side: Side, _ quantity: Quantity, owner: UInt32 = 0) -> NewOrder {
        NewOrder(id: id, owner: owner, side: side, price: nil, quantity: quantity, timeInForce: .ioc)
    }
}

/// A command to an order book.
public enum BookCommand: Sendable, Hashable {
    case submit(NewOrder)
    case cancel(id: UInt64)
    /// Lowers the resting quantity by `by`, keeping time priority.
    case reduce(id: UInt64, by: Quantity)
    /// Replaces price and quantity (the new total remaining). A price change or a larger
    /// quantity loses time priority (the order re-enters and may trade); a smaller quantity at the
    /// same price keeps it.
    case modify(id: UInt64, price: Price, quantity: Quantity)
}

/// Why a command was refused or an order ended early. Codes are grouped by subsystem and stable:
/// they are written to event logs. docs/exchange.md lists them.
public enum Reason: UInt16, Sendable, Hashable, CaseIterable, BitwiseCopyable {
    case none = 0
    // 1xx: the order itself
    case invalidQuantity = 101
    case invalidPrice = 102
    case priceNotOnTick = 103
    case quantityNotOnLot = 104
    case priceOutsideBand = 105
    case priceOutsideRange = 106
    case invalidOrderType = 107
    case duplicateOrderID = 108
    case unknownSymbol = 109
    // 2xx: the session
    case marketClosed = 201
    case noCancelWindow = 202
    case tradingHalted = 203
    case dayOrderExpired = 204
    // 3xx: the book
    case unknownOrder = 301
    case postOnlyWouldCross = 302
    case fillOrKillNotFilled = 303
    case noLiquidity = 304
    case immediateOrCancelRest = 305
    case selfTradePrevented = 306
    case cancelledByOwner = 307
    case auctionRest = 308
    // 4xx: the account
    case insufficientCash = 401
    case insufficientPosition = 402
    case notSellableYet = 403
}

/// Everything a book says about a command, one value per event; plain data, no allocation.
public struct BookEvent: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable, Hashable, BitwiseCopyable {
        /// The order was accepted; fills (if any) follow.
        case accepted = 0
        /// One trade: `orderID` is the incoming (taker) order, `counterID` the resting (maker) one,
        /// at the maker's price. `remaining` is the taker's remaining quantity after this trade,
        /// `counterRemaining` the maker's.
        case fill = 1
        /// The order left the book (or never rested) with `remaining` unfilled, for `reason`.
        case cancelled = 2
        /// The command was refused for `reason`; nothing changed.
        case rejected = 3
        /// A resting order's quantity was lowered to `remaining`, keeping priority.
        case reduced = 4
        /// A resting order was replaced at `price` with `remaining`; it lost priority and re-entered
        /// (fills may follow).
        case replaced = 5
    }

    public var kind: Kind
    public var reason: Reason
    public var side: Side
    public var orderID: UInt64
    public var counterID: UInt64
    public var owner: UInt32
    public var counterOwner: UInt32
    public var price: Price
    public var quantity: Quantity
    public var remaining: Quantity
    public var counterRemaining: Quantity

    /// A new order refused for `reason`, echoing what it asked for.
    public static func rejected(_ order: NewOrder, _ reason: Reason) -> BookEvent {
        BookEvent(kind: .rejected, reason: reason, side: order.side, orderID: order.id, owner: order.owner,
                  price: order.price ?? 0, quantity: order.quantity)
    }

    public init(kind: Kind, reason: Reason = .none, side: Side, orderID: UInt64, counterID: UInt64 = 0,
                owner: UInt32 = 0, counterOwner: UInt32 = 0, price: Price = 0, quantity: Quantity = 0,
                remaining: Quantity = 0, counterRemaining: Quantity = 0) {
        self.kind = kind
        self.reason = reason
        self.side = side
        self.orderID = orderID
        self.counterID = counterID
        self.owner = owner
        self.counterOwner = counterOwner
        self.price = price
        self.quantity = quantity
        self.remaining = remaining
        self.counterRemaining = counterRemaining
    }

    public var description: String {
        switch kind {
        case .accepted: return "accepted #\(orderID) \(side) \(quantity)@\(price)"
        case .fill: return "fill #\(orderID)×#\(counterID) \(quantity)@\(price) rem \(remaining)/\(counterRemaining)"
        case .cancelled: return "cancelled #\(orderID) rem \(remaining) (\(reason))"
        case .rejected: return "rejected #\(orderID) (\(reason))"
        case .reduced: return "reduced #\(orderID) to \(remaining)"
        case .replaced: return "replaced #\(orderID) \(remaining)@\(price)"
        }
    }
}

/// What to do when an incoming order would trade with a resting order of the same owner.
public enum SelfTradePrevention: UInt8, Sendable, Hashable {
    /// Let them trade.
    case none = 0
    /// Cancel the resting order and keep matching.
    case cancelResting = 1
    /// Cancel the rest of the incoming order.
    case cancelIncoming = 2
}

/// The fixed rules of one book.
public struct BookConfig: Sendable, Hashable {
    /// Limit prices outside this range are rejected (`priceOutsideRange`): the exchange sets it
    /// from its price band. It also bounds the fast book's price ladder.
    public var priceRange: ClosedRange<Price>
    public var selfTradePrevention: SelfTradePrevention

    /// The widest price range a book accepts, in ticks.
    public static let maxPriceLevels: Int64 = 1 << 24

    public init(priceRange: ClosedRange<Price> = 1...(BookConfig.maxPriceLevels - 1),
                selfTradePrevention: SelfTradePrevention = .none) {
        precondition(priceRange.lowerBound >= 1, "prices are positive")
        precondition(priceRange.upperBound - priceRange.lowerBound < Self.maxPriceLevels,
                     "a book spans at most \(Self.maxPriceLevels) price levels")
        self.priceRange = priceRange
        self.selfTradePrevention = selfTradePrevention
    }
}
