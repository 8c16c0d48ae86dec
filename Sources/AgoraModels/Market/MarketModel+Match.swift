import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM
import AgoraSocial

// MARK: match: the exchange, and what it publishes

extension MarketModel {
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
        updateAttention(afterTick: tick)
        llm?.step(tick: tick, side: self)
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
}
