import AgoraCore

/// A multi-instrument exchange: one book per instrument, the session schedule, the rules (tick,
/// lot, band), accounts and clearing, fees, and market data.
///
/// It is driven once per tick, serially, in the engine's match phase: `beginTick`, then `process`
/// for each request in a fixed order, then `endTick`. Every request is answered by at least one
/// report. Generic over the book so the whole exchange can run on the reference book in tests; the
/// entry points are specialised for `LadderBook`. Used from one thread at a time, so its stored
/// properties opt out of dynamic exclusivity checks.
public final class Exchange<Book: OrderBook>: @unchecked Sendable {
    public let config: ExchangeConfig
    public let accounts: Accounts
    @exclusivity(unchecked) public private(set) var books: [Book]
    @exclusivity(unchecked) public internal(set) var referencePrices: [Price]
    @exclusivity(unchecked) public internal(set) var tick = 0
    @exclusivity(unchecked) public internal(set) var phase: SessionPhase

    /// The live orders' owners and reservations, by order id.
    struct Live {
        var agent: UInt32
        var symbol: UInt16
        var side: Side
        var tag: UInt32
        /// Price per lot unit the reservation was made at (buy: cash per share; sell: unused).
        var reservePrice: Price
    }
    @exclusivity(unchecked) var live: [UInt64: Live] = [:]
    /// Per instrument, how many orders it has numbered. Order ids are `sequence × instruments +
    /// symbol + 1`: each book numbers its own, so books run apart (on different processes) give
    /// the ids they would give together. With one instrument the ids are 1, 2, 3, …
    @exclusivity(unchecked) var orderSequence: [UInt64]
    /// Which books this exchange runs: all, unless a run spread over processes gave it a share
    /// (`owns`). `endTick` closes only these; the others' market data comes from their owners.
    @exclusivity(unchecked) public var owned: [Bool]
    /// Where `endTick`'s reports and trades came from: per book it ran, the uncross or the day's
    /// expiry (`expiry`), and the ranges of the reports and trades it appended.
    public struct EndTickPart: Sendable {
        public var symbol: Int
        public var expiry: Bool
        public var reports: Range<Int>
        public var trades: Range<Int>
    }
    @exclusivity(unchecked) public private(set) var endTickParts: [EndTickPart] = []
    @exclusivity(unchecked) var lastPrices: [Price]
    /// The current tick's snapshot per symbol, being built.
    @exclusivity(unchecked) var current: [MarketSnapshot]
    /// Past snapshots: history[symbol][tick % count].
    @exclusivity(unchecked) var history: [[MarketSnapshot]]
    @exclusivity(unchecked) private var events: [BookEvent] = []
    /// Per instrument: the first tick after a volatility halt (≤ tick: not halted), and the price
    /// moves are measured from.
    @exclusivity(unchecked) public internal(set) var haltedUntil: [Int]
    @exclusivity(unchecked) var haltReference: [Price]
    /// The trades of the current tick, in order, with their counterparties.
    @exclusivity(unchecked) public private(set) var tickTrades: [TradeRecord] = []

    public init(config: ExchangeConfig, accounts: Accounts, makeBook: (BookConfig) -> Book) {
        precondition(accounts.symbolCount == config.instruments.count, "accounts must cover every instrument")
        self.config = config
        self.accounts = accounts
        books = config.instruments.map { inst in
            // Books work in ticks; the range leaves room for prices to rise far from the start.
            let refTicks = inst.referencePrice / inst.tickSize
            let upper = min(BookConfig.maxPriceLevels - 1, max(1_024, refTicks * 20))
            return makeBook(BookConfig(priceRange: 1...upper, selfTradePrevention: config.selfTradePrevention))
        }
        referencePrices = config.instruments.map(\.referencePrice)
        haltedUntil = Array(repeating: 0, count: config.instruments.count)
        haltReference = referencePrices
        lastPrices = Array(repeating: 0, count: config.instruments.count)
        orderSequence = Array(repeating: 0, count: config.instruments.count)
        owned = Array(repeating: true, count: config.instruments.count)
        phase = config.schedule.phase(at: 0)
        current = config.instruments.map { MarketSnapshot(tick: 0, phase: .closed, referencePrice: $0.referencePrice) }
        history = current.map { Array(repeating: $0, count: config.maxLatencyTicks + 1) }
        events.reserveCapacity(64)
    }

    // MARK: the tick

