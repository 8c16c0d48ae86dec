import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM
import AgoraSocial

extension MarketModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        w.write(liveOrder)
        w.write(liveOrder2)
        for (p, states) in zip(populations, strategyStates) { type(of: p.strategy).save(states, to: &w) }
        w.write(views)
        w.write(fundamental)
        w.write(midHistory)
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
        try r.read(into: liveOrder)
        try r.read(into: liveOrder2)
        for (p, states) in zip(populations, strategyStates) { try type(of: p.strategy).load(states, from: &r) }
        try r.read(into: views)
        try r.read(into: fundamental)
        try r.read(into: midHistory)
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
