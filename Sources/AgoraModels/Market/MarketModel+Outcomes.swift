import AgoraEngine

/// What a trader is worth, for scoring its decisions by their profit (`agora export trajectories`).
extension MarketModel: OutcomeReporting {
    public var outcomeNames: [String] { ["wealth"] }

    /// Cash plus every position at its instrument's mid (the last trade when a side of the book is
    /// empty), in the exchange's cash units (price × quantity).
    public func outcomes(of agent: Int) -> [Double] {
        let accounts = traderAccounts
        guard accounts.holds(agent) else { return [.nan] }
        var w = accounts.cash[accounts.row(agent)]
        for s in 0..<accounts.symbolCount {
            let view = views[s]
            w += accounts.position[accounts.slot(agent, s)] * (view.mid > 0 ? view.mid : view.last)
        }
        return [Double(w)]
    }
}
