import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM

// MARK: submit: the traders' turns

extension MarketModel {
    /// Each of the shard's traders that acts this tick takes its turn: an escalated trader with an
    /// answer applies it, the others follow their population's strategy. Populations are
    /// contiguous ranges of ids, so the shard's traders are walked population by population, in id
    /// order, each run by a loop specialised for its strategy's type.
    public func submit(_ ctx: ShardContext) {
        requests.clear(ctx.shard)
        let frame = TurnFrame(fundamental: fundamental.pointer, history: midHistory.pointer, historyLength: historyLength,
                              heard: feeds?.heard.pointer, news: UnsafeBufferPointer(news.buffer))
        for p in populations.indices {
            let agents = ctx.agents.clamped(to: populationStarts[p]..<populationStarts[p + 1])
            guard !agents.isEmpty else { continue }
            turns(of: populations[p].strategy, population: p, agents: agents, ctx: ctx, frame: frame)
        }
    }

    /// The turns of population `p`'s traders `agents`, whose strategy is `strategy`.
    @inline(__always)
    private func turns<S: TraderStrategy>(of strategy: S, population p: Int, agents: Range<Int>, ctx: ShardContext, frame: TurnFrame) {
        let q: ShardQueues<OrderRequest> = requests
        let draws = activity.tick(ctx.tick)
        let common = populations[p].common
        // Whether a trader acts is decided from the coin before anything else is read: most
        // traders are idle in most ticks.
        let always = common.activity.isCertain, threshold = common.activity.threshold
        let symbols = spec.exchange.instruments.count
        let lag = min(common.latency, maxLatency) * symbols
        let sym = symbol.pointer, live = liveOrder.pointer, live2 = liveOrder2.pointer
        let start = startPosition.pointer, view = views.pointer
        let acc = traderAccounts
        let cash = acc.cash.pointer, reservedCash = acc.reservedCash.pointer
        let position = acc.position.pointer, reservedPosition = acc.reservedPosition.pointer, unsettled = acc.unsettled.pointer
        let instruments = spec.exchange.instruments
        let mood = feeds?.sentiment.pointer
        // LLM-escalated agents with a decision to apply this tick act on it, not on their rule.
        let llmFlag = llm?.pendingFlag.pointer
        var none = NoTraderState()
        let states = (strategyStates[p] as? Column<S.AgentState>)?.pointer
        for i in agents {
            var r = draws.agent(i)
            let escalated = llmFlag.map { $0[i] != 0 } ?? false
            if !escalated && !always && r.next() >= threshold { continue }
            let s = Int(sym[i])
            let v = view[lag + s]
            guard v.open, v.mid > 0 else { continue }
            let inst = instruments[s]
            let slot = i * symbols + s
            let orders = OrderSink(freeCash: cash[i] - reservedCash[i], sellable: position[slot] - reservedPosition[slot] - unsettled[slot],
                                   tickSize: inst.tickSize, lotSize: inst.lotSize, bandLow: v.bandLow, bandHigh: v.bandHigh, queue: q,
                                   shard: ctx.shard, agent: UInt32(i), symbol: UInt16(s), first: live[i], second: live2[i])
            if escalated, let decision = llm!.decisions[i] {
                Self.apply(decision, through: orders)
                continue
            }
            var turn = TraderTurn(agent: i, instrument: s, tick: ctx.tick, market: v, random: r, position: position[slot],
                                  startPosition: start[i], sentiment: mood?[i] ?? 0, orders: orders, frame: frame)
            if let states {
                strategy.decide(&turn, state: &states[i])
            } else {
                withUnsafeMutableBytes(of: &none) { raw in
                    strategy.decide(&turn, state: &raw.baseAddress!.assumingMemoryBound(to: S.AgentState.self).pointee)
                }
            }
        }
    }

    /// An escalated trader's decision, as orders: an order replaces its resting one (cut to what
    /// the account allows), a cancel takes both its orders out; holding, posting and following
    /// send no order.
    static func apply(_ decision: TraderDecision, through orders: OrderSink) {
        switch decision {
        case .order(let buy, let limit, let quantity): orders.replace(buy ? .buy : .sell, price: limit ?? 0, quantity: quantity)
        case .cancel: orders.cancelResting()
        case .hold, .post, .follow: break
        }
    }
}
