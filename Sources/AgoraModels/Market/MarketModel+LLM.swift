import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM
import AgoraSocial

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
    func observe(agent i: Int, tick: Int, settings rules: LLMSettings) -> EscalationObservation {
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
        if snap.phase.isCall || snap.halted {
            // A call's book may be crossed, its best prices orders at the edge of the range: what
            // tells is the price the book would uncross at now.
            lines.append(snap.indicativePrice > 0
                ? "Indicative auction price \(snap.indicativePrice) for \(snap.indicativeVolume) shares (the book would uncross there now); last trade \(snap.lastPrice)."
                : "No indicative auction price yet: the orders in the call do not cross; last trade \(snap.lastPrice).")
        } else {
            lines.append("Best bid \(snap.bidPrice) x \(snap.bidSize), best ask \(snap.askPrice) x \(snap.askSize), last trade \(snap.lastPrice), mid \(snap.mid).")
        }
        if !(snap.phase.isCall || snap.halted) && (!snap.bids.isEmpty || !snap.asks.isEmpty) {
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
        return EscalationObservation(text: lines.joined(separator: "\n"), bucket: bucket)
    }
}
