import AgoraCore

/// The fast order book: a dense ladder of price levels indexed by price (one queue per price and
/// side, since a book collecting a call auction can hold both at one price), each an intrusive
/// FIFO list of pooled order slots, a bit set of non-empty levels to find the next best price,
/// and a dense id → slot map. No allocation per order once warm; every command is O(1) apart from
/// the trades it makes and the search for a new best price when a level empties.
///
/// It must agree with `ReferenceBook` on every event and on `stateHash()`; the shared test suite
/// checks that on generated command streams.
///
/// A book is used from one thread at a time and its methods never overlap, so its hot stored
/// properties opt out of dynamic exclusivity checks, which otherwise cost more than the matching.
public final class LadderBook: OrderBook {
    public let config: BookConfig
    public var mode: BookMode = .continuous

    struct Slot {
        var id: UInt64
        var price: Price
        var remaining: Quantity
        var owner: UInt32
        var next: Int32
        var prev: Int32
        var side: Side
        var timeInForce: TimeInForce
        var postOnly: Bool
    }

    struct Level {
        var head: Int32 = -1
        var tail: Int32 = -1
        var count: Int32 = 0
        var quantity: Quantity = 0
    }

    // The ladder covers prices base ..< base + ladderSize; the queue of (price index li, side) is
    // levels[q(li, side)].
    @exclusivity(unchecked) private var base: Price = 0
    @exclusivity(unchecked) private var ladderSize = 0
    @exclusivity(unchecked) private var levels: [Level] = []
    @exclusivity(unchecked) private var bidLevels = LevelBitSet(capacity: 0)
    @exclusivity(unchecked) private var askLevels = LevelBitSet(capacity: 0)
    /// Ladder indexes of the best levels; -1 when that side is empty.
    @exclusivity(unchecked) private var bestBidIndex = -1
    @exclusivity(unchecked) private var bestAskIndex = -1

    @exclusivity(unchecked) private var slots: [Slot] = []
    @exclusivity(unchecked) private var freeSlot: Int32 = -1
    /// Slot of each order id below `denseIDLimit` (-1: none); larger ids go to `sparseSlots`.
    @exclusivity(unchecked) private var slotOfID: [Int32] = []
    @exclusivity(unchecked) private var sparseSlots: [UInt64: Int32] = [:]
    private static let denseIDLimit: UInt64 = 1 << 28
    @exclusivity(unchecked) public private(set) var restingOrderCount = 0

    public init(config: BookConfig = BookConfig()) {
        self.config = config
        slots.reserveCapacity(1024)
    }

    // MARK: commands

    public func submit(_ incoming: NewOrder, events: inout [BookEvent]) {
        if let reason = validate(incoming, config: config, mode: mode) {
            events.append(BookEvent.rejected(incoming, reason))
            return
        }
        let order = mode == .call ? callOrder(incoming, config: config) : incoming
        if slot(of: order.id) >= 0 {
            events.append(BookEvent.rejected(order, .duplicateOrderID))
            return
        }
        if mode == .continuous, order.postOnly, let best = bestPrice(order.side.opposite),
           crosses(order.side, limit: order.price, resting: best) {
            events.append(BookEvent.rejected(order, .postOnlyWouldCross))
            return
        }
        if order.timeInForce == .fok && !canFill(order) {
            events.append(BookEvent.rejected(order, .fillOrKillNotFilled))
            return
        }
        events.append(BookEvent(kind: .accepted, side: order.side, orderID: order.id, owner: order.owner,
                                price: order.price ?? 0, quantity: order.quantity, remaining: order.quantity))
        enter(order, events: &events)
    }

    public func cancel(id: UInt64, events: inout [BookEvent]) {
        let s = slot(of: id)
        guard s >= 0 else {
            events.append(BookEvent(kind: .rejected, reason: .unknownOrder, side: .buy, orderID: id))
            return
        }
        let o = slots[Int(s)]
        unlink(s)
        release(s)
        events.append(BookEvent(kind: .cancelled, reason: .cancelledByOwner, side: o.side, orderID: id, owner: o.owner,
                                price: o.price, remaining: o.remaining))
    }

    public func reduce(id: UInt64, by quantity: Quantity, events: inout [BookEvent]) {
        guard quantity > 0 else {
            events.append(BookEvent(kind: .rejected, reason: .invalidQuantity, side: .buy, orderID: id, quantity: quantity))
            return
        }
        let s = slot(of: id)
        guard s >= 0 else {
            events.append(BookEvent(kind: .rejected, reason: .unknownOrder, side: .buy, orderID: id))
            return
        }
        let o = slots[Int(s)]
        if quantity >= o.remaining {
            cancel(id: id, events: &events)
            return
        }
        slots[Int(s)].remaining -= quantity
        levels[q(ladderIndex(o.price), o.side)].quantity -= quantity
        events.append(BookEvent(kind: .reduced, side: o.side, orderID: id, owner: o.owner, price: o.price,
                                quantity: quantity, remaining: o.remaining - quantity))
    }

