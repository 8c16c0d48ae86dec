import AgoraCore

/// Cash and positions of agents, reserved amounts for open orders, and the fees collected.
/// Struct-of-arrays: one column per quantity, positions as row × symbol.
///
/// Usually every agent's, an agent's row being its id. A run spread over processes holds only
/// some: a trader's host a window of ids (the columns are windows, still indexed by id), a book
/// owner the scattered traders of its instruments (`index` gives their rows).
public final class Accounts: @unchecked Sendable {
    public let agentCount: Int
    public let symbolCount: Int
    /// The scattered agents held, when the accounts are not indexed by id.
    public let index: AgentIndex?
    public let cash: Column<Int64>
    public let reservedCash: Column<Int64>
    /// position[row * symbolCount + symbol]
    public let position: Column<Int64>
    public let reservedPosition: Column<Int64>
    /// Bought today, not sellable before tomorrow under T+1.
    public let unsettled: Column<Int64>
    /// Changed only by the exchange, and by a run spread over processes adding its peers' fees.
    public var feesCollected: Int64 = 0

    /// Every agent's accounts, or those of the ids `window`.
    public init(agents: Int, symbols: Int, cash: Int64 = 0, position: Int64 = 0, window: Range<Int>? = nil) {
        let rows = window ?? 0..<agents
        precondition(rows.lowerBound >= 0 && rows.upperBound <= agents, "accounts window \(rows) out of 0..<\(agents)")
        agentCount = agents
        symbolCount = symbols
        index = nil
        let slots = (rows.lowerBound * symbols)..<(rows.upperBound * symbols)
        self.cash = Column(window: rows, repeating: cash)
        reservedCash = Column(window: rows, repeating: 0)
        self.position = Column(window: slots, repeating: position)
        reservedPosition = Column(window: slots, repeating: 0)
        unsettled = Column(window: slots, repeating: 0)
    }

    /// The accounts of the agents `index` holds, in its rows.
    public init(agents: Int, symbols: Int, cash: Int64 = 0, position: Int64 = 0, holding index: AgentIndex) {
        precondition(index.agents.last.map { Int($0) < agents } ?? true, "accounts for agents out of 0..<\(agents)")
        agentCount = agents
        symbolCount = symbols
        self.index = index
        self.cash = Column(count: index.count, repeating: cash)
        reservedCash = Column(count: index.count, repeating: 0)
        self.position = Column(count: index.count * symbols, repeating: position)
        reservedPosition = Column(count: index.count * symbols, repeating: 0)
        unsettled = Column(count: index.count * symbols, repeating: 0)
    }

    /// Whether `agent`'s account is held here.
    public func holds(_ agent: Int) -> Bool {
        if let index { return index.row(of: agent) != nil }
        return cash.indices.contains(agent)
    }

    /// The row of `agent`'s cash (its slots are `row * symbolCount + symbol`).
    @inlinable public func row(_ agent: Int) -> Int {
        guard let index else { return agent }
        guard let r = index.row(of: agent) else { preconditionFailure("no account for agent \(agent) here") }
        return r
    }

    @inlinable public func slot(_ agent: Int, _ symbol: Int) -> Int { row(agent) * symbolCount + symbol }

    public func availableCash(_ agent: Int) -> Int64 {
        let r = row(agent)
        return cash[r] - reservedCash[r]
    }

    /// Shares that may be sold now.
    public func sellable(_ agent: Int, _ symbol: Int) -> Int64 {
        let k = slot(agent, symbol)
        return position[k] - reservedPosition[k] - unsettled[k]
    }

    /// Σ cash held + fees collected: constant over a run.
    public var totalCash: Int64 { cash.buffer.reduce(0, +) + feesCollected }

    /// Σ positions of `symbol` held: constant over a run.
    public func totalPosition(_ symbol: Int) -> Int64 {
        let p = position.buffer
        return stride(from: symbol, to: p.count, by: symbolCount).reduce(0) { $0 + p[$1] }
    }

    /// Bytes held.
    public var byteCount: Int {
        cash.byteCount * 2 + position.byteCount * 3 + (index?.byteCount ?? 0)
    }
}
