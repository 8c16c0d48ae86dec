import AgoraEngine
import AgoraExchange

// MARK: live: what the monitor shows of the market between ticks

extension MarketModel: LiveModel {
    /// Every instrument's book to the exchange's depth (from the tick's market data, which a run
    /// spread over processes shares with each of them), its state, the last tick's trades, and the
    /// LLM side's totals and latest questions.
    public func liveView(depth: Int) -> LiveView {
        var view = LiveView()
        let names = spec.exchange.instruments.map(\.name)
        for s in names.indices {
            let snap = exchange.snapshot(symbol: s)
            let levels = { (side: [PriceLevel]) in side.prefix(depth).map { LiveView.Level(price: $0.price, quantity: $0.quantity) } }
            view.books.append(LiveView.Book(instrument: names[s], state: snap.halted ? "halted" : ExchangeLabels.phase[Int(snap.phase.rawValue)],
                                            last: snap.lastPrice, bids: levels(snap.bids), asks: levels(snap.asks)))
        }
        // The tape: the tick's trades, the latest last, at most a screenful.
        for x in exchange.tickTrades.suffix(Self.liveTrades).reversed() {
            let aggressor = ExchangeLabels.aggressor.indices.contains(x.aggressor) ? ExchangeLabels.aggressor[x.aggressor] : "?"
            view.trades.append(LiveView.Trade(tick: exchange.tick, instrument: names[x.symbol], price: x.price, quantity: x.quantity,
                                              aggressor: aggressor))
        }
        if let llm {
            view.llm = llm.accounting.figures
            view.exchanges = llm.liveExchanges
        }
        return view
    }

    /// Trades the live tape shows of one tick.
    static let liveTrades = 40
}