    public func modify(id: UInt64, price: Price, quantity: Quantity, events: inout [BookEvent]) {
        let s = slot(of: id)
        guard s >= 0 else {
            events.append(BookEvent(kind: .rejected, reason: .unknownOrder, side: .buy, orderID: id))
            return
        }
        let o = slots[Int(s)]
        let replacement = NewOrder(id: id, owner: o.owner, side: o.side, price: price, quantity: quantity,
                                   timeInForce: o.timeInForce, postOnly: o.postOnly)
        if let reason = validate(replacement, config: config, mode: mode) {
            events.append(BookEvent(kind: .rejected, reason: reason, side: o.side, orderID: id, owner: o.owner,
                                    price: price, quantity: quantity))
            return
        }
        if price == o.price && quantity <= o.remaining {
            let cut = o.remaining - quantity
            slots[Int(s)].remaining = quantity
            levels[q(ladderIndex(price), o.side)].quantity -= cut
            events.append(BookEvent(kind: .reduced, side: o.side, orderID: id, owner: o.owner, price: price,
                                    quantity: cut, remaining: quantity))
            return
        }
        if mode == .continuous, o.postOnly, let best = bestPrice(o.side.opposite), crosses(o.side, limit: price, resting: best) {
            events.append(BookEvent(kind: .rejected, reason: .postOnlyWouldCross, side: o.side, orderID: id, owner: o.owner,
                                    price: price, quantity: quantity))
            return
        }
        unlink(s)
        release(s)
        events.append(BookEvent(kind: .replaced, side: o.side, orderID: id, owner: o.owner, price: price,
                                quantity: quantity, remaining: quantity))
        enter(replacement, events: &events)
    }

    // MARK: matching

    private func enter(_ order: NewOrder, events: inout [BookEvent]) {
        if mode == .call, let price = order.price {
            // A call collects orders; the uncross trades them.
            rest(order, price: price, remaining: order.quantity)
            return
        }
        var remaining = order.quantity
        let buying = order.side == .buy
        let stp = config.selfTradePrevention
        let opposite = order.side.opposite
        while remaining > 0 {
            let li = buying ? bestAskIndex : bestBidIndex
            if li < 0 { break }
            let levelPrice = base + Price(li)
            if let limit = order.price, buying ? levelPrice > limit : levelPrice < limit { break }
            let lq = q(li, opposite)
            var s = levels[lq].head
            var traded: Quantity = 0
            var removed: Int32 = 0
            while s >= 0 && remaining > 0 {
                let maker = slots[Int(s)]
                if stp != .none && maker.owner == order.owner {
                    if stp == .cancelIncoming {
                        levels[lq].quantity -= traded
                        levels[lq].count -= removed
                        setHead(lq, s)
                        events.append(BookEvent(kind: .cancelled, reason: .selfTradePrevented, side: order.side,
                                                orderID: order.id, owner: order.owner, price: order.price ?? 0,
                                                remaining: remaining))
                        return
                    }
                    events.append(BookEvent(kind: .cancelled, reason: .selfTradePrevented, side: maker.side,
                                            orderID: maker.id, owner: maker.owner, price: maker.price, remaining: maker.remaining))
                    traded += maker.remaining
                    removed += 1
                    let next = maker.next
                    release(s)
                    s = next
                    continue
                }
                let qty = min(remaining, maker.remaining)
                remaining -= qty
                traded += qty
                let makerLeft = maker.remaining - qty
                events.append(BookEvent(kind: .fill, side: order.side, orderID: order.id, counterID: maker.id,
                                        owner: order.owner, counterOwner: maker.owner, price: levelPrice, quantity: qty,
                                        remaining: remaining, counterRemaining: makerLeft))
                if makerLeft == 0 {
                    removed += 1
                    let next = maker.next
                    release(s)
                    s = next
                } else {
                    slots[Int(s)].remaining = makerLeft
                }
            }
            levels[lq].quantity -= traded
            levels[lq].count -= removed
            setHead(lq, s)
            if s < 0 { levelEmptied(li, side: opposite) }
        }
        guard remaining > 0 else { return }
        if let price = order.price, order.timeInForce == .gtc || order.timeInForce == .day || order.timeInForce == .auction {
            rest(order, price: price, remaining: remaining)
        } else {
            events.append(BookEvent(kind: .cancelled, reason: order.price == nil ? .noLiquidity : .immediateOrCancelRest,
                                    side: order.side, orderID: order.id, owner: order.owner, price: order.price ?? 0,
                                    remaining: remaining))
        }
    }

