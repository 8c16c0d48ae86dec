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

/// One trade on the public feed.
public struct TradePrint: Sendable, Hashable {
    public var price: Price
    public var quantity: Quantity
}

/// One trade with its counterparties, for the event log (not shown to agents).
public struct TradeRecord: Sendable, Hashable, BitwiseCopyable {
    public var symbol: Int
    public var price: Price
    public var quantity: Quantity
    public var buyer: UInt32
    public var seller: UInt32
    public var buyOrder: UInt64
    public var sellOrder: UInt64
    /// 0: a buy took liquidity, 1: a sell did, 2: an auction (nobody took).
    public var aggressor: Int
}

/// An agent's instruction to the exchange. Plain data: agents write these into per-shard buffers.
public struct OrderRequest: Sendable, Hashable, BitwiseCopyable {
    public enum Action: UInt8, Sendable, BitwiseCopyable { case new = 0, cancel = 1, reduce = 2, modify = 3 }

    public var agent: UInt32
    public var symbol: UInt16
    public var action: Action
    public var side: Side
    public var timeInForce: TimeInForce
    public var postOnly: Bool
    /// Limit price in price units; 0 for a market order. For modify: the new price.
    public var price: Price
    /// For new and modify: the (new) quantity; for reduce: the amount to take off.
    public var quantity: Quantity
    /// For cancel, reduce and modify: the exchange's order id.
    public var orderID: UInt64
    /// The agent's own tag for a new order, echoed in every report about it.
    public var tag: UInt32

    public init(agent: UInt32, symbol: UInt16, action: Action = .new, side: Side = .buy, timeInForce: TimeInForce = .gtc,
                postOnly: Bool = false, price: Price = 0, quantity: Quantity = 0, orderID: UInt64 = 0, tag: UInt32 = 0) {
        self.agent = agent
        self.symbol = symbol
        self.action = action
        self.side = side
        self.timeInForce = timeInForce
        self.postOnly = postOnly
        self.price = price
        self.quantity = quantity
        self.orderID = orderID
        self.tag = tag
    }

    public static func limit(agent: UInt32, symbol: UInt16 = 0, _ side: Side, price: Price, quantity: Quantity,
                             timeInForce: TimeInForce = .gtc, postOnly: Bool = false, tag: UInt32 = 0) -> OrderRequest {
        OrderRequest(agent: agent, symbol: symbol, side: side, timeInForce: timeInForce, postOnly: postOnly, price: price,
                     quantity: quantity, tag: tag)
    }

    public static func market(agent: UInt32, symbol: UInt16 = 0, _ side: Side, quantity: Quantity, tag: UInt32 = 0) -> OrderRequest {
        OrderRequest(agent: agent, symbol: symbol, side: side, timeInForce: .ioc, price: 0, quantity: quantity, tag: tag)
    }

    public static func cancel(agent: UInt32, symbol: UInt16 = 0, orderID: UInt64) -> OrderRequest {
        OrderRequest(agent: agent, symbol: symbol, action: .cancel, orderID: orderID)
    }
}

/// What the exchange tells one agent about one of its orders. A fill produces one report for
/// each side.
public struct ExchangeReport: Sendable, Hashable, BitwiseCopyable {
    public var agent: UInt32
    public var symbol: UInt16
    public var kind: BookEvent.Kind
    public var reason: Reason
    public var side: Side
    /// True on a fill where this agent's order was resting (the maker).
    public var maker: Bool
    public var orderID: UInt64
    public var tag: UInt32
    public var price: Price
    public var quantity: Quantity
    public var remaining: Quantity
    /// The fee charged on this fill (negative: a rebate).
    public var fee: Int64
}

/// One instrument's market as agents see it after a tick.
public struct MarketSnapshot: Sendable, Hashable {
    public var tick: Int
    public var phase: SessionPhase
    /// Best prices and sizes; 0 when that side is empty.
    public var bidPrice: Price = 0
    public var bidSize: Quantity = 0
    public var askPrice: Price = 0
    public var askSize: Quantity = 0
    /// The last trade's price (0 before the first trade).
    public var lastPrice: Price = 0
    /// The tick's bar: open, high, low, close of its trades (0 when none), volume, trade count.
    public var open: Price = 0
    public var high: Price = 0
    public var low: Price = 0
    public var close: Price = 0
    public var volume: Quantity = 0
    public var trades: Int = 0
    /// The band's reference price for the day.
    public var referencePrice: Price
    /// Set on the tick whose end ran an uncross: its price and volume.
    public var auctionPrice: Price = 0
    public var auctionVolume: Quantity = 0
    /// During a call: the price and volume the book would uncross at now (0 when it would not).
    public var indicativePrice: Price = 0
    public var indicativeVolume: Quantity = 0
    /// True while a volatility halt holds the instrument in a call.
    public var halted = false
    /// Every trade of the tick, in order: the public trade feed.
    public var prints: [TradePrint] = []
    /// Levels best first, prices in price units.
    public var bids: [PriceLevel] = []
    public var asks: [PriceLevel] = []