    /// Opens `tick`: sets the phase and the books' modes.
    @_specialize(exported: true, where Book == LadderBook)
    public func beginTick(_ t: Int) {
        tick = t
        phase = config.schedule.phase(at: t)
        if config.schedule.day(of: t) != config.schedule.day(of: max(0, t - 1)) || t == 0 {
            haltReference = referencePrices
            for s in haltedUntil.indices { haltedUntil[s] = min(haltedUntil[s], t) }
        }
        for (s, b) in books.enumerated() { b.mode = phase.isCall || isHalted(s) ? .call : .continuous }
        tickTrades.removeAll(keepingCapacity: true)
        for s in current.indices {
            current[s] = MarketSnapshot(tick: t, phase: phase, referencePrice: referencePrices[s])
            current[s].lastPrice = lastPrices[s]
        }
    }

    /// True while `symbol` is in a volatility halt.
    public func isHalted(_ symbol: Int) -> Bool { tick < haltedUntil[symbol] }

    /// Halts `symbol` if its last trade moved too far in continuous trading.
    private func checkHalt(_ s: Int) {
        guard let rule = config.halt, phase == .continuous, !isHalted(s), lastPrices[s] > 0 else { return }
        let ref = haltReference[s]
        if abs(lastPrices[s] - ref) * 10_000 > Price(rule.moveBasisPoints) * ref {
            haltedUntil[s] = tick + 1 + rule.ticks
            books[s].mode = .call
        }
    }

    /// Handles one request, appending the reports it causes.
    @_specialize(exported: true, where Book == LadderBook)
    public func process(_ r: OrderRequest, reports: inout [ExchangeReport]) {
        func reject(_ reason: Reason) {
            reports.append(ExchangeReport(agent: r.agent, symbol: r.symbol, kind: .rejected, reason: reason, side: r.side,
                                          maker: false, orderID: r.orderID, tag: r.tag, price: r.price, quantity: r.quantity,
                                          remaining: 0, fee: 0))
        }
        guard Int(r.symbol) < books.count else { return reject(.unknownSymbol) }
        guard Int(r.agent) < accounts.agentCount else { return reject(.unknownOrder) }
        if phase == .closed { return reject(.marketClosed) }
        let inst = config.instruments[Int(r.symbol)]
        let book = books[Int(r.symbol)]
        switch r.action {
        case .new:
            if r.quantity <= 0 { return reject(.invalidQuantity) }
            if r.quantity % inst.lotSize != 0 { return reject(.quantityNotOnLot) }
            let isMarket = r.price == 0
            if isHalted(Int(r.symbol)) && !isMarket && (r.timeInForce == .ioc || r.timeInForce == .fok) {
                return reject(.tradingHalted)
            }
            if !isMarket {
                if r.price < 0 { return reject(.invalidPrice) }
                if r.price % inst.tickSize != 0 { return reject(.priceNotOnTick) }
                if let band = bandLimits(Int(r.symbol)), r.price < band.lowerBound || r.price > band.upperBound {
                    return reject(.priceOutsideBand)
                }
            }
            let reservePrice = isMarket ? (bandLimits(Int(r.symbol))?.upperBound ?? book.config.priceRange.upperBound * inst.tickSize)
                                        : r.price
            if let reason = reserve(agent: Int(r.agent), symbol: Int(r.symbol), side: r.side, price: reservePrice, quantity: r.quantity) {
                return reject(reason)
            }
            let symbolIndex = Int(r.symbol)
            let id = orderSequence[symbolIndex] &* UInt64(books.count) &+ UInt64(symbolIndex) &+ 1
            orderSequence[symbolIndex] += 1
            live[id] = Live(agent: r.agent, symbol: r.symbol, side: r.side, tag: r.tag, reservePrice: reservePrice)
            let order = NewOrder(id: id, owner: r.agent, side: r.side, price: isMarket ? nil : r.price / inst.tickSize,
                                 quantity: r.quantity, timeInForce: isMarket ? .ioc : r.timeInForce, postOnly: r.postOnly)
            events.removeAll(keepingCapacity: true)
            book.submit(order, events: &events)
            defer { checkHalt(Int(r.symbol)) }
            if events.count == 1 && events[0].kind == .rejected {
                // Refused by the book (post-only would cross, FOK short, wrong type for the phase).
                live[id] = nil
                release(Live(agent: r.agent, symbol: r.symbol, side: r.side, tag: r.tag, reservePrice: reservePrice), quantity: r.quantity)
                reports.append(ExchangeReport(agent: r.agent, symbol: r.symbol, kind: .rejected, reason: events[0].reason, side: r.side,
                                              maker: false, orderID: id, tag: r.tag, price: r.price, quantity: r.quantity,
                                              remaining: 0, fee: 0))
                return
            }
            apply(events, symbol: Int(r.symbol), reports: &reports)
        case .cancel, .reduce, .modify:
            guard let meta = live[r.orderID], meta.agent == r.agent, meta.symbol == r.symbol else { return reject(.unknownOrder) }
            if phase == .preOpenNoCancel { return reject(.noCancelWindow) }
            events.removeAll(keepingCapacity: true)
            switch r.action {
            case .cancel:
                book.cancel(id: r.orderID, events: &events)
            case .reduce:
                book.reduce(id: r.orderID, by: r.quantity, events: &events)
            default:
                if r.quantity <= 0 { return reject(.invalidQuantity) }
                if r.quantity % inst.lotSize != 0 { return reject(.quantityNotOnLot) }
                if r.price <= 0 { return reject(.invalidPrice) }
                if r.price % inst.tickSize != 0 { return reject(.priceNotOnTick) }
                if let band = bandLimits(Int(r.symbol)), r.price < band.lowerBound || r.price > band.upperBound {
                    return reject(.priceOutsideBand)
                }
                guard let resting = book.order(id: r.orderID) else { return reject(.unknownOrder) }
                // Re-reserve for the new terms: release the old, take the new, restore on failure.
                release(meta, quantity: resting.remaining)
                if let reason = reserve(agent: Int(r.agent), symbol: Int(r.symbol), side: meta.side, price: r.price, quantity: r.quantity) {
                    _ = reserve(agent: Int(r.agent), symbol: Int(r.symbol), side: meta.side, price: meta.reservePrice,
                                quantity: resting.remaining, force: true)
                    return reject(reason)
                }
                live[r.orderID]?.reservePrice = r.price
                book.modify(id: r.orderID, price: r.price / inst.tickSize, quantity: r.quantity, events: &events)
                if events.first?.kind == .rejected {
                    // The book refused (post-only across the spread): put the old reservation back.
                    release(live[r.orderID]!, quantity: r.quantity)
                    live[r.orderID]?.reservePrice = meta.reservePrice
                    _ = reserve(agent: Int(r.agent), symbol: Int(r.symbol), side: meta.side, price: meta.reservePrice,
                                quantity: resting.remaining, force: true)
                }
            }
            // A modify has already moved the reservation to the new terms; a reduce has not.
            apply(events, symbol: Int(r.symbol), reports: &reports, releaseOnReduce: r.action == .reduce)
            checkHalt(Int(r.symbol))
        }
    }

