import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM
import AgoraSocial

/// What an agent sees of one instrument: a plain value, published once per tick per latency.
public struct MarketView: Sendable, Hashable, BitwiseCopyable {
    public var mid: Price = 0
    public var bid: Price = 0
    public var ask: Price = 0
    public var last: Price = 0
    public var bandLow: Price = 0
    public var bandHigh: Price = 0
    public var tick: Int32 = 0
    public var open: Bool = false
}

/// Traders on an exchange: populations of trader kinds (`TraderStrategy`: Agora's own and any
/// registered from outside), each agent trading one instrument, all orders going through one
/// `Exchange`. The model is split by facet: this file holds its state and set-up; `+Submit` the
/// traders' turns, `+Match` the exchange and what it publishes, `+Record` events and metrics,
/// `+LLM` what escalated traders see, `+Checkpoint` and `+Distribution` the rest.
///
/// A tick: in submit, each shard's active agents read their market view (delayed by their
/// population's latency) and their account, and queue order requests. In match, one thread orders
/// the tick's requests by a hash of (seed, tick, agent) — fair, and the same for any shard count —
/// keeping each agent's own requests in sequence, and runs them through the exchange; reports are
/// queued to the agents' shards. In propagate, agents learn which of their orders live. In record,
/// every report and each instrument's market data go into the digest.
///
/// On a network (one node per trader) news travels as posts: see `TraderFeeds`. Then a
/// fundamentalist's estimate leaves out the news it has not heard and leans with its sentiment, a
/// noise trader's buy probability leans with its sentiment, and two more phases run: decide
/// (posting) before submit, and record (posts and first hearings) after propagate.
public final class MarketModel: Model, @unchecked Sendable {
    public typealias Message = TraderPost

    /// Random streams of the model's components.
    public enum Stream {
        public static let activity: UInt64 = 0x4D4B_0001
        public static let fundamental: UInt64 = 0x4D4B_0002
        public static let setup: UInt64 = 0x4D4B_0003
    }

    /// Event kinds: every report to an agent, and each instrument's market at the end of a tick
    /// (the "agent" column of `market` is the instrument's index).
    public enum Event {
        public static let report = EventKind(id: 20, name: "report", columns: [
            "report", "reason", "side", "instrument", "maker", "order_id", "price", "quantity", "remaining", "fee"])
        public static let market = EventKind(id: 21, name: "market", columns: [
            "bid", "ask", "last", "volume", "trades", "bid_size", "ask_size", "auction_price", "auction_volume"])
        /// Every request an agent sent, in the order the exchange took them.
        public static let order = EventKind(id: 22, name: "order", columns: [
            "action", "instrument", "side", "time_in_force", "post_only", "price", "quantity", "order_id", "tag"])
        /// Every trade, once, with both sides ("agent" is the buyer); aggressor 0 buy, 1 sell, 2 auction.
        public static let trade = EventKind(id: 23, name: "trade", columns: [
            "instrument", "price", "quantity", "seller", "buy_order", "sell_order", "aggressor"])
        /// On a network, every post: about a news item (`news` its index) or a trade (`news` −1),
        /// with its sentiment (+1 or −1).
        public static let post = EventKind(id: 24, name: "post", columns: ["instrument", "news", "sentiment"])
        /// On a network, the tick each trader first hears each news item.
        public static let heard = EventKind(id: 25, name: "heard", columns: ["news"])
    }

    public var eventKinds: [EventKind] {
        [Event.report, Event.market, Event.order, Event.trade] + (feeds == nil ? [] : [Event.post, Event.heard])
            + (llm == nil ? [] : [LLMTraders.event])
    }

    public let spec: MarketSpec
    public let populations: [TraderPopulation]
    public let exchange: Exchange<LadderBook>
    public let agentCount: Int
    public let seed: UInt64

    /// The traders whose state this process keeps: all of them, unless the run is spread over
    /// processes, when the per-agent columns below are windows of this process's traders.
    public let held: Range<Int>
    // Per agent held.
    public let population: Column<UInt8>
    public let symbol: Column<UInt16>
    /// The agent's resting order (a market maker's bid), 0 when none.
    public let liveOrder: Column<UInt64>
    /// A market maker's ask, 0 when none.
    public let liveOrder2: Column<UInt64>
    /// Per population, its strategy's per-trader state (`Column<S.AgentState>` over the
    /// population's held traders; nil for a strategy that keeps none).
    let strategyStates: [AnyObject?]
    /// Shares held at the start (market makers measure inventory from it).
    let startPosition: Column<Int64>
    /// The accounts the traders' rules read. In one process, the exchange's own. Spread over
    /// processes, the exchange holds the accounts of the traders of its own books (all their
    /// changes happen there) and these are copies of this process's traders' accounts, brought up
    /// to date from the books' owners after every match.
    public let traderAccounts: Accounts
    /// The first trader of each population, and one past the last trader.
    let populationStarts: [Int]
    /// The place this model was built for in a spread run (nil: built whole).
    let placement: ModelPlacement?
    /// The traders whose phases this process runs (`held`, or a joined process's share of them).
    var hosted: Range<Int>
    /// What the LLM side reads of each escalated trader, taken afresh every tick.
    var escalatedTraders: [Int: EscalatedTrader] = [:]

    // Published each tick, read by every shard.
    /// views[lag * symbols + s]: what an agent with `lag` ticks of latency sees.
    public let views: Column<MarketView>
    /// Fundamental values, price units.
    public let fundamental: Column<Int64>
    /// Mid prices of the last `historyLength` ticks: midHistory[s * historyLength + tick % historyLength].
    let midHistory: Column<Int64>
    let historyLength: Int
    let maxLatency: Int

