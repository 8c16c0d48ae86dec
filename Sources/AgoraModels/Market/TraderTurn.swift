import AgoraCore
import AgoraEngine
import AgoraExchange
import Foundation

/// One trader's turn: what it sees this tick, its account, its own random draws, and the sink its
/// orders go through. The market builds it for each trader that acts; a `TraderStrategy` reads
/// it and sends orders. It holds no reference that is counted, so building one costs a few loads.
public struct TraderTurn {
    /// The trader's id.
    public let agent: Int
    /// The index of the instrument it trades.
    public let instrument: Int
    /// The tick being run.
    public let tick: Int
    /// Its instrument's market as it sees it (delayed by its population's latency).
    public let market: MarketView
    /// Its own draws this tick, keyed by (seed, tick, agent): the market has drawn the coin that
    /// decided whether it acts from them first.
    public var random: AgentRandom
    /// Shares of its instrument held now, and at the start of the run.
    public let position: Int64
    public let startPosition: Int64
    /// On a network, its sentiment about its instrument in thousandths (−1000 bearish … 1000
    /// bullish); 0 off a network.
    public let sentiment: Int16
    /// Where its orders go.
    public var orders: OrderSink
    /// How many traders its population has (in every process).
    public let populationSize: Int
    @usableFromInline let frame: TurnFrame
    /// Its population's tallies as the last tick ended.
    @usableFromInline let tallies: UnsafeMutablePointer<Int64>
    /// −1 / the exponent of its population's power law of order sizes; 0: uniform sizes.
    @usableFromInline let sizePower: Double

    @inlinable init(agent: Int, instrument: Int, tick: Int, market: MarketView, random: AgentRandom, position: Int64,
                    startPosition: Int64, sentiment: Int16, orders: OrderSink, populationSize: Int, frame: TurnFrame,
                    tallies: UnsafeMutablePointer<Int64>, sizePower: Double) {
        self.agent = agent
        self.instrument = instrument
        self.tick = tick
        self.market = market
        self.random = random
        self.position = position
        self.startPosition = startPosition
        self.sentiment = sentiment
        self.orders = orders
        self.populationSize = populationSize
        self.frame = frame
        self.tallies = tallies
        self.sizePower = sizePower
    }

    /// Tally `k` of its strategy (`TraderStrategy.tallies`): how many traders of its population
    /// counted in it as the last tick ended (before the first tick: as they started).
    @inlinable public func tally(_ k: Int) -> Int { Int(tallies[k]) }

    /// The fundamental value of its instrument now, in price units (news included).
    @inlinable public var fundamental: Int64 { frame.fundamental[instrument] }

    /// Whether the market runs on a network (news then reaches traders only by posts).
    @inlinable public var onNetwork: Bool { frame.heard != nil }

    /// `estimate` with every news item about its instrument that has broken but that this trader
    /// has not heard taken back out (on a network; off one, every trader knows the news at once).
    @inlinable @inline(__always) public func withoutUnheardNews(_ estimate: Int64) -> Int64 {
        guard let heard = frame.heard else { return estimate }
        var e = estimate
        for k in 0..<frame.news.count {
            let n = frame.news[k]
            if n.symbol == instrument && n.tick < tick && heard[agent] & (1 << UInt64(k)) == 0 { e = e * 10_000 / (10_000 + n.basisPoints) }
        }
        return e
    }

    /// The mid price of its instrument at the end of tick `t`, for `t` within the strategy's
    /// `historyTicks` of the current tick (before the first tick: the reference price).
    @inlinable @inline(__always) public func mid(afterTick t: Int) -> Price {
        let n = frame.historyLength
        return frame.history[instrument * n + (t % n + n) % n]
    }

    /// 1 … `max` lots, in shares: uniform, or when the population sets `size_exponent` α, from a
    /// power law, P(size ≥ s lots) = s^−α, cut at `max`.
    @inlinable @inline(__always) public mutating func lots(upTo max: Int) -> Quantity {
        let top = Swift.max(1, max)
        guard sizePower != 0 else { return Quantity(1 + Int(random.next() % UInt64(top))) * orders.lotSize }
        return Quantity(Self.powerLawLots(Double((random.next() >> 11) + 1) * 0x1p-53, power: sizePower, max: top)) * orders.lotSize
    }

    /// The lots of a power law with exponent α for a draw `u` in (0, 1]: ⌊u^power⌋ with power = −1/α,
    /// so that P(lots ≥ s) = s^−α, held within 1 … `max`.
    @inlinable @inline(__always) public static func powerLawLots(_ u: Double, power: Double, max: Int) -> Int {
        Swift.max(1, Int(Swift.min(Double(max), pow(u, power))))
    }
}

