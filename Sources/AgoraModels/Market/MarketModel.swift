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
            .labelled("report", ExchangeLabels.report).labelled("reason", ExchangeLabels.reason).labelled("side", ExchangeLabels.side)
        public static let market = EventKind(id: 21, name: "market", columns: [
            "bid", "ask", "last", "volume", "trades", "bid_size", "ask_size", "auction_price", "auction_volume"])
        /// Every request an agent sent, in the order the exchange took them.
        public static let order = EventKind(id: 22, name: "order", columns: [
            "action", "instrument", "side", "time_in_force", "post_only", "price", "quantity", "order_id", "tag"])
            .labelled("action", ExchangeLabels.action).labelled("side", ExchangeLabels.side)
            .labelled("time_in_force", ExchangeLabels.timeInForce)
        /// Every trade, once, with both sides ("agent" is the buyer); aggressor 0 buy, 1 sell, 2 auction.
        public static let trade = EventKind(id: 23, name: "trade", columns: [
            "instrument", "price", "quantity", "seller", "buy_order", "sell_order", "aggressor"])
            .labelled("aggressor", ExchangeLabels.aggressor)
        /// On a network, every post: about a news item (`news` its index) or a trade (`news` −1),
        /// with its sentiment (+1 or −1).
        public static let post = EventKind(id: 24, name: "post", columns: ["instrument", "news", "sentiment"])
        /// On a network, the tick each trader first hears each news item.
        public static let heard = EventKind(id: 25, name: "heard", columns: ["news"])
    }

    public var eventKinds: [EventKind] {
        let names = spec.exchange.instruments.map(\.name)
        return [Event.report.labelled("instrument", names), Event.market.labelled("agent", names),
                Event.order.labelled("instrument", names), Event.trade.labelled("instrument", names)]
            + (feeds == nil ? [] : [Event.post.labelled("instrument", names), Event.heard])
            + (llm == nil ? [] : [Self.llmEvent])
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
    /// The counts strategies keep of their populations (`TraderStrategy.tallies`).
    let tallies: PopulationTallies
    /// The chances to act of populations that pay attention to the market's moves.
    let attention: MarketAttention
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
    /// Each instrument's tick and lot sizes, for the traders' turns.
    let instrumentRules: Column<InstrumentRules>
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

    public var phases: Phases {
        if feeds != nil { return [.decide, .submit, .match, .propagate, .record] }
        return tallies.total > 0 ? [.submit, .match, .propagate, .record] : [.submit, .match, .propagate]
    }

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
        tallies = PopulationTallies(populations: self.populations, starts: populationStarts, setup: setup)
        attention = MarketAttention(populations: self.populations.map(\.common), symbols: symbols)
        if spread {
            for a in booksTraders { start(accounts, Int(a), populations[Self.population(of: Int(a), starts: starts)].0.common) }
        }
        maxLatency = spec.exchange.maxLatencyTicks
        historyLength = max(2, (self.populations.map(\.strategy.historyTicks).max() ?? 0) + 1, (llm?.escalation.lookback ?? 0) + 1)
        views = Column(count: (maxLatency + 1) * symbols, repeating: MarketView())
        instrumentRules = Column(spec.exchange.instruments.map { InstrumentRules(tickSize: $0.tickSize, lotSize: $0.lotSize) })
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
            let eligible = Set(llm.escalation.populations)
            self.llm = LLMTraders(settings: llm, source: source, tools: TraderTools.offered(social: network != nil), event: Self.llmEvent,
                                  stream: Self.escalationStream, agentCount: agentCount, held: held, seed: seed,
                                  eligible: { eligible.isEmpty || eligible.contains(Self.population(of: $0, starts: starts)) })
        } else {
            self.llm = nil
        }
        var c = StateColumns()
        // Rebuilt from the scenario: counted, not saved.
        c.add("population", population, checkpoint: false)
        c.add("symbol", symbol, checkpoint: false)
        c.add("first_order", liveOrder)
        c.add("second_order", liveOrder2)
        c.add("start_position", startPosition, checkpoint: false)
        for (p, states) in strategyStates.enumerated() {
            if let column = states as? any AnyStateColumn { c.add("strategy_state.\(p)", column) }
        }
        // Per instrument, not per trader.
        c.add("views", views, perAgent: false)
        c.add("fundamental", fundamental, perAgent: false)
        c.add("mid_history", midHistory, perAgent: false)
        if tallies.total > 0 { c.add("tallies", tallies.counts, perAgent: false) }
        if !attention.isEmpty {
            c.add("attention_recent", attention.recent, perAgent: false)
            c.add("attention_base", attention.base, perAgent: false)
            c.add("attention_samples", attention.samples, perAgent: false)
            c.add("attention_thresholds", attention.thresholds, perAgent: false)
        }
        columns = c
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
        columns.byteCount + traderAccounts.byteCount + (exchange.accounts === traderAccounts ? 0 : exchange.accounts.byteCount)
            + (feeds?.byteCount ?? 0) + (llm?.pendingFlag.byteCount ?? 0)
    }

    // MARK: decide (on a network)

    public func decide(_ ctx: ShardContext, outbox: Outbox<TraderPost>) {
        feeds?.decide(ctx, outbox: outbox, population: population, symbol: symbol)
    }

    /// Every column of trader and market state, declared once: what `stateBytes` counts and what a
    /// checkpoint saves (in this order). The accounts, the exchange, the feeds and the LLM side
    /// keep their own state.
    let columns: StateColumns

    /// Totals over the run, for the summary.
    var totals = (orders: 0, fills: 0, rejects: 0, volume: 0)
}