    /// Created in `prepare(layout:)`, one queue per shard.
    var requests: ShardQueues<OrderRequest>!
    var reports: ShardQueues<ExchangeReport>!
    var layout: ShardLayout!
    let activity: RandomStream
    let fundamentalRandom: RandomStream
    var order: [(key: UInt64, shard: Int32, index: Int32)] = []
    /// The tick's reports in the order the exchange produced them: what `recordSerial` records.
    var tickReports: [ExchangeReport] = []
    var scratch: [ExchangeReport] = []
    var requestCount = 0
    /// The network's side of the market, when it runs on one.
    let feeds: TraderFeeds?
    /// The LLM side, when the scenario escalates some traders.
    let llm: LLMTraders?
    /// The processes of a run spread over several: each runs the books of the instruments
    /// `symbol % size == rank` (see `matchOwnedBooks`).
    var processes: (any ProcessGroup)?
    /// Per news item: its symbol, the tick it broke, and the factor (×10⁴) by which it moved the
    /// fundamental; as a column, for the traders' turns.
    let newsJumps: [(symbol: Int, tick: Int, basisPoints: Int64)]
    let news: Column<NewsJump>
    let headlines: [String?]

    public var phases: Phases { feeds == nil ? [.submit, .match, .propagate] : [.decide, .submit, .match, .propagate, .record] }

    /// `network`, when given, has one node per trader: traders are its nodes in population order
    /// (spread over processes, at least the rows of this process's traders). `placement`: the
    /// process of a spread run this model is built for, which keeps only its own traders' state.
    public init(spec: MarketSpec, populations: [(TraderPopulation, Int)], seed: UInt64, network: CSRGraph? = nil,
                llm: LLMSettings? = nil, answers: (any AnswerSource)? = nil, placement: ModelPlacement? = nil) {
        precondition(!populations.isEmpty && populations.count <= 255, "1 to 255 trader populations")
        self.spec = spec
        self.seed = seed
        self.populations = populations.map(\.0)
        agentCount = populations.reduce(0) { $0 + $1.1 }
        precondition(agentCount >= 1 && agentCount < Int(UInt32.max), "agent count out of range")
        let symbols = spec.exchange.instruments.count
        let held = placement?.agents ?? 0..<agentCount
        precondition(held.lowerBound >= 0 && held.upperBound <= agentCount, "traders \(held) are not all among 0..<\(agentCount)")
        self.held = held
        hosted = held
        self.placement = placement
        var starts: [Int] = [], next = 0
        for (_, count) in populations {
            starts.append(next)
            next += count
        }
        populationStarts = starts + [next]
        let setup = RandomStream(seed: seed, stream: Stream.setup).tick(0)
        // Every trader's instrument is drawn (the feeds count each instrument's traders, a book's
        // owner keeps the accounts of its traders); the held traders' are kept.
        var tradersOf = [Int](repeating: 0, count: symbols)
        var booksTraders: [UInt32] = []
        let spread = placement.map { $0.processes > 1 } ?? false
        for i in 0..<agentCount {
            var r = setup.agent(i)
            let s = Int(r.next() % UInt64(symbols))
            tradersOf[s] += 1
            if spread, s % placement!.processes == placement!.rank { booksTraders.append(UInt32(i)) }
        }
        let accounts: Accounts
        if spread {
            accounts = Accounts(agents: agentCount, symbols: symbols, cash: spec.cash, position: spec.position,
                                holding: AgentIndex(agents: booksTraders))
            traderAccounts = Accounts(agents: agentCount, symbols: symbols, cash: spec.cash, position: spec.position, window: held)
        } else {
            accounts = Accounts(agents: agentCount, symbols: symbols, cash: spec.cash, position: spec.position)
            traderAccounts = accounts
        }
        exchange = Exchange(config: spec.exchange, accounts: accounts, makeBook: LadderBook.init)
        population = Column(window: held, repeating: 0)
        symbol = Column(window: held, repeating: 0)
        liveOrder = Column(window: held, repeating: 0)
        liveOrder2 = Column(window: held, repeating: 0)
        startPosition = Column(window: held, repeating: spec.position)
        /// A population's own starting cash and shares, in `acc`.
        func start(_ acc: Accounts, _ i: Int, _ params: TraderCommon) {
            if let c = params.cash { acc.cash[acc.row(i)] = c }
            if let q = params.position { for s in 0..<symbols { acc.position[acc.slot(i, s)] = q } }
        }
        var states: [AnyObject?] = []
        for (p, (trader, count)) in populations.enumerated() {
            let lo = max(starts[p], held.lowerBound), hi = max(lo, min(starts[p] + count, held.upperBound))
            for i in lo..<hi {
                population[i] = UInt8(p)
                var r = setup.agent(i)
                symbol[i] = UInt16(r.next() % UInt64(symbols))
                start(traderAccounts, i, trader.common)
                if let q = trader.common.position { startPosition[i] = q }
            }
            states.append(trader.strategy.initialStates(lo..<hi, setup: setup))
        }
        strategyStates = states
        if spread {
            for a in booksTraders { start(accounts, Int(a), populations[Self.population(of: Int(a), starts: starts)].0.common) }
        }
        maxLatency = spec.exchange.maxLatencyTicks
        historyLength = max(2, (self.populations.map(\.strategy.historyTicks).max() ?? 0) + 1, (llm?.escalation.lookback ?? 0) + 1)
        views = Column(count: (maxLatency + 1) * symbols, repeating: MarketView())
        fundamental = Column(spec.exchange.instruments.map(\.referencePrice))
        midHistory = Column(count: symbols * historyLength, repeating: 0)
        for s in 0..<symbols {
            for k in 0..<historyLength { midHistory[s * historyLength + k] = spec.exchange.instruments[s].referencePrice }
        }
        activity = RandomStream(seed: seed, stream: Stream.activity)
        fundamentalRandom = RandomStream(seed: seed, stream: Stream.fundamental)
        if let network {
            precondition(network.nodeCount == agentCount, "one network node per trader")
            let f = TraderFeeds(graph: network, news: spec.news, populations: populations.map(\.0.common), held: held, tradersOf: tradersOf,
                                seed: seed)
            if f.follows.rows != held { f.keepRows(held) }
            feeds = f
        } else {
            feeds = nil
        }
        newsJumps = spec.news.map { ($0.symbol, $0.tick, Int64($0.jumpBasisPoints)) }
        news = Column(spec.news.map { NewsJump(symbol: $0.symbol, tick: $0.tick, basisPoints: Int64($0.jumpBasisPoints)) })
        headlines = spec.news.map(\.headline)
        if let llm {
            let source = answers ?? (llm.endpoint == nil ? NoEndpoint(reason: llm.noEndpointReason) : LiveEndpoint(client: LLMClient(settings: llm.endpoint!), cache: nil))
            self.llm = LLMTraders(settings: llm, source: source, agentCount: agentCount, held: held,
                                  populationOf: { Self.population(of: $0, starts: starts) }, social: network != nil, seed: seed)
        } else {
            self.llm = nil
        }
        publishViews(afterTick: -1)
    }

