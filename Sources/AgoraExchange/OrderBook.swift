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
    /// Continuous matching, or collecting orders for an uncross. Switching never moves an order.
    var mode: BookMode { get set }
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

    /// The first order in priority of `side` (best price, oldest), if any.
    func frontOrder(_ side: Side) -> RestingOrder?
    /// Takes `quantity` (at most its remaining) from the front order of `side`, removing it when
    /// nothing is left. The primitive the shared uncross is built on.
    func fillFront(_ side: Side, quantity: Quantity)
    /// Puts a resting order back at the end of its level, without matching: restoring a book
    /// from the canonical walk of a saved one gives the same book, priorities included.
    func restore(_ order: RestingOrder)
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
func validate(_ order: NewOrder, config: BookConfig, mode: BookMode = .continuous) -> Reason? {
    if order.quantity <= 0 { return .invalidQuantity }
    if let p = order.price {
        if p <= 0 { return .invalidPrice }
        if !config.priceRange.contains(p) { return .priceOutsideRange }
    } else {
        // A market order is immediate by nature; it can be neither post-only nor resting.
        if order.postOnly || order.timeInForce == .gtc || order.timeInForce == .day { return .invalidOrderType }
    }
    switch (mode, order.timeInForce) {
    case (.call, .ioc) where order.price != nil, (.call, .fok):
        return .invalidOrderType  // nothing trades on arrival in a call: these could never fill
    case (.continuous, .auction):
        return .invalidOrderType
    default:
        return nil
    }
}

/// The order a book rests during a call: market orders become auction-only limit orders at the
/// edge of the price range, so that they execute at whatever the uncross price is.
@inlinable
func callOrder(_ order: NewOrder, config: BookConfig) -> NewOrder {
    guard order.price == nil else { return order }
    var o = order
    o.price = order.side == .buy ? config.priceRange.upperBound : config.priceRange.lowerBound
    o.timeInForce = .auction
    return o
}

/// True when a buy at `limit` (nil: market) would trade with a sell resting at `resting`, or the
/// mirror for a sell.
@inlinable @inline(__always)
func crosses(_ side: Side, limit: Price?, resting: Price) -> Bool {
    guard let limit else { return true }
    return side == .buy ? resting <= limit : resting >= limit
}

/// The outcome of a call auction.
public struct Uncross: Sendable, Hashable {
    public var price: Price
    public var volume: Quantity
    /// |buy quantity − sell quantity| at `price`, before execution.
    public var imbalance: Quantity
}

/// The uncross price of a crossed book: the price that executes the most quantity; among those,
/// the one with the least imbalance; then the one nearest `reference`; then the lowest. Only
/// prices of resting levels are candidates. `nil` when nothing would trade.
///
/// - Parameters:
///   - bids: levels best first (descending prices).
///   - asks: levels best first (ascending prices).
/// - Complexity: O(levels).
public func uncrossPrice(bids: [PriceLevel], asks: [PriceLevel], reference: Price?) -> Uncross? {
    guard let topBid = bids.first?.price, let topAsk = asks.first?.price, topBid >= topAsk else { return nil }
    // Candidates: every level price in [best ask, best bid], ascending.
    let candidates = Array(Set(bids.map(\.price).filter { $0 >= topAsk } + asks.map(\.price).filter { $0 <= topBid })).sorted()
    // Buy quantity at or above each candidate (a sweep downwards) and sell quantity at or below it
    // (a sweep upwards).
    var buys = [Quantity](repeating: 0, count: candidates.count)
    var cumulative: Quantity = 0
    var k = 0
    for c in stride(from: candidates.count - 1, through: 0, by: -1) {
        while k < bids.count && bids[k].price >= candidates[c] { cumulative += bids[k].quantity; k += 1 }
        buys[c] = cumulative
    }
    var best: Uncross?
    var bestDistance = Price.max
    cumulative = 0
    k = 0
    for (c, p) in candidates.enumerated() {
        while k < asks.count && asks[k].price <= p { cumulative += asks[k].quantity; k += 1 }
        let volume = min(buys[c], cumulative)
        guard volume > 0 else { continue }
        let imbalance = abs(buys[c] - cumulative)
        let distance = reference.map { abs(p - $0) } ?? 0
        let better: Bool
        if let b = best {
            if volume != b.volume { better = volume > b.volume }
            else if imbalance != b.imbalance { better = imbalance < b.imbalance }
            else if distance != bestDistance { better = distance < bestDistance }
            else { better = false }  // candidates ascend: keeping the first keeps the lower price
        } else {
            better = true
        }
        if better {
            best = Uncross(price: p, volume: volume, imbalance: imbalance)
            bestDistance = distance
        }
    }
    return best
}

extension OrderBook {
    /// Runs the call auction: trades the uncross quantity at the uncross price, buys and sells in
    /// price-time priority, one `fill` per pair of orders touched (`orderID` the buy, `counterID`
    /// the sell, side `.buy`); then cancels what is left of auction-only orders (`auctionRest`).
    /// The book stays in its mode; the caller switches it. Self-trade prevention does not apply.
    @discardableResult
    public func uncross(reference: Price?, events: inout [BookEvent]) -> Uncross? {
        let result = uncrossPrice(bids: levels(.buy, limit: .max), asks: levels(.sell, limit: .max), reference: reference)
        if let result {
            var left = result.volume
            while left > 0 {
                guard let b = frontOrder(.buy), let s = frontOrder(.sell) else {
                    preconditionFailure("uncross volume exceeds the crossed quantity")
                }
                assert(b.price >= result.price && s.price <= result.price, "uncross pairs must cross the price")
                let q = min(left, b.remaining, s.remaining)
                events.append(BookEvent(kind: .fill, side: .buy, orderID: b.id, counterID: s.id, owner: b.owner,
                                        counterOwner: s.owner, price: result.price, quantity: q,
                                        remaining: b.remaining - q, counterRemaining: s.remaining - q))
                fillFront(.buy, quantity: q)
                fillFront(.sell, quantity: q)
                left -= q
            }
        }
        var auctionOnly: [RestingOrder] = []
        forEachRestingOrder { if $0.timeInForce == .auction { auctionOnly.append($0) } }
        for o in auctionOnly {
            var ignored: [BookEvent] = []
            cancel(id: o.id, events: &ignored)
            events.append(BookEvent(kind: .cancelled, reason: .auctionRest, side: o.side, orderID: o.id, owner: o.owner,
                                    price: o.price, remaining: o.remaining))
        }
        return result
    }
}