    /// Closes `tick`: the uncross if a call ends here, day-end expiry and settlement, and the
    /// market-data snapshot.
    @_specialize(exported: true, where Book == LadderBook)
    public func endTick(reports: inout [ExchangeReport]) {
        let t = tick
        let sessionUncross = config.schedule.uncrossesAfter(t)
        endTickParts.removeAll(keepingCapacity: true)
        func part(_ s: Int, expiry: Bool, _ body: () -> Void) {
            let r0 = reports.count, t0 = tickTrades.count
            body()
            if reports.count > r0 || tickTrades.count > t0 {
                endTickParts.append(EndTickPart(symbol: s, expiry: expiry, reports: r0..<reports.count, trades: t0..<tickTrades.count))
            }
        }
        for s in books.indices where owned[s] {
            // A halt that ends with this tick reopens with an uncross, unless the session's own
            // uncross or the close comes first.
            let reopens = haltedUntil[s] == t + 1 && config.schedule.phase(at: t) == .continuous
            if sessionUncross || reopens {
                part(s, expiry: false) {
                    events.removeAll(keepingCapacity: true)
                    let u = books[s].uncross(reference: referencePrices[s] / config.instruments[s].tickSize, events: &events)
                    if let u {
                        current[s].auctionPrice = u.price * config.instruments[s].tickSize
                        current[s].auctionVolume = u.volume
                    }
                    apply(events, symbol: s, reports: &reports)
                }
                if reopens && lastPrices[s] > 0 { haltReference[s] = lastPrices[s] }
            }
        }
        if config.schedule.endsDay(t) {
            for s in books.indices where owned[s] {
                // Day orders expire; the close becomes tomorrow's reference.
                var expiring: [UInt64] = []
                books[s].forEachRestingOrder { if $0.timeInForce == .day { expiring.append($0.id) } }
                part(s, expiry: true) {
                    for id in expiring {
                        events.removeAll(keepingCapacity: true)
                        books[s].cancel(id: id, events: &events)
                        for i in events.indices where events[i].kind == .cancelled { events[i].reason = .dayOrderExpired }
                        apply(events, symbol: s, reports: &reports)
                    }
                }
                if lastPrices[s] > 0 { referencePrices[s] = lastPrices[s] }
            }
            if config.accounts.tPlusOne {
                accounts.unsettled.buffer.update(repeating: 0)
            }
        }
        for s in books.indices where owned[s] {
            var snap = current[s]
            let b = books[s]
            let ts = config.instruments[s].tickSize
            snap.bids = b.levels(.buy, limit: config.depth).map { PriceLevel(price: $0.price * ts, quantity: $0.quantity, orders: $0.orders) }
            snap.asks = b.levels(.sell, limit: config.depth).map { PriceLevel(price: $0.price * ts, quantity: $0.quantity, orders: $0.orders) }
            if let top = snap.bids.first { snap.bidPrice = top.price; snap.bidSize = top.quantity }
            if let top = snap.asks.first { snap.askPrice = top.price; snap.askSize = top.quantity }
            snap.lastPrice = lastPrices[s]
            snap.halted = isHalted(s) && haltedUntil[s] > t + 1
            if (phase.isCall && !config.schedule.uncrossesAfter(t)) || snap.halted,
               let u = uncrossPrice(bids: b.levels(.buy, limit: .max), asks: b.levels(.sell, limit: .max), reference: referencePrices[s] / ts) {
                snap.indicativePrice = u.price * ts
                snap.indicativeVolume = u.volume
            }
            current[s] = snap
            history[s][t % history[s].count] = snap
        }
    }