    /// The population of trader `i`, from the first trader of each.
    static func population(of i: Int, starts: [Int]) -> Int {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= i { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    public func prepare(layout: ShardLayout) {
        self.layout = layout
        requests = ShardQueues(shards: layout.shardCount)
        reports = ShardQueues(shards: layout.shardCount)
    }

    public var stateBytes: Int {
        population.byteCount + symbol.byteCount + liveOrder.byteCount + liveOrder2.byteCount
            + zip(populations, strategyStates).reduce(0) { $0 + type(of: $1.0.strategy).stateBytes($1.1) }
            + startPosition.byteCount + traderAccounts.byteCount + (exchange.accounts === traderAccounts ? 0 : exchange.accounts.byteCount)
            + (feeds?.byteCount ?? 0) + (llm?.pendingFlag.byteCount ?? 0)
    }

    // MARK: decide (on a network)

    public func decide(_ ctx: ShardContext, outbox: Outbox<TraderPost>) {
        feeds?.decide(ctx, outbox: outbox, population: population, symbol: symbol)
    }

    // MARK: match

    public func match(tick: Tick) {
        updateFundamentals(tick: tick)
        exchange.beginTick(tick)
        let q: ShardQueues<OrderRequest> = requests
        // The tick's requests in a fair order that no shard split can change: by a hash of the
        // agent, then in each agent's own order.
        order.removeAll(keepingCapacity: true)
        let key = RandomStream(seed: seed, stream: Stream.activity ^ 0xFFFF).tick(tick).key
        for shard in 0..<q.shardCount {
            let c = q.contents(shard)
            for (k, r) in c.enumerated() {
                order.append((mix64(key ^ UInt64(r.agent)), Int32(shard), Int32(k)))
            }
        }
        order.sort { a, b in
            if a.key != b.key { return a.key < b.key }
            if a.shard != b.shard { return a.shard < b.shard }
            return a.index < b.index
        }
        requestCount = order.count
        reports.clearAll()
        tickReports.removeAll(keepingCapacity: true)
        if let llm {
            // This process's escalated traders as the tick left them (the others' were shared after submit).
            for i in llm.escalated where hosted.contains(i) { escalatedTraders[i] = escalatedTrader(from: i) }
        }
        if let processes, processes.size > 1 {
            matchOwnedBooks(processes, tick: tick)
        } else {
            for item in order {
                let r = q.contents(Int(item.shard))[Int(item.index)]
                scratch.removeAll(keepingCapacity: true)
                exchange.process(r, reports: &scratch)
                tickReports += scratch
            }
            exchange.endTick(reports: &tickReports)
        }
        for rep in tickReports { reports.append(rep, shard: layout.shard(of: Int(rep.agent))) }
        if let llm {
            // Their accounts after the match (another process's traders': from the books' owners).
            for i in llm.escalated where traderAccounts.holds(i) { escalatedTraders[i]!.takeAccount(i, from: traderAccounts) }
        }
        publishViews(afterTick: tick)
        llm?.step(tick: tick, market: self)
    }

    func updateFundamentals(tick: Int) {
        let v = Int64(spec.fundamentalVolatilityBasisPoints)
        let draws = fundamentalRandom.tick(tick)
        for s in 0..<spec.exchange.instruments.count {
            var r = draws.agent(s)
            var stepBps: Int64 = 0
            if v > 0 {
                for _ in 0..<4 { stepBps += Int64(r.next() % UInt64(2 * v + 1)) - v }
                stepBps /= 2
            }
            for n in spec.news where n.tick == tick && n.symbol == s { stepBps += Int64(n.jumpBasisPoints) }
            fundamental[s] = max(spec.exchange.instruments[s].tickSize, fundamental[s] + fundamental[s] * stepBps / 10_000)
        }
    }

    /// Copies the exchange's market data into `views` for every latency, and the mids into the history.
    func publishViews(afterTick tick: Int) {
        let symbols = spec.exchange.instruments.count
        let nextPhase = spec.exchange.schedule.phase(at: tick + 1)
        for lag in 0...maxLatency {
            for s in 0..<symbols {
                var v = MarketView()
                if tick >= 0 {
                    let snap = exchange.snapshot(symbol: s, latency: min(lag, tick))
                    v.mid = snap.mid
                    // A call's book may be crossed: its best prices are not quotes anyone can hit.
                    let collecting = snap.phase.isCall || snap.halted
                    v.bid = collecting ? 0 : snap.bidPrice
                    v.ask = collecting ? 0 : snap.askPrice
                    v.last = snap.lastPrice
                    v.tick = Int32(snap.tick)
                } else {
                    v.mid = spec.exchange.instruments[s].referencePrice
                }
                let band = exchange.bandLimits(s) ?? (spec.exchange.instruments[s].tickSize...Price(Int32.max))
                v.bandLow = band.lowerBound
                v.bandHigh = band.upperBound
                v.open = nextPhase != .closed
                views[lag * symbols + s] = v
            }
        }
        if tick >= 0 {
            for s in 0..<symbols { midHistory[s * historyLength + tick % historyLength] = views[s].mid }
        }
    }

    // MARK: propagate and record

    public func propagate(_ ctx: ShardContext, inbox: Inbox<TraderPost>) {
        let live = liveOrder.pointer, live2 = liveOrder2.pointer
        for r in reports.contents(ctx.shard) {
            let i = Int(r.agent)
            if r.kind == .fill { feeds?.noteFill(agent: i, bought: r.side == .buy) }
            switch r.kind {
            case .accepted:
                if OrderTag.isSecondSlot(r.tag) { live2[i] = r.orderID } else { live[i] = r.orderID }
            case .fill where r.remaining == 0, .cancelled:
                if live[i] == r.orderID { live[i] = 0 }
                if live2[i] == r.orderID { live2[i] = 0 }
            default:
                break
            }
        }
        feeds?.read(ctx, inbox: inbox, symbol: symbol)
    }

    public var counterCount: Int { 4 + (feeds?.counterCount ?? 0) }

    /// Notes for the run's summary: where LLM answers come from.
    public var notes: [String] { llm.map { ["llm: " + $0.source.label] } ?? [] }

    /// On a network: each shard's posts and first hearings.
    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        feeds?.record(ctx, into: &recorder, base: 4, symbol: symbol, postKind: Event.post.id, heardKind: Event.heard.id)
    }

    /// Records every report in the exchange's order, and each instrument's end-of-tick market.
    public func recordSerial(_ tick: Tick, into recorder: inout ShardRecorder) {
        var fills: Int64 = 0, rejects: Int64 = 0, volume: Int64 = 0
        var values = [Int64](repeating: 0, count: Event.report.columns.count)
        values.withUnsafeMutableBufferPointer { v in
            for r in tickReports {
                v[0] = Int64(r.kind.rawValue); v[1] = Int64(r.reason.rawValue); v[2] = Int64(r.side.rawValue)
                v[3] = Int64(r.symbol); v[4] = r.maker ? 1 : 0; v[5] = Int64(bitPattern: r.orderID)
                v[6] = r.price; v[7] = r.quantity; v[8] = r.remaining; v[9] = r.fee
                recorder.record(kind: Event.report.id, agent: Int(r.agent), values: UnsafeBufferPointer(v))
                if r.kind == .fill { fills += 1; volume += r.quantity }
                if r.kind == .rejected { rejects += 1 }
            }
        }
        llm?.record(into: &recorder)
        var o = [Int64](repeating: 0, count: Event.order.columns.count)
        o.withUnsafeMutableBufferPointer { v in
            for item in order {
                let r = requests.contents(Int(item.shard))[Int(item.index)]
                v[0] = Int64(r.action.rawValue); v[1] = Int64(r.symbol); v[2] = Int64(r.side.rawValue)
                v[3] = Int64(r.timeInForce.rawValue); v[4] = r.postOnly ? 1 : 0; v[5] = r.price; v[6] = r.quantity
                v[7] = Int64(bitPattern: r.orderID); v[8] = Int64(r.tag)
                recorder.record(kind: Event.order.id, agent: Int(r.agent), values: UnsafeBufferPointer(v))
            }
        }
        var t = [Int64](repeating: 0, count: Event.trade.columns.count)
        t.withUnsafeMutableBufferPointer { v in
            for x in exchange.tickTrades {
                v[0] = Int64(x.symbol); v[1] = x.price; v[2] = x.quantity; v[3] = Int64(x.seller)
                v[4] = Int64(bitPattern: x.buyOrder); v[5] = Int64(bitPattern: x.sellOrder); v[6] = Int64(x.aggressor)
                recorder.record(kind: Event.trade.id, agent: Int(x.buyer), values: UnsafeBufferPointer(v))
            }
        }
        recorder.counters[0] += fills
        recorder.counters[1] += rejects
        recorder.counters[2] += volume
        recorder.counters[3] += Int64(requestCount)
        for s in 0..<spec.exchange.instruments.count {
            let snap = exchange.snapshot(symbol: s)
            recorder.record(kind: Event.market.id, agent: s, values: [
                snap.bidPrice, snap.askPrice, snap.lastPrice, snap.volume, Int64(snap.trades), snap.bidSize, snap.askSize,
                snap.auctionPrice, snap.auctionVolume])
        }
    }

    // MARK: metrics

    public var metricNames: [String] {
        ["orders", "fills", "rejects"] + spec.exchange.instruments.flatMap { i in
            ["last", "mid", "spread", "volume", "fundamental"].map { "\(i.name).\($0)" }
        } + (feeds?.metricNames(instruments: spec.exchange.instruments.map(\.name)) ?? [])
    }

    var totals = (orders: 0, fills: 0, rejects: 0, volume: 0)

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        totals.orders += requestCount
        totals.fills += Int(counters[0]) / 2
        totals.rejects += Int(counters[1])
        totals.volume += Int(counters[2]) / 2
        var row: [Double] = [Double(requestCount), Double(counters[0] / 2), Double(counters[1])]
        for s in 0..<spec.exchange.instruments.count {
            let snap = exchange.snapshot(symbol: s)
            let spread = snap.bidPrice > 0 && snap.askPrice > 0 ? Double(snap.askPrice - snap.bidPrice) : .nan
            row += [Double(snap.lastPrice), Double(snap.mid), spread, Double(snap.volume), Double(fundamental[s])]
        }
        if let feeds {
            row += feeds.endTick(tick, counters: counters[4...])
            feeds.applyFollows()
        }
        return row
    }