/// Where a trader's orders go: the shard's order queue, with the rules every order of the market
/// follows — prices on the tick grid and within the day's band, quantities in lots and within
/// what the account can pay for or deliver, and the resting-order slots kept in step.
public struct OrderSink {
    /// Cash not reserved by resting buys, and shares that may be sold (held, not reserved by
    /// resting sells, settled), at the start of the turn.
    public let freeCash: Int64
    public let sellable: Int64
    public let tickSize: Price
    public let lotSize: Quantity
    /// The day's price band as the trader sees it.
    public let bandLow: Price
    public let bandHigh: Price
    @usableFromInline unowned(unsafe) let queue: ShardQueues<OrderRequest>
    @usableFromInline let shard: Int
    @usableFromInline let agent: UInt32
    @usableFromInline let symbol: UInt16
    @usableFromInline let first: UInt64
    @usableFromInline let second: UInt64

    @inlinable init(freeCash: Int64, sellable: Int64, tickSize: Price, lotSize: Quantity, bandLow: Price, bandHigh: Price,
                    queue: ShardQueues<OrderRequest>, shard: Int, agent: UInt32, symbol: UInt16, first: UInt64, second: UInt64) {
        self.freeCash = freeCash
        self.sellable = sellable
        self.tickSize = tickSize
        self.lotSize = lotSize
        self.bandLow = bandLow
        self.bandHigh = bandHigh
        self.queue = queue
        self.shard = shard
        self.agent = agent
        self.symbol = symbol
        self.first = first
        self.second = second
    }

    /// How many resting orders the trader has (0, 1 or 2).
    @inlinable public var restingOrders: Int { (first != 0 ? 1 : 0) + (second != 0 ? 1 : 0) }

    /// `price` rounded to the nearest tick and held within the day's band.
    @inlinable @inline(__always) public func onGrid(_ price: Price) -> Price {
        Swift.min(bandHigh, Swift.max(bandLow, (price + tickSize / 2) / tickSize * tickSize))
    }

    /// Sends a new order, cancelling the trader's resting one first: a limit at `price` (`timeInForce`;
    /// `postOnly`: refused rather than trading on arrival), or with `price` 0 a market order. The
    /// quantity is cut to what the account allows — whole lots the free cash pays for at the limit
    /// (a market buy: at the top of the band), or the sellable shares — and nothing is sent when
    /// none is left.
    @inlinable @inline(__always) public func replace(_ side: Side, price: Price, quantity wanted: Quantity, timeInForce: TimeInForce = .day,
                                                     postOnly: Bool = false) {
        var quantity = wanted
        if side == .buy {
            let unit = price > 0 ? price : bandHigh
            quantity = Swift.min(quantity, Quantity(freeCash / Swift.max(1, unit)) / lotSize * lotSize)
        } else {
            quantity = Swift.min(quantity, sellable / lotSize * lotSize)
        }
        if first != 0 { queue.append(.cancel(agent: agent, symbol: symbol, orderID: first), shard: shard) }
        guard quantity > 0 else { return }
        queue.append(OrderRequest(agent: agent, symbol: symbol, side: side, timeInForce: price > 0 ? timeInForce : .ioc,
                                  postOnly: postOnly && price > 0, price: price, quantity: quantity, tag: OrderTag.order.rawValue),
                     shard: shard)
    }

    /// Cancels the trader's resting orders, in both slots.
    @inlinable @inline(__always) public func cancelResting() {
        if first != 0 { queue.append(.cancel(agent: agent, symbol: symbol, orderID: first), shard: shard) }
        if second != 0 { queue.append(.cancel(agent: agent, symbol: symbol, orderID: second), shard: shard) }
    }

    /// Sends a post-only day quote as it is (the caller has sized it to the account): a bid or an ask
    /// that rests in its own slot.
    @inlinable @inline(__always) public func quote(_ side: Side, price: Price, quantity: Quantity) {
        queue.append(OrderRequest(agent: agent, symbol: symbol, side: side, timeInForce: .day, postOnly: true, price: price,
                                  quantity: quantity, tag: (side == .buy ? OrderTag.bidQuote : OrderTag.askQuote).rawValue),
                     shard: shard)
    }
}

/// A news item as a turn reads it: its instrument, the tick it broke, its move in basis points.
public struct NewsJump: Sendable, BitwiseCopyable {
    public var symbol: Int
    public var tick: Int
    public var basisPoints: Int64
}

/// What every turn of a shard's tick shares: pointers into the market's published state.
@usableFromInline struct TurnFrame {
    @usableFromInline let fundamental: UnsafeMutablePointer<Int64>
    @usableFromInline let history: UnsafeMutablePointer<Int64>
    @usableFromInline let historyLength: Int
    /// Per trader, the news items heard (bit k: item k); nil off a network.
    @usableFromInline let heard: UnsafeMutablePointer<UInt64>?
    @usableFromInline let news: UnsafeBufferPointer<NewsJump>

    @inlinable init(fundamental: UnsafeMutablePointer<Int64>, history: UnsafeMutablePointer<Int64>, historyLength: Int,
                    heard: UnsafeMutablePointer<UInt64>?, news: UnsafeBufferPointer<NewsJump>) {
        self.fundamental = fundamental
        self.history = history
        self.historyLength = historyLength
        self.heard = heard
        self.news = news
    }
}
