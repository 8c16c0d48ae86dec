import AgoraCore
import AgoraEngine
import AgoraExchange

/// What the turns of one population's traders in one shard and tick read: the market's columns as
/// pointers, the population's activity and latency, and the order queue. The market builds it;
/// `TraderStrategy.takeTurns` walks it. Holding only pointers and unretained references, it costs
/// nothing to pass.
public struct PopulationTurns {
    @usableFromInline let agents: Range<Int>
    @usableFromInline let tick: Int
    @usableFromInline let shard: Int
    @usableFromInline let draws: TickRandom
    /// The population acts every tick (`always`), else when its first draw is below `threshold`.
    @usableFromInline let always: Bool
    @usableFromInline let threshold: UInt64
    /// Where the population's latency starts in `views` (latency × instruments).
    @usableFromInline let lag: Int
    @usableFromInline let symbols: Int
    @usableFromInline let symbol: UnsafeMutablePointer<UInt16>
    @usableFromInline let first: UnsafeMutablePointer<UInt64>
    @usableFromInline let second: UnsafeMutablePointer<UInt64>
    @usableFromInline let startPosition: UnsafeMutablePointer<Int64>
    @usableFromInline let views: UnsafeMutablePointer<MarketView>
    @usableFromInline let cash: UnsafeMutablePointer<Int64>
    @usableFromInline let reservedCash: UnsafeMutablePointer<Int64>
    @usableFromInline let position: UnsafeMutablePointer<Int64>
    @usableFromInline let reservedPosition: UnsafeMutablePointer<Int64>
    @usableFromInline let unsettled: UnsafeMutablePointer<Int64>
    @usableFromInline let rules: UnsafeMutablePointer<InstrumentRules>
    /// Per trader, its sentiment (on a network).
    @usableFromInline let mood: UnsafeMutablePointer<Int16>?
    /// Per trader, whether an LLM decision waits to be applied instead of the strategy.
    @usableFromInline let escalated: UnsafeMutablePointer<UInt8>?
    /// Applies trader i's LLM decision through the sink; false when it has none this tick.
    @usableFromInline let applyDecision: (Int, OrderSink) -> Bool
    @usableFromInline unowned(unsafe) let queue: ShardQueues<OrderRequest>
    @usableFromInline let frame: TurnFrame
    /// The strategy's per-trader states (`AgentState` by id), or nil when it keeps none.
    @usableFromInline let states: UnsafeMutableRawPointer?
    /// The population's size, its tallies as the last tick ended, and −1 / its size exponent (0: uniform sizes).
    @usableFromInline let populationSize: Int
    @usableFromInline let tallies: UnsafeMutablePointer<Int64>
    @usableFromInline let sizePower: Double
    /// With attention, per instrument: the draw below which a trader acts this tick (instead of `threshold`).
    @usableFromInline let attention: UnsafeMutablePointer<UInt64>?

    init(agents: Range<Int>, tick: Int, shard: Int, draws: TickRandom, always: Bool, threshold: UInt64, lag: Int, symbols: Int,
         symbol: UnsafeMutablePointer<UInt16>, first: UnsafeMutablePointer<UInt64>, second: UnsafeMutablePointer<UInt64>,
         startPosition: UnsafeMutablePointer<Int64>, views: UnsafeMutablePointer<MarketView>, cash: UnsafeMutablePointer<Int64>,
         reservedCash: UnsafeMutablePointer<Int64>, position: UnsafeMutablePointer<Int64>, reservedPosition: UnsafeMutablePointer<Int64>,
         unsettled: UnsafeMutablePointer<Int64>, rules: UnsafeMutablePointer<InstrumentRules>, mood: UnsafeMutablePointer<Int16>?,
         escalated: UnsafeMutablePointer<UInt8>?, applyDecision: @escaping (Int, OrderSink) -> Bool, queue: ShardQueues<OrderRequest>,
         frame: TurnFrame, states: UnsafeMutableRawPointer?, populationSize: Int, tallies: UnsafeMutablePointer<Int64>, sizePower: Double,
         attention: UnsafeMutablePointer<UInt64>?) {
        self.agents = agents
        self.tick = tick
        self.shard = shard
        self.draws = draws
        self.always = always
        self.threshold = threshold
        self.lag = lag
        self.symbols = symbols
        self.symbol = symbol
        self.first = first
        self.second = second
        self.startPosition = startPosition
        self.views = views
        self.cash = cash
        self.reservedCash = reservedCash
        self.position = position
        self.reservedPosition = reservedPosition
        self.unsettled = unsettled
        self.rules = rules
        self.mood = mood
        self.escalated = escalated
        self.applyDecision = applyDecision
        self.queue = queue
        self.frame = frame
        self.states = states
        self.populationSize = populationSize
        self.tallies = tallies
        self.sizePower = sizePower
        self.attention = attention
    }
}

/// An instrument's tick and lot sizes, as the traders' turns read them.
public struct InstrumentRules: Sendable, BitwiseCopyable {
    public var tickSize: Price
    public var lotSize: Quantity
}

extension TraderStrategy {
    /// The default `takeTurns`: each trader of the range, in id order, draws whether it acts (its
    /// first draw of the tick), looks at its instrument's market as its latency lets it (skipping
    /// a closed or empty market), and then applies its LLM decision when one waits, else `decide`s.
    @inlinable public func takeTurns(_ t: PopulationTurns) {
        let states = t.states?.assumingMemoryBound(to: AgentState.self)
        for i in t.agents {
            var r = t.draws.agent(i)
            let escalated = t.escalated.map { $0[i] != 0 } ?? false
            if !escalated && !t.always {
                // With attention the chance to act is the instrument's; without, no symbol is read for traders that sit out.
                let threshold = t.attention.map { $0[Int(t.symbol[i])] } ?? t.threshold
                if r.next() >= threshold { continue }
            }
            let s = Int(t.symbol[i])
            let v = t.views[t.lag + s]
            guard v.open, v.mid > 0 else { continue }
            let rules = t.rules[s]
            let slot = i * t.symbols + s
            let orders = OrderSink(freeCash: t.cash[i] - t.reservedCash[i],
                                   sellable: t.position[slot] - t.reservedPosition[slot] - t.unsettled[slot],
                                   tickSize: rules.tickSize, lotSize: rules.lotSize, bandLow: v.bandLow, bandHigh: v.bandHigh, queue: t.queue,
                                   shard: t.shard, agent: UInt32(i), symbol: UInt16(s), first: t.first[i], second: t.second[i])
            if escalated && t.applyDecision(i, orders) { continue }
            var turn = TraderTurn(agent: i, instrument: s, tick: t.tick, market: v, random: r, position: t.position[slot],
                                  startPosition: t.startPosition[i], sentiment: t.mood?[i] ?? 0, orders: orders,
                                  populationSize: t.populationSize, frame: t.frame, tallies: t.tallies, sizePower: t.sizePower)
            if let states {
                decide(&turn, state: &states[i])
            } else {
                var none = Self.emptyState
                decide(&turn, state: &none)
            }
        }
    }

    /// A state for strategies whose `AgentState` has no stored bits (never read).
    @inlinable static var emptyState: AgentState {
        precondition(MemoryLayout<AgentState>.size == 0, "a strategy with state keeps it in the market's column")
        return unsafeBitCast((), to: AgentState.self)
    }
}