    public func summary() -> [(name: String, value: Double)] {
        var out: [(String, Double)] = [("orders", Double(totals.orders)), ("trades", Double(totals.fills)),
                                       ("rejects", Double(totals.rejects)), ("volume", Double(totals.volume))]
        for (s, inst) in spec.exchange.instruments.enumerated() {
            out.append(("\(inst.name).last", Double(exchange.snapshot(symbol: s).lastPrice)))
        }
        return out + (feeds?.summary() ?? []) + (llm?.summary() ?? [])
    }
}

// MARK: what the LLM side reads

extension MarketModel {
    /// What the LLM side reads of an escalated trader. The LLM side is a serial step that every
    /// process runs for every escalated trader, but spread over processes only a trader's host
    /// keeps its columns: the host shares this after submit, and the books' owners' account
    /// updates bring the account fields to the end of the match.
    struct EscalatedTrader {
        var symbol: Int
        var resting: Int
        var startPosition: Int64
        var cash: Int64 = 0
        var reservedCash: Int64 = 0
        /// Per instrument.
        var positions: [Int64] = []
        /// On a network (0 without one).
        var heard: UInt64 = 0
        var sentiment: Int16 = 0
        var postsRead: UInt32 = 0
        var lastRead = TraderPost(author: .max, symbol: 0, news: 0, sentiment: 0)
        var followers = 0

