import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM
import AgoraSocial

// MARK: record: events, metrics and the summary

extension MarketModel {
    public var counterCount: Int { tallyBase + tallies.total }

    /// Notes for the run's summary: where LLM answers come from.
    public var notes: [String] { llm?.notes ?? [] }

    /// On a network: each shard's posts and first hearings.
    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        feeds?.record(ctx, into: &recorder, base: 4, symbol: symbol, postKind: Event.post.id, heardKind: Event.heard.id)
        recordTallies(ctx, into: &recorder)
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
        } + (feeds?.metricNames(instruments: spec.exchange.instruments.map(\.name)) ?? []) + tallies.names
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        totals.orders += requestCount
        totals.fills += Int(counters[0]) / 2
        totals.rejects += Int(counters[1])
        totals.volume += Int(counters[2]) / 2
        var row: [Double] = [Double(requestCount), Double(counters[0] / 2), Double(counters[1])]
        for s in 0..<spec.exchange.instruments.count {
            row += Self.bookMetrics(exchange.snapshot(symbol: s)) + [Double(fundamental[s])]
        }
        if let feeds {
            row += feeds.endTick(tick, counters: counters[4...])
            feeds.applyFollows()
        }
        return row + publishTallies(counters[tallyBase...])
    }

    /// One instrument's `last`, `mid`, `spread` and `volume` (docs/data.md): a figure that does not
    /// exist is NaN (an empty cell), never a stand-in. Before the first trade there is no last
    /// price; a book with one side empty, or crossed as a call's book may be, has no mid or spread.
    /// `agora analyze` reads the same figures from the log's `market` events the same way.
    static func bookMetrics(_ snap: MarketSnapshot) -> [Double] {
        let quoted = snap.bidPrice > 0 && snap.askPrice > 0 && snap.askPrice >= snap.bidPrice
        return [snap.lastPrice > 0 ? Double(snap.lastPrice) : .nan,
                quoted ? Double(snap.bidPrice + snap.askPrice) / 2 : .nan,
                quoted ? Double(snap.askPrice - snap.bidPrice) : .nan,
                Double(snap.volume)]
    }

    public func summary() -> [(name: String, value: Double)] {
        var out: [(String, Double)] = [("orders", Double(totals.orders)), ("trades", Double(totals.fills)),
                                       ("rejects", Double(totals.rejects)), ("volume", Double(totals.volume))]
        for (s, inst) in spec.exchange.instruments.enumerated() {
            let last = exchange.snapshot(symbol: s).lastPrice
            out.append(("\(inst.name).last", last > 0 ? Double(last) : .nan))
        }
        return out + (feeds?.summary() ?? []) + (llm?.summary() ?? [])
    }
}
