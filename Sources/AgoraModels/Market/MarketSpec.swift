import AgoraCore
import AgoraExchange

/// A scheduled change of an instrument's fundamental value. Without a network every
/// fundamentalist knows it from the next tick; on a network `seeds` traders hear it then and it
/// reaches the others only through posts.
public struct NewsEvent: Sendable, Hashable {
    public var tick: Int
    public var symbol: Int
    public var jumpBasisPoints: Int
    /// On a network: how many traders, drawn from the seed, hear it first (nil: 20).
    public var seeds: Int?
    /// On a network: the news becomes public (every trader knows it) this many ticks after the
    /// seeds hear it (nil: never; it spreads only by posts).
    public var publicAfter: Int?
    /// What LLM-escalated traders read about it (nil: a plain statement of the jump).
    public var headline: String?

    public init(tick: Int, symbol: Int, jumpBasisPoints: Int, seeds: Int? = nil, publicAfter: Int? = nil, headline: String? = nil) {
        self.tick = tick
        self.symbol = symbol
        self.jumpBasisPoints = jumpBasisPoints
        self.seeds = seeds
        self.publicAfter = publicAfter
        self.headline = headline
    }
}

/// Everything a market world needs besides its traders: the exchange and the fundamentals.
public struct MarketSpec: Sendable, Hashable {
    public var exchange: ExchangeConfig
    /// Default starting cash per agent and shares per instrument.
    public var cash: Int64
    public var position: Int64
    /// The fundamental's random walk: each tick it moves by ⌊(u1 + u2 + u3 + u4) / 2⌋ basis
    /// points, u_k uniform integers in ± this (standard deviation ≈ 0.58 × it).
    public var fundamentalVolatilityBasisPoints: Int
    public var news: [NewsEvent]

    public init(exchange: ExchangeConfig, cash: Int64, position: Int64, fundamentalVolatilityBasisPoints: Int = 5, news: [NewsEvent] = []) {
        self.exchange = exchange
        self.cash = cash
        self.position = position
        self.fundamentalVolatilityBasisPoints = fundamentalVolatilityBasisPoints
        self.news = news
    }
}