    /// True when `order` could trade in full right now (FOK), ignoring self-trade prevention.
    private func canFill(_ order: NewOrder) -> Bool {
        var need = order.quantity
        let buying = order.side == .buy
        var li = buying ? bestAskIndex : bestBidIndex
        let set = buying ? askLevels : bidLevels
        while li >= 0 {
            let p = base + Price(li)
            if let limit = order.price, buying ? p > limit : p < limit { return false }
            need -= levels[q(li, order.side.opposite)].quantity
            if need <= 0 { return true }
            guard let n = buying ? set.next(atOrAbove: li + 1) : set.next(atOrBelow: li - 1) else { return false }
            li = n
        }
        return false
    }

    // MARK: levels

    private func bestPrice(_ side: Side) -> Price? {
        let li = side == .buy ? bestBidIndex : bestAskIndex
        return li < 0 ? nil : base + Price(li)
    }

    @inline(__always) private func ladderIndex(_ price: Price) -> Int { Int(price - base) }

    /// The queue of price index `li` on `side`.
    @inline(__always) private func q(_ li: Int, _ side: Side) -> Int { li &* 2 &+ Int(side.rawValue) }

    /// Makes `s` the head of queue `lq`.
    private func setHead(_ lq: Int, _ s: Int32) {
        levels[lq].head = s
        if s < 0 { levels[lq].tail = -1 } else { slots[Int(s)].prev = -1 }
    }

    /// Level `li` of `side` has no orders left: drop it from the set and find the next best.
    private func levelEmptied(_ li: Int, side: Side) {
        assert(levels[q(li, side)].count == 0 && levels[q(li, side)].quantity == 0, "an empty level must hold nothing")
        if side == .buy {
            bidLevels.remove(li)
            if li == bestBidIndex { bestBidIndex = bidLevels.next(atOrBelow: li) ?? -1 }
        } else {
            askLevels.remove(li)
            if li == bestAskIndex { bestAskIndex = askLevels.next(atOrAbove: li) ?? -1 }
        }
    }

    private func rest(_ order: NewOrder, price: Price, remaining: Quantity) {
        ensureLadder(covers: price)
        let li = ladderIndex(price)
        let lq = q(li, order.side)
        let s = allocate(Slot(id: order.id, price: price, remaining: remaining, owner: order.owner, next: -1,
                              prev: levels[lq].tail, side: order.side, timeInForce: order.timeInForce, postOnly: order.postOnly))
        if levels[lq].tail >= 0 { slots[Int(levels[lq].tail)].next = s } else { levels[lq].head = s }
        levels[lq].tail = s
        levels[lq].count += 1
        levels[lq].quantity += remaining
        if levels[lq].count == 1 {
            if order.side == .buy {
                bidLevels.insert(li)
                if li > bestBidIndex { bestBidIndex = li }
            } else {
                askLevels.insert(li)
                if bestAskIndex < 0 || li < bestAskIndex { bestAskIndex = li }
            }
        }
    }

    /// Removes slot `s` from its level's list (the slot itself stays allocated).
    private func unlink(_ s: Int32) {
        let o = slots[Int(s)]
        let li = ladderIndex(o.price)
        let lq = q(li, o.side)
        if o.prev >= 0 { slots[Int(o.prev)].next = o.next } else { levels[lq].head = o.next }
        if o.next >= 0 { slots[Int(o.next)].prev = o.prev } else { levels[lq].tail = o.prev }
        levels[lq].count -= 1
        levels[lq].quantity -= o.remaining
        if levels[lq].count == 0 { levelEmptied(li, side: o.side) }
    }

    /// Grows the ladder so that it covers `price` (which lies in the configured range).
    private func ensureLadder(covers price: Price) {
        if ladderSize > 0 && price >= base && price < base + Price(ladderSize) { return }
        growLadder(covering: price)
    }

    @inline(never)
    private func growLadder(covering price: Price) {
        let range = config.priceRange
        var low = ladderSize == 0 ? price : min(base, price)
        var high = ladderSize == 0 ? price : max(base + Price(ladderSize) - 1, price)
        let margin = max(512, (high - low) / 2)
        low = max(range.lowerBound, low - margin)
        high = min(range.upperBound, high + margin)
        let count = Int(high - low + 1)
        var fresh = [Level](repeating: Level(), count: 2 * count)
        var bids = LevelBitSet(capacity: count)
        var asks = LevelBitSet(capacity: count)
        let shift = Int(base - low)
        for i in 0..<ladderSize {
            fresh[q(i + shift, .buy)] = levels[q(i, .buy)]
            fresh[q(i + shift, .sell)] = levels[q(i, .sell)]
            if bidLevels.contains(i) { bids.insert(i + shift) }
            if askLevels.contains(i) { asks.insert(i + shift) }
        }
        if bestBidIndex >= 0 { bestBidIndex += shift }
        if bestAskIndex >= 0 { bestAskIndex += shift }
        levels = fresh
        ladderSize = count
        bidLevels = bids
        askLevels = asks
        base = low
    }

