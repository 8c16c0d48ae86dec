import AgoraCore
import AgoraEngine
import AgoraSocial

/// A post one trader sends its neighbours on the network: a news item passed on, or word of a
/// trade. Readers who trade `symbol` take its `sentiment` into theirs.
public struct TraderPost: BitwiseCopyable, Sendable, Hashable {
    public var author: UInt32
    public var symbol: UInt16
    /// The news item passed on (its index in the scenario's news list), `TraderPost.trade`, or
    /// `TraderPost.opinion` (an LLM-escalated trader's view).
    public var news: UInt8
    /// +1 (good news, a buy) or −1 (bad news, a sale).
    public var sentiment: Int8

    /// `news` of a post about a trade.
    public static let trade: UInt8 = .max
    /// `news` of a post of an opinion (an LLM-escalated trader's `post`).
    public static let opinion: UInt8 = .max - 1
}

/// The social side of a market that runs on a network: who has heard which news, each trader's
/// sentiment, and the posts that carry both.
///
/// A news item reaches `seeds` traders (drawn from the seed) the tick after it breaks, and they
/// post it; a trader who first hears it from a post passes it on with its population's
/// `share_probability`, the next tick. With `public_after`, everyone who has not heard it by then
/// learns it that many ticks after the seeds (from no one: they do not post it). Posts go to a
/// trader's followers. A fill makes a trader post about it with `post_trades`; an LLM-escalated
/// trader may post its opinion. Reading the tick's posts about its own instrument moves a
/// trader's sentiment (−1000…1000, per mille) halfway to their mean; it decays toward zero by
/// `sentiment_decay` of itself each tick. Everything order-dependent is summed per agent before it
/// is applied, so the result is the same for any shard count.
final class TraderFeeds: @unchecked Sendable {
    static let stream: UInt64 = 0x4D4B_0004
    static let maxNews = 64

    /// Traders: the network's nodes.
    var nodeCount: Int { follows.nodeCount }
    /// Who reads whose posts: the network's links as mutual follows, changed only by LLM-escalated
    /// traders' `follow` calls, which land together at the end of a tick. Spread over processes,
    /// the followers of this process's traders only.
    private(set) var follows: FollowGraph
    /// Follows asked for this tick, applied in `endTick`.
    var followRequests: [FollowGraph.Change] = []
    /// The newest post each trader read (author == UInt32.max: none): the head of its feed.
    let lastRead: Column<TraderPost>
    let news: [NewsEvent]
    /// agent → the news items (bit k: news[k]) it hears first.
    let seedOf: [Int: UInt64]
    let random: RandomStream
    /// Per population: the chance to pass news on, to post a fill, and the decay of sentiment (per mille).
    let share: [Probability]
    let tradePost: [Probability]
    let decay: [Int32]

    // Per agent (spread over processes, per agent of this process: the columns are windows).
    /// News items heard (bit k: news[k]); those whose passing on has been decided; those first heard this tick.
    let heard: Column<UInt64>
    let considered: Column<UInt64>
    let fresh: Column<UInt64>
    let sentiment: Column<Int16>
    /// The side of the latest fill since the agent last decided: +1 bought, −1 sold.
    let traded: Column<Int8>
    /// What the agent posted this tick: news bits, and a trade's sentiment (0: none).
    let postedNews: Column<UInt64>
    let postedTrade: Column<Int8>
    /// The tick's posts about the agent's own instrument: the sum of their sentiments and how many.
    let readSum: Column<Int32>
    let readCount: Column<UInt16>
    /// Posts read over the run (any instrument): what an LLM trigger watches.
    let postsRead: Column<UInt32>
    /// An opinion to post in the coming decide (+1 bullish, −1 bearish, 0 none), set by the LLM side.
    let opinion: Column<Int8>
    /// What the agent posted as its opinion this tick (0: nothing).
    let postedOpinion: Column<Int8>

    // Run totals, updated in endTick.
    var informed: [Int]
    /// The first tick at which half the traders had heard each item (−1: not yet).
    var halfReached: [Int]
    var posts = 0
    /// Traders per instrument, for mean sentiment.
    let tradersOf: [Int]

