import AgoraCore

/// Saving and restoring an exchange between ticks, for checkpoints: books (resting orders in
/// canonical order), prices, halts, live orders with their reservations, market-data history and
/// accounts.
extension Exchange {
    public func saveState(to w: inout StateWriter) {
        w.write(tick)
        w.write(Int(phase.rawValue))
        w.write(orderSequence.map { Int64(bitPattern: $0) })
        w.write(referencePrices)
        w.write(lastPrices)
        w.write(haltedUntil.map(Int64.init))
        w.write(haltReference)
        for b in books {
            w.write(Int(b.mode.rawValue))
            var orders: [RestingOrder] = []
            b.forEachRestingOrder { orders.append($0) }
            w.write(orders.count)
            for o in orders {
                w.write(o.id); w.write(Int(o.owner)); w.write(Int(o.side.rawValue)); w.write(o.price); w.write(o.remaining)
                w.write(Int(o.timeInForce.rawValue)); w.write(o.postOnly)
            }
        }
        let ids = live.keys.sorted()
        w.write(ids.count)
        for id in ids {
            let l = live[id]!
            w.write(id); w.write(Int(l.agent)); w.write(Int(l.symbol)); w.write(Int(l.side.rawValue)); w.write(Int(l.tag)); w.write(l.reservePrice)
        }
        for s in current.indices {
            Self.write(current[s], to: &w)
            w.write(history[s].count)
            for snap in history[s] { Self.write(snap, to: &w) }
        }
        w.write(accounts.cash); w.write(accounts.reservedCash); w.write(accounts.position)
        w.write(accounts.reservedPosition); w.write(accounts.unsettled); w.write(accounts.feesCollected)
    }

    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        tick = try r.int()
        guard let p = SessionPhase(rawValue: UInt8(clamping: try r.int())) else { throw StateReader.Failure(description: "bad session phase") }
        phase = p
        let sequences = try r.int64s()
        guard sequences.count == books.count else { throw StateReader.Failure(description: "checkpoint is for another set of instruments") }
        orderSequence = sequences.map { UInt64(bitPattern: $0) }
        referencePrices = try r.int64s()
        lastPrices = try r.int64s()
        haltedUntil = try r.int64s().map(Int.init)
        haltReference = try r.int64s()
        guard referencePrices.count == books.count, lastPrices.count == books.count, haltedUntil.count == books.count,
              haltReference.count == books.count else { throw StateReader.Failure(description: "checkpoint is for another set of instruments") }
        for b in books {
            guard let mode = BookMode(rawValue: UInt8(clamping: try r.int())) else { throw StateReader.Failure(description: "bad book mode") }
            b.mode = mode
            let n = try r.int()
            for _ in 0..<n {
                let id = try r.uint64(), owner = UInt32(clamping: try r.int())
                guard let side = Side(rawValue: UInt8(clamping: try r.int())) else { throw StateReader.Failure(description: "bad side") }
                let price = try r.int64(), remaining = try r.int64()
                guard let tif = TimeInForce(rawValue: UInt8(clamping: try r.int())) else { throw StateReader.Failure(description: "bad time in force") }
                b.restore(RestingOrder(id: id, owner: owner, side: side, price: price, remaining: remaining, timeInForce: tif,
                                       postOnly: try r.bool()))
            }
        }
        live = [:]
        let n = try r.int()
        for _ in 0..<n {
            let id = try r.uint64(), agent = UInt32(clamping: try r.int()), symbol = UInt16(clamping: try r.int())
            guard let side = Side(rawValue: UInt8(clamping: try r.int())) else { throw StateReader.Failure(description: "bad side") }
            live[id] = Live(agent: agent, symbol: symbol, side: side, tag: UInt32(clamping: try r.int()), reservePrice: try r.int64())
        }
        for s in current.indices {
            current[s] = try Self.readSnapshot(&r)
            let count = try r.int()
            guard count == history[s].count else { throw StateReader.Failure(description: "checkpoint keeps \(count) snapshots, this run \(history[s].count)") }
            for k in 0..<count { history[s][k] = try Self.readSnapshot(&r) }
        }
        try r.read(into: accounts.cash); try r.read(into: accounts.reservedCash); try r.read(into: accounts.position)
        try r.read(into: accounts.reservedPosition); try r.read(into: accounts.unsettled)
        accounts.feesCollected = try r.int64()
    }

    /// One book's market data as its owner has it after `endTick` — the snapshot, last and
    /// reference prices, halt — for a process that does not run that book.
    public func writeMarketState(symbol s: Int, to w: inout StateWriter) {
        Self.write(current[s], to: &w)
        w.write(lastPrices[s]); w.write(referencePrices[s]); w.write(haltedUntil[s]); w.write(haltReference[s])
    }

    /// Takes in what `writeMarketState` wrote on the book's owner, at the same tick.
    public func readMarketState(symbol s: Int, from r: inout StateReader) throws(StateReader.Failure) {
        current[s] = try Self.readSnapshot(&r)
        lastPrices[s] = try r.int64(); referencePrices[s] = try r.int64(); haltedUntil[s] = try r.int(); haltReference[s] = try r.int64()
        history[s][tick % history[s].count] = current[s]
    }

    static func write(_ s: MarketSnapshot, to w: inout StateWriter) {
        w.write(s.tick); w.write(Int(s.phase.rawValue))
        for v in [s.bidPrice, s.bidSize, s.askPrice, s.askSize, s.lastPrice, s.open, s.high, s.low, s.close, s.volume,
                  Int64(s.trades), s.referencePrice, s.auctionPrice, s.auctionVolume, s.indicativePrice, s.indicativeVolume] { w.write(v) }
        w.write(s.halted)
        for levels in [s.bids, s.asks] {
            w.write(levels.count)
            for l in levels { w.write(l.price); w.write(l.quantity); w.write(l.orders) }
        }
        w.write(s.prints.count)
        for p in s.prints { w.write(p.price); w.write(p.quantity) }
    }

    static func readSnapshot(_ r: inout StateReader) throws(StateReader.Failure) -> MarketSnapshot {
        let tick = try r.int()
        guard let phase = SessionPhase(rawValue: UInt8(clamping: try r.int())) else { throw StateReader.Failure(description: "bad session phase") }
        var v: [Int64] = []
        for _ in 0..<16 { v.append(try r.int64()) }
        var s = MarketSnapshot(tick: tick, phase: phase, referencePrice: v[11])
        s.bidPrice = v[0]; s.bidSize = v[1]; s.askPrice = v[2]; s.askSize = v[3]; s.lastPrice = v[4]
        s.open = v[5]; s.high = v[6]; s.low = v[7]; s.close = v[8]; s.volume = v[9]; s.trades = Int(v[10])
        s.auctionPrice = v[12]; s.auctionVolume = v[13]; s.indicativePrice = v[14]; s.indicativeVolume = v[15]
        s.halted = try r.bool()
        for side in 0..<2 {
            var levels: [PriceLevel] = []
            for _ in 0..<(try r.int()) { levels.append(PriceLevel(price: try r.int64(), quantity: try r.int64(), orders: try r.int())) }
            if side == 0 { s.bids = levels } else { s.asks = levels }
        }
        for _ in 0..<(try r.int()) { s.prints.append(TradePrint(price: try r.int64(), quantity: try r.int64())) }
        return s
    }
}