    // MARK: market data

    /// The snapshot of `symbol` as an agent with `latency` ticks of delay sees it after tick
    /// `tick` (the latest at most `latency` ticks old).
    public func snapshot(symbol: Int, latency: Int = 0) -> MarketSnapshot {
        precondition(latency <= config.maxLatencyTicks, "latency \(latency) exceeds the kept history")
        let t = max(0, tick - latency)
        return history[symbol][t % history[symbol].count]
    }

    /// The day's price band of `symbol` in price units, on the tick grid.
    public func bandLimits(_ symbol: Int) -> ClosedRange<Price>? {
        let inst = config.instruments[symbol]
        guard let bps = inst.bandBasisPoints else { return nil }
        let ref = referencePrices[symbol]
        let width = ref * Price(bps) / 10_000
        let ts = inst.tickSize
        let low = max(ts, ((ref - width) + ts - 1) / ts * ts)
        let high = (ref + width) / ts * ts
        return low...high
    }

    // MARK: clearing

    /// Reserves what an order needs, or says why it cannot. `force` reserves regardless (to
    /// restore a reservation just released).
    private func reserve(agent: Int, symbol: Int, side: Side, price: Price, quantity: Quantity, force: Bool = false) -> Reason? {
        let rules = config.accounts
        if side == .buy {
            let need = buyReservation(price: price, quantity: quantity)
            if !force && !rules.allowMargin && accounts.availableCash(agent) < need { return .insufficientCash }
            accounts.reservedCash[accounts.row(agent)] += need
        } else {
            let k = accounts.slot(agent, symbol)
            if !force && !rules.allowShort {
                if accounts.position[k] - accounts.reservedPosition[k] - accounts.unsettled[k] < quantity {
                    let withoutT1 = accounts.position[k] - accounts.reservedPosition[k]
                    return rules.tPlusOne && withoutT1 >= quantity ? .notSellableYet : .insufficientPosition
                }
            }
            accounts.reservedPosition[k] += quantity
        }
        return nil
    }

    private func buyReservation(price: Price, quantity: Quantity) -> Int64 {
        let notional = price * quantity
        let worstFee = max(0, FeeSchedule.fee(notional: notional, basisPoints: max(config.fees.takerBasisPoints, config.fees.makerBasisPoints)))
        return notional + worstFee
    }

    private func release(_ meta: Live, quantity: Quantity) {
        if meta.side == .buy {
            accounts.reservedCash[accounts.row(Int(meta.agent))] -= buyReservation(price: meta.reservePrice, quantity: quantity)
        } else {
            accounts.reservedPosition[accounts.slot(Int(meta.agent), Int(meta.symbol))] -= quantity
        }
    }

