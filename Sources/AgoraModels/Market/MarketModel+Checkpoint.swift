import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM
import AgoraSocial

extension MarketModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        columns.save(to: &w)
        for v in [totals.orders, totals.fills, totals.rejects, totals.volume] { w.write(v) }
        exchange.saveState(to: &w)
        if traderAccounts !== exchange.accounts {
            let a = traderAccounts
            w.write(a.cash); w.write(a.reservedCash); w.write(a.position); w.write(a.reservedPosition); w.write(a.unsettled)
        }
        feeds?.save(to: &w)
        llm?.save(to: &w)
    }

    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        try columns.load(from: &r)
        totals = (try r.int(), try r.int(), try r.int(), try r.int())
        try exchange.loadState(from: &r)
        if traderAccounts !== exchange.accounts {
            let a = traderAccounts
            try r.read(into: a.cash); try r.read(into: a.reservedCash); try r.read(into: a.position)
            try r.read(into: a.reservedPosition); try r.read(into: a.unsettled)
        }
        try feeds?.load(from: &r)
        try llm?.load(from: &r)
    }
}