        mutating func takeAccount(_ i: Int, from acc: Accounts) {
            let row = acc.row(i)
            cash = acc.cash[row]
            reservedCash = acc.reservedCash[row]
            positions = (0..<acc.symbolCount).map { acc.position[acc.slot(i, $0)] }
        }

        func write(to w: inout StateWriter) {
            w.write(symbol); w.write(resting); w.write(startPosition); w.write(cash); w.write(reservedCash); w.write(positions)
            w.write(heard); w.write(Int(sentiment)); w.write(Int(postsRead))
            w.write(Int(lastRead.author)); w.write(Int(lastRead.symbol)); w.write(Int(lastRead.news)); w.write(Int(lastRead.sentiment))
            w.write(followers)
        }

        init(symbol: Int, resting: Int, startPosition: Int64) {
            self.symbol = symbol
            self.resting = resting
            self.startPosition = startPosition
        }

        init(from r: inout StateReader) throws(StateReader.Failure) {
            symbol = try r.int(); resting = try r.int(); startPosition = try r.int64(); cash = try r.int64(); reservedCash = try r.int64()
            positions = try r.int64s()
            heard = try r.uint64(); sentiment = Int16(truncatingIfNeeded: try r.int()); postsRead = UInt32(truncatingIfNeeded: try r.int())
            lastRead = TraderPost(author: UInt32(truncatingIfNeeded: try r.int()), symbol: UInt16(truncatingIfNeeded: try r.int()),
                                  news: UInt8(truncatingIfNeeded: try r.int()), sentiment: Int8(truncatingIfNeeded: try r.int()))
            followers = try r.int()
        }
    }

    /// Escalated trader `i` as this process's columns hold it (`i` one of its own).
    func escalatedTrader(from i: Int) -> EscalatedTrader {
        var t = EscalatedTrader(symbol: Int(symbol[i]), resting: (liveOrder[i] != 0 ? 1 : 0) + (liveOrder2[i] != 0 ? 1 : 0),
                                startPosition: startPosition[i])
        t.takeAccount(i, from: traderAccounts)
        if let feeds {
            t.heard = feeds.heard[i]
            t.sentiment = feeds.sentiment[i]
            t.postsRead = feeds.postsRead[i]
            t.lastRead = feeds.lastRead[i]
            t.followers = feeds.followerCount(i)
        }
        return t
    }

    /// Escalated trader `i` as the LLM side sees it this tick.
    func escalatedTrader(_ i: Int) -> EscalatedTrader {
        guard let t = escalatedTraders[i] else { preconditionFailure("escalated trader \(i) was not taken this tick") }
        return t
    }

    /// Cash plus shares at the current mid: an escalated trader's mark-to-market wealth.
    func wealth(_ agent: Int) -> Int64 {
        let t = escalatedTrader(agent)
        var w = t.cash
        for s in t.positions.indices { w += t.positions[s] * views[s].mid }
        return w
    }

    /// The mid of `symbol` `ticksAgo` ticks before the last published one (at most the history kept).
    func mid(symbol s: Int, ticksAgo: Int) -> Int64 {
        let tick = Int(views[s].tick)
        let k = min(ticksAgo, historyLength - 1)
        return midHistory[s * historyLength + ((tick - k) % historyLength + historyLength) % historyLength]
    }