    /// Turns book events into reports, and settles fills.
    private func apply(_ events: [BookEvent], symbol: Int, reports: inout [ExchangeReport], releaseOnReduce: Bool = true) {
        let ts = config.instruments[symbol].tickSize
        for e in events {
            switch e.kind {
            case .fill:
                let price = e.price * ts
                let auction = books[symbol].mode == .call
                let takerAgent = live[e.orderID]?.agent ?? e.owner, makerAgent = live[e.counterID]?.agent ?? e.counterOwner
                let buying = e.side == .buy
                tickTrades.append(TradeRecord(symbol: symbol, price: price, quantity: e.quantity,
                                              buyer: buying ? takerAgent : makerAgent, seller: buying ? makerAgent : takerAgent,
                                              buyOrder: buying ? e.orderID : e.counterID, sellOrder: buying ? e.counterID : e.orderID,
                                              aggressor: auction ? 2 : Int(e.side.rawValue)))
                settleFill(orderID: e.orderID, side: e.side, maker: false, price: price, quantity: e.quantity,
                           remaining: e.remaining, symbol: symbol, auction: auction, reports: &reports)
                settleFill(orderID: e.counterID, side: e.side.opposite, maker: true, price: price, quantity: e.quantity,
                           remaining: e.counterRemaining, symbol: symbol, auction: auction, reports: &reports)
                lastPrices[symbol] = price
                // In place: a copy of the snapshot would copy its growing trade feed on every fill.
                Self.record(fill: price, quantity: e.quantity, into: &current[symbol])
            case .cancelled:
                guard let meta = live.removeValue(forKey: e.orderID) else { continue }
                release(meta, quantity: e.remaining)
                reports.append(report(meta, e, price: e.price * ts))
            case .rejected:
                // A change to a live order the book refused; the order stays as it was.
                guard let meta = live[e.orderID] else { continue }
                reports.append(report(meta, e, price: e.price * ts))
            case .accepted, .reduced, .replaced:
                guard let meta = live[e.orderID] else { continue }
                if e.kind == .reduced && releaseOnReduce { release(meta, quantity: e.quantity) }
                reports.append(report(meta, e, price: e.price * ts))
            }
        }
    }

    private static func record(fill price: Price, quantity: Quantity, into snap: inout MarketSnapshot) {
        if snap.trades == 0 { snap.open = price; snap.high = price; snap.low = price }
        snap.high = max(snap.high, price)
        snap.low = min(snap.low, price)
        snap.close = price
        snap.volume += quantity
        snap.trades += 1
        snap.prints.append(TradePrint(price: price, quantity: quantity))
    }

    private func report(_ meta: Live, _ e: BookEvent, price: Price) -> ExchangeReport {
        ExchangeReport(agent: meta.agent, symbol: meta.symbol, kind: e.kind, reason: e.reason, side: meta.side, maker: false,
                       orderID: e.orderID, tag: meta.tag, price: price, quantity: e.quantity, remaining: e.remaining, fee: 0)
    }

    private func settleFill(orderID: UInt64, side: Side, maker: Bool, price: Price, quantity: Quantity, remaining: Quantity,
                            symbol: Int, auction: Bool, reports: inout [ExchangeReport]) {
        guard let meta = live[orderID] else { preconditionFailure("a fill for an order the exchange does not know") }
        let agent = accounts.row(Int(meta.agent))
        let k = agent * accounts.symbolCount + symbol
        let notional = price * quantity
        // In an auction nobody takes liquidity from a resting order: both sides pay the maker fee.
        let bps = (maker || auction) ? config.fees.makerBasisPoints : config.fees.takerBasisPoints
        let fee = FeeSchedule.fee(notional: notional, basisPoints: bps)
        release(meta, quantity: quantity)
        if side == .buy {
            accounts.cash[agent] -= notional + fee
            accounts.position[k] += quantity
            if config.accounts.tPlusOne { accounts.unsettled[k] += quantity }
        } else {
            accounts.cash[agent] += notional - fee
            accounts.position[k] -= quantity
        }
        accounts.feesCollected += fee
        if remaining == 0 { live[orderID] = nil }
        reports.append(ExchangeReport(agent: meta.agent, symbol: meta.symbol, kind: .fill, reason: .none, side: side,
                                      maker: maker, orderID: orderID, tag: meta.tag, price: price, quantity: quantity,
                                      remaining: remaining, fee: fee))
    }

    /// Replaces the tick's trades (with those of books that ran elsewhere, in the order of one exchange).
    public func replaceTickTrades(_ trades: [TradeRecord]) { tickTrades = trades }

    /// Live orders the exchange is tracking (for invariant checks).
    public var liveOrderCount: Int { live.count }
}
