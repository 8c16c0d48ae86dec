import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM

// MARK: submit: the traders' turns

extension MarketModel {
    /// Each of the shard's traders that acts this tick takes its turn: an escalated trader with an
    /// answer applies it, the others follow their population's strategy. Populations are
    /// contiguous ranges of ids, so the shard's traders are walked population by population, in id
    /// order; each population's turns run in its strategy's own `takeTurns`, specialised for the
    /// strategy's type: one dynamic call per shard and population.
    public func submit(_ ctx: ShardContext) {
        requests.clear(ctx.shard)
        let frame = TurnFrame(fundamental: fundamental.pointer, history: midHistory.pointer, historyLength: historyLength,
                              heard: feeds?.heard.pointer, news: UnsafeBufferPointer(news.buffer))
        let draws = activity.tick(ctx.tick)
        let symbols = spec.exchange.instruments.count
        let acc = traderAccounts
        let llm = self.llm
        let applyDecision: (Int, OrderSink) -> Bool = { i, orders in
            guard let decision = llm?.decisions[i] else { return false }
            Self.apply(decision, through: orders)
            return true
        }
        for p in populations.indices {
            let agents = ctx.agents.clamped(to: populationStarts[p]..<populationStarts[p + 1])
            guard !agents.isEmpty else { continue }
            let common = populations[p].common
            let turns = PopulationTurns(
                agents: agents, tick: ctx.tick, shard: ctx.shard, draws: draws, always: common.activity.isCertain && common.attention == 0,
                threshold: common.activity.threshold, lag: min(common.latency, maxLatency) * symbols, symbols: symbols,
                symbol: symbol.pointer, first: liveOrder.pointer, second: liveOrder2.pointer, startPosition: startPosition.pointer,
                views: views.pointer, cash: acc.cash.pointer, reservedCash: acc.reservedCash.pointer, position: acc.position.pointer,
                reservedPosition: acc.reservedPosition.pointer, unsettled: acc.unsettled.pointer, rules: instrumentRules.pointer,
                mood: feeds?.sentiment.pointer, escalated: llm?.pendingFlag.pointer, applyDecision: applyDecision, queue: requests,
                frame: frame, states: type(of: populations[p].strategy).statePointer(strategyStates[p]),
                populationSize: populationStarts[p + 1] - populationStarts[p], tallies: tallies.counts.pointer + tallies.offsets[p],
                sizePower: common.sizeExponent > 0 ? -1 / common.sizeExponent : 0, attention: attention.thresholds(of: p))
            populations[p].strategy.takeTurns(turns)
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