    /// The news items (bit k: news k) escalated trader `agent` knows at the end of `tick`: on a
    /// network those it heard; without, those about its instrument that have broken.
    func newsKnown(by agent: Int, tick: Int) -> UInt64 {
        let t = escalatedTrader(agent)
        if feeds != nil { return t.heard }
        var bits: UInt64 = 0
        for (k, n) in newsJumps.enumerated() where k < 64 && n.tick <= tick && n.symbol == t.symbol { bits |= 1 << UInt64(k) }
        return bits
    }

    /// Why the exchange would refuse `decision` outright (nil: it would take it): lots, grid, band.
    func refusal(of decision: TraderDecision, symbol s: Int) -> String? {
        if case .follow(let whom) = decision {
            return whom >= agentCount ? "there is no trader \(whom) (traders 0..<\(agentCount))" : nil
        }
        guard case .order(_, let limit, let quantity) = decision else { return nil }
        let inst = spec.exchange.instruments[s]
        if quantity % inst.lotSize != 0 { return "quantity \(quantity) is not a multiple of the lot size \(inst.lotSize)" }
        if let limit {
            if limit % inst.tickSize != 0 { return "price \(limit) is not a multiple of the tick size \(inst.tickSize)" }
            if let band = exchange.bandLimits(s), !band.contains(limit) {
                return "price \(limit) is outside today's band \(band.lowerBound)…\(band.upperBound)"
            }
        }
        return nil
    }

    /// What an escalated agent is shown at the end of `tick`, and its observation bucket.
    func observe(agent i: Int, tick: Int, rules: LLMSettings) -> LLMTraders.Observation {
        let trader = escalatedTrader(i)
        let s = trader.symbol
        let inst = spec.exchange.instruments[s]
        let snap = exchange.snapshot(symbol: s)
        var lines: [String] = []
        let phase: String
        switch snap.phase {
        case .preOpen, .preOpenNoCancel: phase = "in its opening call auction"
        case .continuous: phase = snap.halted ? "halted (a call auction)" : "trading continuously"
        case .closingCall: phase = "in its closing call auction"
        case .closed: phase = "closed"
        }
        lines.append("Tick \(tick); the market is \(phase). You trade \(inst.name) (tick size \(inst.tickSize), lot size \(inst.lotSize)); prices are integers in price units.")
        lines.append("Best bid \(snap.bidPrice) x \(snap.bidSize), best ask \(snap.askPrice) x \(snap.askSize), last trade \(snap.lastPrice), mid \(snap.mid).")
        if !snap.bids.isEmpty || !snap.asks.isEmpty {
            let bids = snap.bids.map { "\($0.price)x\($0.quantity)" }.joined(separator: " ")
            let asks = snap.asks.map { "\($0.price)x\($0.quantity)" }.joined(separator: " ")
            lines.append("Order book: bids \(bids.isEmpty ? "none" : bids); asks \(asks.isEmpty ? "none" : asks).")
        }
        if let band = exchange.bandLimits(s) { lines.append("Today's price band: \(band.lowerBound) to \(band.upperBound).") }
        let lookback = rules.escalation.lookback
        let history = (0...min(lookback, historyLength - 1)).reversed().map { mid(symbol: s, ticksAgo: $0) }
        lines.append("Mid over the last \(history.count) ticks: \(history.map(String.init).joined(separator: ", ")).")
        let position = trader.positions[s]
        let free = trader.cash - trader.reservedCash
        let resting = trader.resting
        lines.append("You hold \(position) shares and \(trader.cash) in cash (\(free) free); you have \(resting) resting order\(resting == 1 ? "" : "s").")
        let known = newsKnown(by: i, tick: tick)
        var heardLines: [String] = []
        for (k, n) in newsJumps.enumerated() where k < 64 && known & (1 << UInt64(k)) != 0 {
            let name = spec.exchange.instruments[n.symbol].name
            let pct = String(format: "%.2f", Double(abs(n.basisPoints)) / 100)
            heardLines.append("tick \(n.tick): " + (headlines[k] ?? "\(name)'s fundamental value \(n.basisPoints < 0 ? "falls" : "rises") \(pct)%"))
        }
        lines.append(heardLines.isEmpty ? "You have heard no news." : "News you have heard: " + heardLines.joined(separator: "; ") + ".")
        let prints = snap.prints.suffix(5).map { "\($0.price)x\($0.quantity)" }
        if !prints.isEmpty { lines.append("Recent trades (price x shares): \(prints.joined(separator: ", ")).") }
        if feeds != nil {
            let mood = Double(trader.sentiment) / 1000
            lines.append("Your feed: \(trader.postsRead) posts read so far; \(trader.followers) traders follow you; "
                         + "the mood about \(inst.name) is \(String(format: "%+.2f", mood)) (-1 bearish, +1 bullish).")
            let head = trader.lastRead
            if head.author != .max {
                let about = spec.exchange.instruments[Int(head.symbol)].name
                let what: String
                switch head.news {
                case TraderPost.trade: what = head.sentiment > 0 ? "just bought \(about)" : "just sold \(about)"
                case TraderPost.opinion: what = "is \(head.sentiment > 0 ? "bullish" : "bearish") on \(about)"
                default: what = "passed on news about \(about): " + (headlines[Int(head.news)] ?? "its value \(head.sentiment > 0 ? "rises" : "falls")")
                }
                lines.append("The latest post you read: trader \(head.author) \(what).")
            }
        }
        lines.append("Call exactly one tool.")
        let move = history.last! - history.first!
        let bucket = (move > 0 ? "up" : move < 0 ? "down" : "flat") + "/" + (position > trader.startPosition ? "long" : position < trader.startPosition ? "short" : "even")
        return LLMTraders.Observation(text: lines.joined(separator: "\n"), bucket: bucket)
    }
}

