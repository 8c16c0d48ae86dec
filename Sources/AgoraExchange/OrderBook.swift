import AgoraCore

/// An order resting in a book, as books report it.
public struct RestingOrder: Sendable, Hashable {
    public var id: UInt64
    public var owner: UInt32
    public var side: Side
    public var price: Price
    public var remaining: Quantity
    public var timeInForce: TimeInForce
    public var postOnly: Bool
}

/// One price level as market data shows it.
public struct PriceLevel: Sendable, Hashable {
    public var price: Price
    public var quantity: Quantity
    public var orders: Int
}

/// A limit order book for one instrument: price-time priority, continuous matching.
///
/// Two implementations share this protocol and one test suite: `ReferenceBook`, written to be
/// obviously right, and `LadderBook`, written to be fast. After any command stream both must have
/// produced the same events and the same `stateHash()`.
///
/// Semantics (docs/exchange.md): an incoming order trades against the best opposite prices while it
/// crosses, oldest order first at each price, at the resting order's price, one `fill` event per
/// resting order touched. What is left of a GTC or day limit order rests at the back of its level;
/// of a market or IOC order it is cancelled. A FOK order trades in full or is rejected; a post-only
/// order that would trade is rejected.
public protocol OrderBook: AnyObject {
    var config: BookConfig { get }
    func submit(_ order: NewOrder, events: inout [BookEvent])
    func cancel(id: UInt64, events: inout [BookEvent])
    func reduce(id: UInt64, by quantity: Quantity, events: inout [BookEvent])
    func modify(id: UInt64, price: Price, quantity: Quantity, events: inout [BookEvent])

    var bestBid: Price? { get }
    var bestAsk: Price? { get }
    var restingOrderCount: Int { get }
    func order(id: UInt64) -> RestingOrder?
    /// Up to `limit` levels of `side`, best first.
    func levels(_ side: Side, limit: Int) -> [PriceLevel]
    /// Every resting order in canonical order: bids best first, then asks best first, each level
    /// in time priority.
    func forEachRestingOrder(_ body: (RestingOrder) -> Void)
}

extension OrderBook {
    /// Applies any command.
    public func apply(_ command: BookCommand, events: inout [BookEvent]) {
        switch command {
        case .submit(let o): submit(o, events: &events)
        case .cancel(let id): cancel(id: id, events: &events)
        case .reduce(let id, let q): reduce(id: id, by: q, events: &events)
        case .modify(let id, let p, let q): modify(id: id, price: p, quantity: q, events: &events)
        }
    }

    /// A hash of the book's resting state that any correct implementation computes alike: the
    /// canonical sequence of resting orders (side, price, id, owner, remaining, time in force,
    /// post-only).
    public func stateHash() -> UInt64 {
        var h: UInt64 = 0x5DEE_CE66_D1CE_4E5B
        forEachRestingOrder { o in
            h = mix64(h ^ (UInt64(o.side.rawValue) << 56 | UInt64(o.timeInForce.rawValue) << 48 | (o.postOnly ? 1 << 40 : 0)
                           | UInt64(o.owner)))
            h = mix64(h &+ UInt64(bitPattern: o.price))
            h = mix64(h ^ o.id)
            h = mix64(h &+ UInt64(bitPattern: o.remaining))
        }
        return h
    }

    /// Total resting quantity and level count of `side`.
    public func totals(_ side: Side) -> (quantity: Quantity, levels: Int) {
        let all = levels(side, limit: .max)
        return (all.reduce(0) { $0 + $1.quantity }, all.count)
    }
}

/// Checks of an incoming order that do not depend on the book's contents. Shared by the books so
/// that both refuse exactly the same orders.
@inlinable
func validate(_ order: NewOrder, config: BookConfig) -> Reason? {
    if order.quantity <= 0 { return .invalidQuantity }
    if let p = order.price {
        if p <= 0 { return .invalidPrice }
        if !config.priceRange.contains(p) { return .priceOutsideRange }
    } else {
        // A market order is immediate by nature; it can be neither post-only nor resting.
        if order.postOnly || order.timeInForce == .gtc || order.timeInForce == .day { return .invalidOrderType }
    }
    return nil
}

/// True when a buy at `limit` (nil: market) would trade with a sell resting at `resting`, or the
/// mirror for a sell.
@inlinable @inline(__always)
func crosses(_ side: Side, limit: Price?, resting: Price) -> Bool {
    guard let limit else { return true }
    return side == .buy ? resting <= limit : resting >= limit
}
