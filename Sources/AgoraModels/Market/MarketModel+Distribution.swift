import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM
import AgoraSocial

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