extension MarketModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        w.write(liveOrder)
        w.write(liveOrder2)
        for (p, states) in zip(populations, strategyStates) { type(of: p.strategy).save(states, to: &w) }
        w.write(views)
        w.write(fundamental)
        w.write(midHistory)
        for v in [totals.orders, totals.fills, totals.rejects, totals.volume] { w.write(v) }
        exchange.saveState(to: &w)
        if traderAccounts !== exchange.accounts {
            let a = traderAccounts
            w.write(a.cash); w.write(a.reservedCash); w.write(a.position); w.write(a.reservedPosition); w.write(a.unsettled)
        }
        feeds?.save(to: &w)
        llm?.save(to: &w)
    }

    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        try r.read(into: liveOrder)
        try r.read(into: liveOrder2)
        for (p, states) in zip(populations, strategyStates) { try type(of: p.strategy).load(states, from: &r) }
        try r.read(into: views)
        try r.read(into: fundamental)
        try r.read(into: midHistory)
        totals = (try r.int(), try r.int(), try r.int(), try r.int())
        try exchange.loadState(from: &r)
        if traderAccounts !== exchange.accounts {
            let a = traderAccounts
            try r.read(into: a.cash); try r.read(into: a.reservedCash); try r.read(into: a.position)
            try r.read(into: a.reservedPosition); try r.read(into: a.unsettled)
        }
        try feeds?.load(from: &r)
        try llm?.load(from: &r)
    }
}

/// Spread over processes, each instrument's book runs on one process (see `matchOwnedBooks`), so
/// each process shares its shards' order queues after submit; the LLM side (a serial step) reads
/// the state of the escalated traders, which only their hosts keep, so each process shares its
/// own escalated traders' (`EscalatedTrader`) along with them.
extension MarketModel: DistributedModel {
    public func join(_ processes: any ProcessGroup, agents: Range<Int>) {
        if let placement {
            precondition(placement.rank == processes.rank && placement.processes == processes.size && placement.agents == agents,
                         "a market built for process \(placement.rank) of \(placement.processes), hosting \(placement.agents), "
                         + "joined as process \(processes.rank) of \(processes.size), hosting \(agents)")
        }
        self.processes = processes
        hosted = agents
        if let feeds, feeds.follows.rows != agents { feeds.keepRows(agents) }
        for s in exchange.owned.indices { exchange.owned[s] = s % processes.size == processes.rank }
    }

    /// Built for its place, everything a market keeps per trader is split: its traders' columns
    /// and network rows by host, the accounts by the book that settles them. Built whole and
    /// joined, only the network rows.
    public var partitionedBytes: Int { exchange.accounts === traderAccounts ? feeds?.follows.byteCount ?? 0 : stateBytes }

    /// The accounts of a book's traders are all on its owner: split by instrument.
    public var coarseSplit: (bytes: Int, parts: Int)? {
        exchange.accounts === traderAccounts ? nil : (exchange.accounts.byteCount, spec.exchange.instruments.count)
    }

    public var syncPoints: [SyncPoint] { [.afterSubmit] }

    public func share(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, into w: inout StateWriter) {
        for s in shards { requests.write(s, into: &w) }
        guard let llm else { return }
        for i in llm.escalated where agents.contains(i) { escalatedTrader(from: i).write(to: &w) }
    }

    public func absorb(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, from r: inout StateReader)
        throws(StateReader.Failure) {
        for s in shards { try requests.read(s, from: &r) }
        guard let llm else { return }
        for i in llm.escalated where agents.contains(i) { escalatedTraders[i] = try EscalatedTrader(from: &r) }
    }
}

// MARK: books on owner processes