    // MARK: slots and ids

    private func allocate(_ slot: Slot) -> Int32 {
        let s: Int32
        if freeSlot >= 0 {
            s = freeSlot
            freeSlot = slots[Int(s)].next
            slots[Int(s)] = slot
        } else {
            s = Int32(slots.count)
            slots.append(slot)
        }
        map(slot.id, to: s)
        restingOrderCount += 1
        return s
    }

    /// Returns slot `s` to the free list and forgets its id.
    private func release(_ s: Int32) {
        map(slots[Int(s)].id, to: -1)
        slots[Int(s)].next = freeSlot
        freeSlot = s
        restingOrderCount -= 1
    }

    @inline(__always) private func slot(of id: UInt64) -> Int32 {
        if id < Self.denseIDLimit {
            return id < UInt64(slotOfID.count) ? slotOfID[Int(id)] : -1
        }
        return sparseSlots[id] ?? -1
    }

    private func map(_ id: UInt64, to s: Int32) {
        if id < Self.denseIDLimit {
            if id >= UInt64(slotOfID.count) {
                if s < 0 { return }
                slotOfID.append(contentsOf: repeatElement(-1, count: max(Int(id) + 1 - slotOfID.count, slotOfID.count)))
            }
            slotOfID[Int(id)] = s
        } else if s < 0 {
            sparseSlots[id] = nil
        } else {
            sparseSlots[id] = s
        }
    }

    // MARK: queries

    public var bestBid: Price? { bestPrice(.buy) }
    public var bestAsk: Price? { bestPrice(.sell) }

    public func order(id: UInt64) -> RestingOrder? {
        let s = slot(of: id)
        guard s >= 0 else { return nil }
        let o = slots[Int(s)]
        return RestingOrder(id: o.id, owner: o.owner, side: o.side, price: o.price, remaining: o.remaining,
                            timeInForce: o.timeInForce, postOnly: o.postOnly)
    }

    public func levels(_ side: Side, limit: Int) -> [PriceLevel] {
        var out: [PriceLevel] = []
        var li = side == .buy ? bestBidIndex : bestAskIndex
        let set = side == .buy ? bidLevels : askLevels
        while li >= 0 && out.count < limit {
            let lq = q(li, side)
            out.append(PriceLevel(price: base + Price(li), quantity: levels[lq].quantity, orders: Int(levels[lq].count)))
            guard let n = side == .buy ? set.next(atOrBelow: li - 1) : set.next(atOrAbove: li + 1) else { break }
            li = n
        }
        return out
    }

    public func restore(_ o: RestingOrder) {
        rest(NewOrder(id: o.id, owner: o.owner, side: o.side, price: o.price, quantity: o.remaining, timeInForce: o.timeInForce,
                      postOnly: o.postOnly), price: o.price, remaining: o.remaining)
    }

    public func frontOrder(_ side: Side) -> RestingOrder? {
        let li = side == .buy ? bestBidIndex : bestAskIndex
        guard li >= 0 else { return nil }
        let o = slots[Int(levels[q(li, side)].head)]
        return RestingOrder(id: o.id, owner: o.owner, side: o.side, price: o.price, remaining: o.remaining,
                            timeInForce: o.timeInForce, postOnly: o.postOnly)
    }

    public func fillFront(_ side: Side, quantity: Quantity) {
        let li = side == .buy ? bestBidIndex : bestAskIndex
        guard li >= 0 else { return }
        let lq = q(li, side)
        let s = levels[lq].head
        let taken = min(quantity, slots[Int(s)].remaining)
        slots[Int(s)].remaining -= taken
        levels[lq].quantity -= taken
        if slots[Int(s)].remaining == 0 {
            // Unlink from a queue whose quantity was already lowered.
            let next = slots[Int(s)].next
            levels[lq].count -= 1
            release(s)
            setHead(lq, next)
            if next < 0 { levelEmptied(li, side: side) }
        }
    }

    public func forEachRestingOrder(_ body: (RestingOrder) -> Void) {
        for side in Side.allCases {
            var li = side == .buy ? bestBidIndex : bestAskIndex
            let set = side == .buy ? bidLevels : askLevels
            while li >= 0 {
                var s = levels[q(li, side)].head
                while s >= 0 {
                    let o = slots[Int(s)]
                    body(RestingOrder(id: o.id, owner: o.owner, side: o.side, price: o.price, remaining: o.remaining,
                                      timeInForce: o.timeInForce, postOnly: o.postOnly))
                    s = o.next
                }
                guard let n = side == .buy ? set.next(atOrBelow: li - 1) : set.next(atOrAbove: li + 1) else { break }
                li = n
            }
        }
    }
}
