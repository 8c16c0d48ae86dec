import AgoraCore

/// The order book written to be read: sorted arrays of price levels, each an array of orders in
/// time priority, and linear searches. Every rule appears once, in plain code. It is the standard
/// the fast `LadderBook` is tested against, not something to run at scale.
public final class ReferenceBook: OrderBook {
    public let config: BookConfig
    public var mode: BookMode = .continuous

    struct Level {
        var price: Price
        var orders: [RestingOrder]
    }

    /// Best first: bids by descending price, asks by ascending price.
    var bids: [Level] = []
    var asks: [Level] = []

    public init(config: BookConfig = BookConfig()) {
        self.config = config
    }

    // MARK: commands

    public func submit(_ incoming: NewOrder, events: inout [BookEvent]) {
        if let reason = validate(incoming, config: config, mode: mode) {
            events.append(BookEvent.rejected(incoming, reason))
            return
        }
        let order = mode == .call ? callOrder(incoming, config: config) : incoming
        if self.order(id: order.id) != nil {
            events.append(BookEvent.rejected(order, .duplicateOrderID))
            return
        }
        if mode == .continuous, order.postOnly, let best = bestPrice(order.side.opposite),
           crosses(order.side, limit: order.price, resting: best) {
            events.append(BookEvent.rejected(order, .postOnlyWouldCross))
            return
        }
        if order.timeInForce == .fok && available(against: order) < order.quantity {
            events.append(BookEvent.rejected(order, .fillOrKillNotFilled))
            return
        }
        events.append(BookEvent(kind: .accepted, side: order.side, orderID: order.id, owner: order.owner,
                                price: order.price ?? 0, quantity: order.quantity, remaining: order.quantity))
        enter(order, remaining: order.quantity, events: &events)
    }

    public func cancel(id: UInt64, events: inout [BookEvent]) {
        guard let o = remove(id: id) else {
            events.append(BookEvent(kind: .rejected, reason: .unknownOrder, side: .buy, orderID: id))
            return
        }
        events.append(BookEvent(kind: .cancelled, reason: .cancelledByOwner, side: o.side, orderID: id, owner: o.owner,
                                price: o.price, remaining: o.remaining))
    }

    public func reduce(id: UInt64, by quantity: Quantity, events: inout [BookEvent]) {
        guard quantity > 0 else {
            events.append(BookEvent(kind: .rejected, reason: .invalidQuantity, side: .buy, orderID: id, quantity: quantity))
            return
        }
        guard let o = order(id: id) else {
            events.append(BookEvent(kind: .rejected, reason: .unknownOrder, side: .buy, orderID: id))
            return
        }
        if quantity >= o.remaining {
            cancel(id: id, events: &events)
            return
        }
        update(id: id) { $0.remaining -= quantity }
        events.append(BookEvent(kind: .reduced, side: o.side, orderID: id, owner: o.owner, price: o.price,
                                quantity: quantity, remaining: o.remaining - quantity))
    }

    public func modify(id: UInt64, price: Price, quantity: Quantity, events: inout [BookEvent]) {
        guard let o = order(id: id) else {
            events.append(BookEvent(kind: .rejected, reason: .unknownOrder, side: .buy, orderID: id))
            return
        }
        let replacement = NewOrder(id: id, owner: o.owner, side: o.side, price: price, quantity: quantity,
                                   timeInForce: o.timeInForce, postOnly: o.postOnly)
        if let reason = validate(replacement, config: config, mode: mode) {
            events.append(BookEvent(kind: .rejected, reason: reason, side: o.side, orderID: id, owner: o.owner,
                                    price: price, quantity: quantity))
            return
        }
        if price == o.price && quantity <= o.remaining {
            // Same price, not larger: keeps its place in the queue.
            if quantity < o.remaining { update(id: id) { $0.remaining = quantity } }
            events.append(BookEvent(kind: .reduced, side: o.side, orderID: id, owner: o.owner, price: price,
                                    quantity: o.remaining - quantity, remaining: quantity))
            return
        }
        if mode == .continuous, o.postOnly, let best = bestPrice(o.side.opposite), crosses(o.side, limit: price, resting: best) {
            events.append(BookEvent(kind: .rejected, reason: .postOnlyWouldCross, side: o.side, orderID: id, owner: o.owner,
                                    price: price, quantity: quantity))
            return
        }
        _ = remove(id: id)
        events.append(BookEvent(kind: .replaced, side: o.side, orderID: id, owner: o.owner, price: price,
                                quantity: quantity, remaining: quantity))
        enter(replacement, remaining: quantity, events: &events)
    }

    // MARK: matching