extension MarketModel {
    /// Spread over processes, each process runs only its own instruments' books: it takes the
    /// tick's requests for them in the tick's order (every process has all of them, shared after
    /// submit) and closes them; then every process sends every other what came out — the reports
    /// and trades, each keyed by its place in one exchange's order (the request's position, then
    /// per book its uncross and its day-end expiry), its books' market data, and the accounts of the
    /// traders it touched — and all merge them into the same tick one exchange would have made.
    /// The books are independent because every trader trades one instrument: no request reaches
    /// two books, and no account is touched by two.
    func matchOwnedBooks(_ group: any ProcessGroup, tick: Int) {
        let q: ShardQueues<OrderRequest> = requests
        let symbols = spec.exchange.instruments.count
        var keys: [Int64] = [], mine: [ExchangeReport] = []
        var tradeKeys: [Int64] = []
        let feesBefore = exchange.accounts.feesCollected
        for (k, item) in order.enumerated() {
            let r = q.contents(Int(item.shard))[Int(item.index)]
            guard exchange.owned[Int(r.symbol)] else { continue }
            precondition(exchange.accounts.holds(Int(r.agent)), "trader \(r.agent) sent an order for an instrument it does not trade")
            scratch.removeAll(keepingCapacity: true)
            let trades = exchange.tickTrades.count
            exchange.process(r, reports: &scratch)
            mine += scratch
            keys += repeatElement(Int64(k), count: scratch.count)
            tradeKeys += repeatElement(Int64(k), count: exchange.tickTrades.count - trades)
        }
        // The closing's reports and trades, keyed after every request: uncrosses by book, then
        // expiries by book (the parts' ranges index `mine` and the tick's trades).
        exchange.endTick(reports: &mine)
        keys += repeatElement(-1, count: mine.count - keys.count)
        tradeKeys += repeatElement(-1, count: exchange.tickTrades.count - tradeKeys.count)
        for part in exchange.endTickParts {
            let key = Int64(order.count + (part.expiry ? symbols : 0) + part.symbol)
            for i in part.reports { keys[i] = key }
            for i in part.trades { tradeKeys[i] = key }
        }
        precondition(!keys.contains(-1) && !tradeKeys.contains(-1), "every report and trade has its place")

        var w = StateWriter()
        w.write(keys)
        mine.withUnsafeBufferPointer { w.write($0) }
        w.write(tradeKeys)
        exchange.tickTrades.withUnsafeBufferPointer { w.write($0) }
        for s in 0..<symbols where exchange.owned[s] { exchange.writeMarketState(symbol: s, to: &w) }
        // The accounts of every trader a report of these books names, once each, with its instrument.
        let acc = exchange.accounts
        var touched = mine.map { (agent: Int($0.agent), symbol: Int($0.symbol)) }
        touched.sort { $0.agent < $1.agent }
        var last = -1
        touched.removeAll { t in defer { last = t.agent }; return t.agent == last }
        w.write(touched.count)
        for (i, s) in touched {
            let row = acc.row(i), slot = acc.slot(i, s)
            let account = (acc.cash[row], acc.reservedCash[row], acc.position[slot], acc.reservedPosition[slot], acc.unsettled[slot])
            w.write(i); w.write(s)
            w.write(account.0); w.write(account.1); w.write(account.2); w.write(account.3); w.write(account.4)
            takeAccount(i, symbol: s, account, fromOwner: group.rank, group)
        }
        w.write(acc.feesCollected - feesBefore)

        var allKeys: [[Int64]] = []
        var allReports: [[ExchangeReport]] = [], allTrades: [(keys: [Int64], trades: [TradeRecord])] = []
        for (p, bytes) in group.allGather(w.bytes).enumerated() {
            var r = StateReader(bytes)
            do {
                let k = try r.int64s()
                var reps: [ExchangeReport] = []
                try r.readValues(of: ExchangeReport.self) { raw, n in reps = Array(raw.bindMemory(to: ExchangeReport.self).prefix(n)) }
                let tk = try r.int64s()
                var trades: [TradeRecord] = []
                try r.readValues(of: TradeRecord.self) { raw, n in trades = Array(raw.bindMemory(to: TradeRecord.self).prefix(n)) }
                guard k.count == reps.count, tk.count == trades.count else { throw StateReader.Failure(description: "keys do not match") }
                allKeys.append(k)
                allReports.append(reps)
                allTrades.append((tk, trades))
                guard p != group.rank else { continue }
                for s in 0..<symbols where s % group.size == p { try exchange.readMarketState(symbol: s, from: &r) }
                for _ in 0..<(try r.int()) {
                    let i = try r.int(), s = try r.int()
                    guard (0..<agentCount).contains(i), s % group.size == p else { throw StateReader.Failure(description: "account \(i) out of place") }
                    takeAccount(i, symbol: s, (try r.int64(), try r.int64(), try r.int64(), try r.int64(), try r.int64()), fromOwner: p, group)
                }
                acc.feesCollected += try r.int64()
            } catch {
                preconditionFailure("the books of process \(p) do not read: \(error)")
            }
        }
        if traderAccounts !== acc, spec.exchange.accounts.tPlusOne, spec.exchange.schedule.endsDay(tick) {
            // The books' owners let today's purchases settle; so do the traders' copies.
            traderAccounts.unsettled.buffer.update(repeating: 0)
        }
        // One exchange's order: by place. Each process's list is in place order and a place
        // belongs to one process, so merging the lists gives it.
        tickReports = Self.merge(allReports, keys: allKeys)
        exchange.replaceTickTrades(Self.merge(allTrades.map(\.trades), keys: allTrades.map(\.keys)))
    }

    /// An account as book owner `owner` has it after the match — cash, reserved cash, and the
    /// position, reserved and unsettled shares in `symbol` — taken into what this process keeps
    /// of it: the exchange's copy (a market built whole keeps every account), the trader's host's
    /// copy, an escalated trader's view.
    func takeAccount(_ i: Int, symbol s: Int, _ v: (Int64, Int64, Int64, Int64, Int64), fromOwner owner: Int,
                             _ group: any ProcessGroup) {
        func write(into acc: Accounts) {
            let row = acc.row(i), slot = acc.slot(i, s)
            acc.cash[row] = v.0; acc.reservedCash[row] = v.1
            acc.position[slot] = v.2; acc.reservedPosition[slot] = v.3; acc.unsettled[slot] = v.4
        }
        let books = exchange.accounts
        if owner != group.rank && books.holds(i) { write(into: books) }
        if traderAccounts !== books && traderAccounts.holds(i) { write(into: traderAccounts) }
        if !traderAccounts.holds(i), var t = escalatedTraders[i] {
            t.cash = v.0
            t.reservedCash = v.1
            t.positions[s] = v.2
            escalatedTraders[i] = t
        }
    }

    /// Merges lists each sorted by its keys into one sorted list (ties: the earlier list first).
    /// Only processes that own books have lists, so the scan per element is over few of them.
    static func merge<T>(_ lists: [[T]], keys: [[Int64]]) -> [T] {
        var out: [T] = []
        out.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        let live = lists.indices.filter { !lists[$0].isEmpty }
        var next = [Int](repeating: 0, count: lists.count)
        while true {
            var best = -1
            for p in live where next[p] < lists[p].count {
                if best < 0 || keys[p][next[p]] < keys[best][next[best]] { best = p }
            }
            guard best >= 0 else { return out }
            out.append(lists[best][next[best]])
            next[best] += 1
        }
    }
}
