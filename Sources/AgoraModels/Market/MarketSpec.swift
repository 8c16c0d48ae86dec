import AgoraCore
import AgoraExchange

/// The kinds of built-in trader.
public enum TraderKind: UInt8, Sendable, Hashable, CaseIterable {
    case zeroIntelligence = 0
    case noise = 1
    case fundamentalist = 2
    case momentum = 3
    case marketMaker = 4

    /// The `kind` a scenario uses.
    public var name: String {
        switch self {
        case .zeroIntelligence: return "zero_intelligence"
        case .noise: return "noise"
        case .fundamentalist: return "fundamentalist"
        case .momentum: return "momentum"
        case .marketMaker: return "market_maker"
        }
    }

    public init?(name: String) {
        guard let k = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = k
    }
}

/// One trader population's behaviour, validated. Every kind reads the fields it needs; docs/models.md
/// lists which.
public struct TraderParameters: Sendable, Hashable {
    public var kind: TraderKind
    /// Chance to act in a tick (market makers usually 1).
    public var activity: Probability
    /// Ticks of delay on the market data this population sees.
    public var latency: Int
    /// Order size is 1 … maxLots lots, uniformly.
    public var maxLots: Int
    /// zero_intelligence: limit prices uniform within ± this many basis points of the mid.
    public var priceRangeBasisPoints: Int
    /// noise: share of orders sent as market orders; the rest are limits within `offsetTicks` of the mid.
    public var marketShare: Probability
    public var offsetTicks: Int
    /// noise: chance that an order is a buy.
    public var buyProbability: Probability
    /// fundamentalist, momentum: act when the signal exceeds this many basis points.
    public var thresholdBasisPoints: Int
    /// fundamentalist: each agent's private bias on the fundamental is uniform within ± this.
    public var biasBasisPoints: Int
    /// momentum: the return is measured over this many ticks.
    public var lookback: Int
    /// market_maker: quotes at mid ± halfSpreadTicks ticks, shifted against inventory by
    /// skewTicks per inventoryLimit / 4 of inventory; no quote on the side that would pass the limit.
    public var halfSpreadTicks: Int
    public var quoteLots: Int
    public var inventoryLimit: Int
    public var skewTicks: Int
    /// Starting cash (price units) and shares of each instrument, overriding the exchange defaults.
    public var cash: Int64?
    public var position: Int64?
    /// On a network: the chance to pass a news item on to one's neighbours on first hearing it
    /// (those who hear it first always do), and the chance to post about one's latest fill.
    public var shareProbability: Probability
    public var tradePostProbability: Probability
    /// On a network: the share of its distance from zero that sentiment loses each tick.
    public var sentimentDecay: Double
    /// noise, on a network: the buy probability moves by this × sentiment (sentiment in −1…1).
    public var sentimentWeight: Double
    /// fundamentalist, on a network: the estimate moves by this many basis points × sentiment.
    public var sentimentBasisPoints: Int

    public init(kind: TraderKind, activity: Double = 0.02, latency: Int = 0, maxLots: Int = 5, priceRangeBasisPoints: Int = 200,
                marketShare: Double = 0.3, offsetTicks: Int = 5, buyProbability: Double = 0.5, thresholdBasisPoints: Int = 50,
                biasBasisPoints: Int = 100, lookback: Int = 20, halfSpreadTicks: Int = 2, quoteLots: Int = 10,
                inventoryLimit: Int = 500, skewTicks: Int = 1, cash: Int64? = nil, position: Int64? = nil,
                shareProbability: Double = 0.5, tradePostProbability: Double = 0, sentimentDecay: Double = 0.1,
                sentimentWeight: Double = 0, sentimentBasisPoints: Int = 0) {
        self.kind = kind
        self.activity = Probability(activity)
        self.latency = latency
        self.maxLots = maxLots
        self.priceRangeBasisPoints = priceRangeBasisPoints
        self.marketShare = Probability(marketShare)
        self.offsetTicks = offsetTicks
        self.buyProbability = Probability(buyProbability)
        self.thresholdBasisPoints = thresholdBasisPoints
        self.biasBasisPoints = biasBasisPoints
        self.lookback = lookback
        self.halfSpreadTicks = halfSpreadTicks
        self.quoteLots = quoteLots
        self.inventoryLimit = inventoryLimit
        self.skewTicks = skewTicks
        self.cash = cash
        self.position = position
        self.shareProbability = Probability(shareProbability)
        self.tradePostProbability = Probability(tradePostProbability)
        self.sentimentDecay = sentimentDecay
        self.sentimentWeight = sentimentWeight
        self.sentimentBasisPoints = sentimentBasisPoints
    }
}

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