    /// `held`: the traders whose columns this process keeps; `tradersOf`: how many trade each instrument.
    init(graph: CSRGraph, news: [NewsEvent], populations: [TraderCommon], held: Range<Int>, tradersOf: [Int], seed: UInt64) {
        precondition(news.count <= Self.maxNews, "at most \(Self.maxNews) news items on a network")
        follows = FollowGraph(graph)
        self.news = news
        random = RandomStream(seed: seed, stream: Self.stream)
        var seedOf: [Int: UInt64] = [:]
        for (k, n) in news.enumerated() {
            let count = min(n.seeds ?? 20, graph.nodeCount)
            for v in ModelCatalog.sampleDistinct(count, from: graph.nodeCount, seed: seed &+ UInt64(k + 1) &* 0x9E37_79B9_7F4A_7C15) {
                seedOf[v, default: 0] |= 1 << UInt64(k)
            }
        }
        self.seedOf = seedOf
        share = populations.map(\.shareProbability)
        tradePost = populations.map(\.tradePostProbability)
        decay = populations.map { Int32(($0.sentimentDecay * 1000).rounded()) }
        let n = held
        heard = Column(window: n, repeating: 0)
        considered = Column(window: n, repeating: 0)
        fresh = Column(window: n, repeating: 0)
        sentiment = Column(window: n, repeating: 0)
        traded = Column(window: n, repeating: 0)
        postedNews = Column(window: n, repeating: 0)
        postedTrade = Column(window: n, repeating: 0)
        readSum = Column(window: n, repeating: 0)
        readCount = Column(window: n, repeating: 0)
        postsRead = Column(window: n, repeating: 0)
        lastRead = Column(window: n, repeating: TraderPost(author: .max, symbol: 0, news: 0, sentiment: 0))
        opinion = Column(window: n, repeating: 0)
        postedOpinion = Column(window: n, repeating: 0)
        informed = Array(repeating: 0, count: news.count)
        halfReached = Array(repeating: -1, count: news.count)
        self.tradersOf = tradersOf
    }

    var byteCount: Int {
        heard.byteCount * 5 + sentiment.byteCount + traded.byteCount * 5 + readSum.byteCount + readCount.byteCount + postsRead.byteCount
            + follows.byteCount + lastRead.byteCount
    }

    /// Moves a sentiment halfway toward `target`.
    @inline(__always) static func lean(_ s: Int16, toward target: Int32) -> Int16 {
        Int16(clamping: Int32(s) + (target - Int32(s)) / 2)
    }

    // MARK: decide

