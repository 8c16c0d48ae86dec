import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraSocial

/// The LLM-escalated traders of a market: the escalation they share with every kind of agent that
/// thinks (`Escalation`), and what is a trader's own — its triggers (a price move, a drawdown,
/// news reaching it, a post from someone it follows), what it is shown (`observe`, in
/// `MarketModel+LLM`), its tools (place an order, cancel, hold; post and follow on a network), and
/// the exchange's rules an answer must pass. The LLM side runs in match(t), after the exchange.
typealias LLMTraders = Escalation<MarketModel>

extension MarketModel: EscalationSide {
    /// The stream escalation draws from, and the number of its `llm` event.
    static let escalationStream: UInt64 = 0x4D4B_0005
    static let llmEvent = LLMTraders.event(id: 26)

    /// What a trader's triggers remember: its peak wealth, the news it knew and the posts it had
    /// read when it last looked.
    struct Triggers: Sendable {
        var peakWealth: Int64 = 0
        var newsSeen: UInt64 = 0
        var postsSeen: UInt32 = 0
    }
    static var noTriggers: Triggers { Triggers() }
    static var defaultInstructions: String { "You are a trader on a stock exchange. Decide what to do now by calling exactly one of the tools." }

    func context(of agent: Int) -> Int { escalatedTrader(agent).symbol }

    func fires(agent: Int, triggers k: inout Triggers, tick: Int, rules: EscalationRules) -> Bool {
        let trader = escalatedTrader(agent)
        let s = trader.symbol
        let wealth = wealth(agent)
        k.peakWealth = max(k.peakWealth, wealth)
        var fire = false
        if let bps = rules.priceMoveBasisPoints, tick >= rules.lookback {
            let now = mid(symbol: s, ticksAgo: 0), then = mid(symbol: s, ticksAgo: rules.lookback)
            if then > 0, abs(now - then) * 10_000 >= Int64(bps) * then { fire = true }
        }
        if let bps = rules.drawdownBasisPoints, k.peakWealth > 0, (k.peakWealth - wealth) * 10_000 >= Int64(bps) * k.peakWealth {
            fire = true
        }
        if rules.onNews {
            let known = newsKnown(by: agent, tick: tick)
            if known & ~k.newsSeen != 0 { fire = true }
            k.newsSeen |= known
        }
        if rules.onFollowedPost, feeds != nil {
            let read = trader.postsRead
            if read != k.postsSeen { fire = true }
            k.postsSeen = read
        }
        return fire
    }

    func decision(from answer: ChatAnswer, offered: [ToolSpec], asker: Int, context symbol: Int, settings: LLMSettings)
        -> Result<TraderDecision, ToolRejection> {
        switch TraderTools.decision(from: answer, offered: offered) {
        case .success(let d):
            if let problem = refusal(of: d, symbol: symbol) { return .failure(ToolRejection(.refused, problem)) }
            return .success(d)
        case .failure(let r):
            return .failure(r)
        }
    }

    func apply(_ decision: TraderDecision, member m: Int) {
        if case .post(let bullish) = decision, let feeds, feeds.opinion.indices.contains(m) {
            feeds.opinion[m] = bullish ? 1 : -1
        }
        if case .follow(let whom) = decision {
            feeds?.followRequests.append(FollowGraph.Change(followee: UInt32(whom), follower: UInt32(m), follow: true))
        }
    }

    static func save(_ triggers: [Triggers], to w: inout StateWriter) {
        w.write(triggers.map(\.peakWealth))
        w.write(triggers.map { Int64(bitPattern: $0.newsSeen) })
        w.write(triggers.map { Int64($0.postsSeen) })
    }

    static func loadTriggers(count: Int, from r: inout StateReader) throws(StateReader.Failure) -> [Triggers] {
        let peaks = try r.int64s(), news = try r.int64s(), posts = try r.int64s()
        guard peaks.count == count, news.count == count, posts.count == count else {
            throw StateReader.Failure(description: "LLM state: triggers of \(peaks.count) traders where \(count) were expected")
        }
        return (0..<count).map {
            Triggers(peakWealth: peaks[$0], newsSeen: UInt64(bitPattern: news[$0]), postsSeen: UInt32(truncatingIfNeeded: posts[$0]))
        }
    }

    static func write(_ d: TraderDecision, to w: inout StateWriter) {
        switch d {
        case .order(let buy, let limit, let quantity): w.write(0); w.write(buy); w.write(limit ?? -1); w.write(quantity)
        case .cancel: w.write(1)
        case .hold: w.write(2)
        case .post(let bullish): w.write(3); w.write(bullish)
        case .follow(let agent): w.write(4); w.write(agent)
        }
    }

    static func readDecision(from r: inout StateReader) throws(StateReader.Failure) -> TraderDecision {
        switch try r.int() {
        case 0:
            let buy = try r.bool(), limit = try r.int64(), quantity = try r.int64()
            return .order(buy: buy, limit: limit < 0 ? nil : limit, quantity: quantity)
        case 1: return .cancel
        case 2: return .hold
        case 3: return .post(bullish: try r.bool())
        case 4: return .follow(agent: try r.int())
        case let k: throw StateReader.Failure(description: "LLM state: unknown decision \(k)")
        }
    }
}