    /// Trades `order` against the opposite side while it crosses, then rests or cancels the rest.
    func enter(_ order: NewOrder, remaining start: Quantity, events: inout [BookEvent]) {
        if mode == .call, let price = order.price {
            // A call collects orders; the uncross trades them.
            rest(RestingOrder(id: order.id, owner: order.owner, side: order.side, price: price, remaining: start,
                              timeInForce: order.timeInForce, postOnly: order.postOnly))
            return
        }
        var remaining = start
        let opposite = order.side.opposite
        matching: while remaining > 0 {
            guard var level = bestLevel(opposite), crosses(order.side, limit: order.price, resting: level.price) else { break }
            var i = 0
            while i < level.orders.count && remaining > 0 {
                var maker = level.orders[i]
                if maker.owner == order.owner && config.selfTradePrevention != .none {
                    if config.selfTradePrevention == .cancelResting {
                        level.orders.remove(at: i)
                        events.append(BookEvent(kind: .cancelled, reason: .selfTradePrevented, side: maker.side,
                                                orderID: maker.id, owner: maker.owner, price: maker.price, remaining: maker.remaining))
                        continue
                    }
                    setBestLevel(opposite, level)
                    events.append(BookEvent(kind: .cancelled, reason: .selfTradePrevented, side: order.side, orderID: order.id,
                                            owner: order.owner, price: order.price ?? 0, remaining: remaining))
                    return
                }
                let q = min(remaining, maker.remaining)
                remaining -= q
                maker.remaining -= q
                events.append(BookEvent(kind: .fill, side: order.side, orderID: order.id, counterID: maker.id, owner: order.owner,
                                        counterOwner: maker.owner, price: maker.price, quantity: q, remaining: remaining,
                                        counterRemaining: maker.remaining))
                if maker.remaining == 0 {
                    level.orders.remove(at: i)
                } else {
                    level.orders[i] = maker
                    i += 1
                }
            }
            setBestLevel(opposite, level)
            if remaining == 0 { break matching }
        }
        guard remaining > 0 else { return }
        if let price = order.price, order.timeInForce == .gtc || order.timeInForce == .day || order.timeInForce == .auction {
            rest(RestingOrder(id: order.id, owner: order.owner, side: order.side, price: price, remaining: remaining,
                              timeInForce: order.timeInForce, postOnly: order.postOnly))
        } else {
            events.append(BookEvent(kind: .cancelled, reason: order.price == nil ? .noLiquidity : .immediateOrCancelRest,
                                    side: order.side, orderID: order.id, owner: order.owner, price: order.price ?? 0,
                                    remaining: remaining))
        }
    }

    /// Quantity `order` could trade right now (for FOK), ignoring self-trade prevention.
    func available(against order: NewOrder) -> Quantity {
        let levels = order.side == .buy ? asks : bids
        var total: Quantity = 0
        for level in levels where crosses(order.side, limit: order.price, resting: level.price) {
            total += level.orders.reduce(0) { $0 + $1.remaining }
        }
        return total
    }

    // MARK: storage

    func bestLevel(_ side: Side) -> Level? { side == .buy ? bids.first : asks.first }

    /// Writes back the best level of `side` after matching, dropping it if empty.
    func setBestLevel(_ side: Side, _ level: Level) {
        if side == .buy {
            if level.orders.isEmpty { bids.removeFirst() } else { bids[0] = level }
        } else {
            if level.orders.isEmpty { asks.removeFirst() } else { asks[0] = level }
        }
    }

    func bestPrice(_ side: Side) -> Price? { bestLevel(side)?.price }

    func rest(_ o: RestingOrder) {
        var levels = o.side == .buy ? bids : asks
        let better: (Price, Price) -> Bool = o.side == .buy ? { $0 > $1 } : { $0 < $1 }
        if let i = levels.firstIndex(where: { $0.price == o.price }) {
            levels[i].orders.append(o)
        } else {
            let at = levels.firstIndex(where: { better(o.price, $0.price) }) ?? levels.count
            levels.insert(Level(price: o.price, orders: [o]), at: at)
        }
        if o.side == .buy { bids = levels } else { asks = levels }
    }

    func remove(id: UInt64) -> RestingOrder? {
        for side in Side.allCases {
            var levels = side == .buy ? bids : asks
            for (li, level) in levels.enumerated() {
                if let oi = level.orders.firstIndex(where: { $0.id == id }) {
                    let o = levels[li].orders.remove(at: oi)
                    if levels[li].orders.isEmpty { levels.remove(at: li) }
                    if side == .buy { bids = levels } else { asks = levels }
                    return o
                }
            }
        }
        return nil
    }

    func update(id: UInt64, _ change: (inout RestingOrder) -> Void) {
        for li in bids.indices { if let oi = bids[li].orders.firstIndex(where: { $0.id == id }) { change(&bids[li].orders[oi]); return } }
        for li in asks.indices { if let oi = asks[li].orders.firstIndex(where: { $0.id == id }) { change(&asks[li].orders[oi]); return } }
    }

    // MARK: queries

    public var bestBid: Price? { bids.first?.price }
    public var bestAsk: Price? { asks.first?.price }
    public var restingOrderCount: Int { (bids + asks).reduce(0) { $0 + $1.orders.count } }

    public func order(id: UInt64) -> RestingOrder? {
        for level in bids + asks { if let o = level.orders.first(where: { $0.id == id }) { return o } }
        return nil
    }

    public func levels(_ side: Side, limit: Int) -> [PriceLevel] {
        (side == .buy ? bids : asks).prefix(limit).map {
            PriceLevel(price: $0.price, quantity: $0.orders.reduce(0) { $0 + $1.remaining }, orders: $0.orders.count)
        }
    }

    public func forEachRestingOrder(_ body: (RestingOrder) -> Void) {
        for level in bids { level.orders.forEach(body) }
        for level in asks { level.orders.forEach(body) }
    }

    public func frontOrder(_ side: Side) -> RestingOrder? { bestLevel(side)?.orders.first }

    public func restore(_ order: RestingOrder) { rest(order) }

    public func fillFront(_ side: Side, quantity: Quantity) {
        guard var level = bestLevel(side) else { return }
        level.orders[0].remaining -= min(quantity, level.orders[0].remaining)
        if level.orders[0].remaining == 0 { level.orders.removeFirst() }
        setBestLevel(side, level)
    }
}