    /// Sentiment decays; news that broke last tick reaches its seeds; traders pass on what they
    /// heard last tick and post about their fills.
    func decide(_ ctx: ShardContext, outbox: Outbox<TraderPost>, population: Column<UInt8>, symbol: Column<UInt16>) {
        let tick = ctx.tick
        var breaking: UInt64 = 0, published: UInt64 = 0
        for (k, n) in news.enumerated() {
            if n.tick + 1 == tick { breaking |= 1 << UInt64(k) }
            if let after = n.publicAfter, n.tick + 1 + after == tick { published |= 1 << UInt64(k) }
        }
        let pop = population.pointer, sym = symbol.pointer
        let hd = heard.pointer, cons = considered.pointer, fr = fresh.pointer, sent = sentiment.pointer
        let tr = traded.pointer, pn = postedNews.pointer, pt = postedTrade.pointer, op = opinion.pointer, po = postedOpinion.pointer
        let followers = follows.held
        let draws = random.tick(tick)
        /// Sentiment leans toward the news about v's instrument among `bits`, heard first-hand.
        func hearOwn(_ bits: UInt64, _ v: Int) {
            var bits = bits
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                bits &= bits - 1
                if news[k].symbol == Int(sym[v]) { sent[v] = Self.lean(sent[v], toward: news[k].jumpBasisPoints < 0 ? -1000 : 1000) }
            }
        }
        for v in ctx.agents {
            fr[v] = 0
            pn[v] = 0
            pt[v] = 0
            po[v] = op[v]
            if op[v] != 0 {
                outbox.send(all: followers.followers(of: v), TraderPost(author: UInt32(v), symbol: sym[v], news: TraderPost.opinion, sentiment: op[v]))
                op[v] = 0
            }
            let p = Int(pop[v])
            let s = Int32(sent[v])
            if s != 0 {
                let step = (s * decay[p] + (s > 0 ? 999 : -999)) / 1000
                sent[v] = Int16(s - (abs(step) > abs(s) ? s : step))
            }
            var seeded: UInt64 = 0
            if breaking != 0, let mask = seedOf[v], mask & breaking != 0 {
                seeded = mask & breaking & ~hd[v]
                hd[v] |= seeded
                fr[v] |= seeded
                hearOwn(seeded, v)
            }
            if published & ~hd[v] != 0 {
                let learned = published & ~hd[v]
                hd[v] |= learned
                fr[v] |= learned
                cons[v] |= learned
                hearOwn(learned, v)
            }
            let todo = hd[v] & ~cons[v]
            guard todo != 0 || tr[v] != 0 else { continue }
            var r = draws.agent(v)
            cons[v] |= todo
            var bits = todo
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                bits &= bits - 1
                guard seeded & (1 << UInt64(k)) != 0 || r.bernoulli(share[p]) else { continue }
                pn[v] |= 1 << UInt64(k)
                let n = news[k]
                outbox.send(all: followers.followers(of: v), TraderPost(author: UInt32(v), symbol: UInt16(n.symbol), news: UInt8(k),
                                                                sentiment: n.jumpBasisPoints < 0 ? -1 : 1))
            }
            if tr[v] != 0 {
                if r.bernoulli(tradePost[p]) {
                    pt[v] = tr[v]
                    outbox.send(all: followers.followers(of: v), TraderPost(author: UInt32(v), symbol: sym[v], news: TraderPost.trade, sentiment: tr[v]))
                }
                tr[v] = 0
            }
        }
    }

    // MARK: propagate

    /// Files the tick's posts: news heard, and the sentiment of posts about each reader's instrument.
    func read(_ ctx: ShardContext, inbox: Inbox<TraderPost>, symbol: Column<UInt16>) {
        let sym = symbol.pointer
        let hd = heard.pointer, fr = fresh.pointer, sent = sentiment.pointer, sum = readSum.pointer, count = readCount.pointer
        let total = postsRead.pointer, head = lastRead.pointer
        for segment in inbox.segments {
            for env in segment {
                let v = Int(env.to), m = env.message
                total[v] &+= 1
                head[v] = m
                if m.news < TraderPost.opinion {
                    let bit: UInt64 = 1 << UInt64(m.news)
                    if hd[v] & bit == 0 {
                        hd[v] |= bit
                        fr[v] |= bit
                    }
                }
                if m.symbol == sym[v] {
                    sum[v] &+= Int32(m.sentiment)
                    count[v] = count[v] == .max ? .max : count[v] + 1
                }
            }
        }
        for v in ctx.agents where count[v] > 0 {
            sent[v] = Self.lean(sent[v], toward: 1000 * sum[v] / Int32(count[v]))
            sum[v] = 0
            count[v] = 0
        }
    }

    /// Notes the side of an agent's fill, for its post next tick.
    @inline(__always) func noteFill(agent: Int, bought: Bool) {
        traded[agent] = bought ? 1 : -1
    }

    // MARK: record

    /// Counter layout, after the market's own `base` counters: posts, then first hearings per news
    /// item, then the sentiment sum per instrument.
    func record(_ ctx: ShardContext, into recorder: inout ShardRecorder, base: Int, symbol: Column<UInt16>,
                postKind: UInt16, heardKind: UInt16) {
        let sym = symbol.pointer, fr = fresh.pointer, pn = postedNews.pointer, pt = postedTrade.pointer, sent = sentiment.pointer
        let po = postedOpinion.pointer
        var postCount: Int64 = 0
        var first = [Int64](repeating: 0, count: news.count)
        var mood = [Int64](repeating: 0, count: tradersOf.count)
        var row: [Int64] = [0, 0, 0]  // instrument, news, sentiment: filled per post
        func post(_ v: Int, _ instrument: Int64, _ news: Int64, _ sentiment: Int64) {
            row[0] = instrument; row[1] = news; row[2] = sentiment
            row.withUnsafeBufferPointer { recorder.record(kind: postKind, agent: v, values: $0) }
        }
        for v in ctx.agents {
            mood[Int(sym[v])] += Int64(sent[v])
            var bits = fr[v]
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                bits &= bits - 1
                first[k] += 1
                recorder.record(kind: heardKind, agent: v, Int64(k))
            }
            bits = pn[v]
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                bits &= bits - 1
                postCount += 1
                post(v, Int64(news[k].symbol), Int64(k), news[k].jumpBasisPoints < 0 ? -1 : 1)
            }
            if pt[v] != 0 {
                postCount += 1
                post(v, Int64(sym[v]), -1, Int64(pt[v]))
            }
            if po[v] != 0 {
                postCount += 1
                post(v, Int64(sym[v]), -2, Int64(po[v]))
            }
        }
        recorder.counters[base] += postCount
        for k in first.indices { recorder.counters[base + 1 + k] += first[k] }
        for s in mood.indices { recorder.counters[base + 1 + news.count + s] += mood[s] }
    }

    var counterCount: Int { 1 + news.count + tradersOf.count }

    /// Spread over processes: keeps the followers of `agents` (this process's traders) only.
    func keepRows(_ agents: Range<Int>) {
        follows = follows.restricted(to: agents)
    }

    /// How many traders follow `trader`, one of this process's.
    func followerCount(_ trader: Int) -> Int { follows.followerCount(trader) }

    /// Applies the tick's follows, in the order they were asked; returns how many links were added.
    @discardableResult
    func applyFollows() -> Int {
        guard !followRequests.isEmpty else { return 0 }
        defer { followRequests.removeAll(keepingCapacity: true) }
        return follows.apply(&followRequests).added
    }

    func metricNames(instruments: [String]) -> [String] {
        ["posts"] + news.indices.map { "news\($0 + 1).informed" } + instruments.map { "\($0).sentiment" }
    }

    /// The tick's metrics from its counters (`counters` starts at this part's first counter).
    func endTick(_ tick: Tick, counters: ArraySlice<Int64>) -> [Double] {
        let c = Array(counters)
        posts += Int(c[0])
        let n = Double(max(1, nodeCount))
        var row = [Double(c[0])]
        for k in news.indices {
            informed[k] += Int(c[1 + k])
            if halfReached[k] < 0 && 2 * informed[k] >= nodeCount { halfReached[k] = tick }
            row.append(Double(informed[k]) / n)
        }
        for s in tradersOf.indices {
            row.append(tradersOf[s] == 0 ? 0 : Double(c[1 + news.count + s]) / 1000 / Double(tradersOf[s]))
        }
        return row
    }

    /// `posts`, then per news item its reach (the share of traders who heard it) and the ticks it
    /// took to reach half of them (−1: never).
    func summary() -> [(name: String, value: Double)] {
        var out: [(String, Double)] = [("posts", Double(posts))]
        let n = Double(max(1, nodeCount))
        for k in news.indices {
            out.append(("news\(k + 1).reach", Double(informed[k]) / n))
            out.append(("news\(k + 1).ticks_to_half", halfReached[k] < 0 ? .nan : Double(halfReached[k] - news[k].tick)))
        }
        return out
    }

    // MARK: checkpoints

    func save(to w: inout StateWriter) {
        w.write(heard); w.write(considered); w.write(sentiment); w.write(traded); w.write(postsRead); w.write(opinion); w.write(lastRead)
        follows.save(to: &w)
        w.write(posts)
        for k in news.indices { w.write(informed[k]); w.write(halfReached[k]) }
    }

    func load(from r: inout StateReader) throws(StateReader.Failure) {
        try r.read(into: heard); try r.read(into: considered); try r.read(into: sentiment); try r.read(into: traded)
        try r.read(into: postsRead); try r.read(into: opinion); try r.read(into: lastRead)
        try follows.load(from: &r)
        posts = try r.int()
        for k in news.indices { informed[k] = try r.int(); halfReached[k] = try r.int() }
    }
}