    /// The mid price; during a call the indicative uncross price (a call's book may be crossed, so
    /// its best prices say nothing); the last or reference price when there is none.
    public var mid: Price {
        if phase.isCall || halted {
            if indicativePrice > 0 { return indicativePrice }
        } else if bidPrice > 0 && askPrice > 0 {
            return (bidPrice + askPrice) / 2
        }
        return lastPrice > 0 ? lastPrice : referencePrice
    }
}

/// Cash and positions of agents, reserved amounts for open orders, and the fees collected.
/// Struct-of-arrays: one column per quantity, positions as row × symbol.
///
/// Usually every agent's, an agent's row being its id. A run spread over processes holds only
/// some: a trader's host a window of ids (the columns are windows, still indexed by id), a book
/// owner the scattered traders of its instruments (`index` gives their rows).
public final class Accounts: @unchecked Sendable {
    public let agentCount: Int
    public let symbolCount: Int
    /// The scattered agents held, when the accounts are not indexed by id.
    public let index: AgentIndex?
    public let cash: Column<Int64>
    public let reservedCash: Column<Int64>
    /// position[row * symbolCount + symbol]
    public let position: Column<Int64>
    public let reservedPosition: Column<Int64>
    /// Bought today, not sellable before tomorrow under T+1.
    public let unsettled: Column<Int64>
    /// Changed only by the exchange, and by a run spread over processes adding its peers' fees.
    public var feesCollected: Int64 = 0

    /// Every agent's accounts, or those of the ids `window`.
    public init(agents: Int, symbols: Int, cash: Int64 = 0, position: Int64 = 0, window: Range<Int>? = nil) {
        let rows = window ?? 0..<agents
        precondition(rows.lowerBound >= 0 && rows.upperBound <= agents, "accounts window \(rows) out of 0..<\(agents)")
        agentCount = agents
        symbolCount = symbols
        index = nil
        let slots = (rows.lowerBound * symbols)..<(rows.upperBound * symbols)
        self.cash = Column(window: rows, repeating: cash)
        reservedCash = Column(window: rows, repeating: 0)
        self.position = Column(window: slots, repeating: position)
        reservedPosition = Column(window: slots, repeating: 0)
        unsettled = Column(window: slots, repeating: 0)
    }

    /// The accounts of the agents `index` holds, in its rows.
    public init(agents: Int, symbols: Int, cash: Int64 = 0, position: Int64 = 0, holding index: AgentIndex) {
        precondition(index.agents.last.map { Int($0) < agents } ?? true, "accounts for agents out of 0..<\(agents)")
        agentCount = agents
        symbolCount = symbols
        self.index = index
        self.cash = Column(count: index.count, repeating: cash)
        reservedCash = Column(count: index.count, repeating: 0)
        self.position = Column(count: index.count * symbols, repeating: position)
        reservedPosition = Column(count: index.count * symbols, repeating: 0)
        unsettled = Column(count: index.count * symbols, repeating: 0)
    }

    /// Whether `agent`'s account is held here.
    public func holds(_ agent: Int) -> Bool {
        if let index { return index.row(of: agent) != nil }
        return cash.indices.contains(agent)
    }

    /// The row of `agent`'s cash (its slots are `row * symbolCount + symbol`).
    @inlinable public func row(_ agent: Int) -> Int {
        guard let index else { return agent }
        guard let r = index.row(of: agent) else { preconditionFailure("no account for agent \(agent) here") }
        return r
    }

    @inlinable public func slot(_ agent: Int, _ symbol: Int) -> Int { row(agent) * symbolCount + symbol }

    public func availableCash(_ agent: Int) -> Int64 {
        let r = row(agent)
        return cash[r] - reservedCash[r]
    }

    /// Shares that may be sold now.
    public func sellable(_ agent: Int, _ symbol: Int) -> Int64 {
        let k = slot(agent, symbol)
        return position[k] - reservedPosition[k] - unsettled[k]
    }

    /// Σ cash held + fees collected: constant over a run.
    public var totalCash: Int64 { cash.buffer.reduce(0, +) + feesCollected }

    /// Σ positions of `symbol` held: constant over a run.
    public func totalPosition(_ symbol: Int) -> Int64 {
        let p = position.buffer
        return stride(from: symbol, to: p.count, by: symbolCount).reduce(0) { $0 + p[$1] }
    }

    /// Bytes held.
    public var byteCount: Int {
        cash.byteCount * 2 + position.byteCount * 3 + (index?.byteCount ?? 0)
    }
}

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
