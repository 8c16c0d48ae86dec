import AgoraCore

/// What every trader population has, whatever its kind: how often it acts, how late it sees the
/// market, its starting account, and on a network how it passes news on and how its sentiment
/// fades. Each parameter is declared here once, with its default.
public struct TraderCommon: Sendable, Hashable {
    /// `activity`, whose default is the strategy's (`TraderStrategy.defaultActivity`).
    public static func activityParameter(default value: Double) -> Parameter<Double> {
        Parameter("activity", .probability, default: value, "Chance to act in a tick.")
    }
    public static let latencyParameter = Parameter<Int>("latency", .integer(min: 0, max: 1_000), default: 0,
                                                        "Ticks of delay on the market data these traders see.")
    public static let maxLots = Parameter<Int>("max_lots", .integer(min: 1, max: 1_000_000), default: 5, "Orders are 1 … max_lots lots.")
    public static let sizeExponentParameter = Parameter<Double>(
        "size_exponent", .number(min: 0, max: 10), default: 0,
        "Order sizes follow a power law, P(size ≥ s lots) = s^−this, up to max_lots (0: uniform in 1 … max_lots).")
    public static let attentionParameter = Parameter<Double>(
        "attention", .number(min: 0, max: 10), default: 0,
        "Activity × (recent |return| / its long-run mean)^this, within 1/attention_max … attention_max of it (0: off).")
    public static let attentionMaxParameter = Parameter<Double>("attention_max", .number(min: 1, max: 1_000), default: 4,
                                                                "The most attention multiplies (and divides) activity by.")
    public static let attentionTicksParameter = Parameter<Int>("attention_ticks", .integer(min: 1, max: 1_000_000), default: 20,
                                                               "Ticks over which attention averages the recent |return|.")
    public static let attentionBaseParameter = Parameter<Int>("attention_base_ticks", .integer(min: 1, max: 1_000_000), default: 1_000,
                                                              "Ticks over which attention averages the long-run |return|.")
    public static let cashParameter = OptionalParameter<Int>("cash", .integer(min: 0, max: Int(Int64.max / 4)),
                                                             "Starting cash in price units (default: exchange.accounts.cash).")
    public static let positionParameter = OptionalParameter<Int>("position", .integer(min: 0, max: Int(Int64.max / 4)),
                                                                 "Starting shares of each instrument (default: exchange.accounts.position).")
    public static let share = Parameter<Double>("share_probability", .probability, default: 0.5,
                                                "Chance to pass a news item on when first hearing it.", onlyWith: .network)
    public static let postTrades = Parameter<Double>("post_trades", .probability, default: 0,
                                                     "Chance to post about one's latest fill, the tick after it.", onlyWith: .network)
    public static let decay = Parameter<Double>("sentiment_decay", .probability, default: 0.1,
                                                "Share of its distance from zero that sentiment loses each tick.", onlyWith: .network)

    /// The common parameters, for a kind whose `activity` defaults to `activity`.
    public static func parameters(activity: Double) -> [ParameterSpec] {
        [activityParameter(default: activity).spec, latencyParameter.spec, maxLots.spec, sizeExponentParameter.spec,
         attentionParameter.spec, attentionMaxParameter.spec, attentionTicksParameter.spec, attentionBaseParameter.spec, cashParameter.spec,
         positionParameter.spec,
         share.spec, postTrades.spec, decay.spec]
    }

    /// Chance to act in a tick.
    public var activity: Probability
    /// Ticks of delay on the market data the population sees.
    public var latency: Int
    /// The exponent α of the power law of order sizes, P(size ≥ s lots) = s^−α (Gopikrishnan et
    /// al. 2000 measure α ≈ 1.5 for real markets); 0 for sizes uniform in 1 … max_lots.
    public var sizeExponent: Double
    /// How strongly activity follows the market's recent moves (`MarketAttention`; 0: not at
    /// all), and the ticks of its recent and long-run averages of |return|.
    public var attention: Double
    public var attentionMax: Double
    public var attentionTicks: Int
    public var attentionBaseTicks: Int
    /// Starting cash (price units) and shares of each instrument, overriding the exchange's defaults.
    public var cash: Int64?
    public var position: Int64?
    /// On a network: the chance to pass a news item on to one's neighbours on first hearing it
    /// (those who hear it first always do), and the chance to post about one's latest fill.
    public var shareProbability: Probability
    public var tradePostProbability: Probability
    /// On a network: the share of its distance from zero that sentiment loses each tick.
    public var sentimentDecay: Double

    public init(activity: Double, latency: Int = latencyParameter.defaultValue, sizeExponent: Double = sizeExponentParameter.defaultValue,
                attention: Double = attentionParameter.defaultValue, attentionMax: Double = attentionMaxParameter.defaultValue,
                attentionTicks: Int = attentionTicksParameter.defaultValue,
                attentionBaseTicks: Int = attentionBaseParameter.defaultValue, cash: Int64? = nil, position: Int64? = nil,
                shareProbability: Double = share.defaultValue, tradePostProbability: Double = postTrades.defaultValue,
                sentimentDecay: Double = decay.defaultValue) {
        self.activity = Probability(activity)
        self.latency = latency
        self.sizeExponent = sizeExponent
        self.attention = attention
        self.attentionMax = attentionMax
        self.attentionTicks = attentionTicks
        self.attentionBaseTicks = attentionBaseTicks
        self.cash = cash
        self.position = position
        self.shareProbability = Probability(shareProbability)
        self.tradePostProbability = Probability(tradePostProbability)
        self.sentimentDecay = sentimentDecay
    }

    /// From a scenario's population of a kind whose activity defaults to `defaultActivity`.
    public init(_ p: PopulationInput, defaultActivity: Double) {
        self.init(activity: p[Self.activityParameter(default: defaultActivity)], latency: p[Self.latencyParameter],
                  sizeExponent: p[Self.sizeExponentParameter], attention: p[Self.attentionParameter], attentionMax: p[Self.attentionMaxParameter],
                  attentionTicks: p[Self.attentionTicksParameter], attentionBaseTicks: p[Self.attentionBaseParameter], cash: p[Self.cashParameter].map(Int64.init), position: p[Self.positionParameter].map(Int64.init),
                  shareProbability: p[Self.share], tradePostProbability: p[Self.postTrades], sentimentDecay: p[Self.decay])
    }
}

/// One population of traders: its strategy and what every population has.
public struct TraderPopulation: Sendable {
    public var strategy: any TraderStrategy
    public var common: TraderCommon

    /// A population of `strategy`; `activity` nil takes the strategy's default.
    public init<S: TraderStrategy>(_ strategy: S, activity: Double? = nil, latency: Int = TraderCommon.latencyParameter.defaultValue,
                                   cash: Int64? = nil, position: Int64? = nil) {
        self.strategy = strategy
        common = TraderCommon(activity: activity ?? S.defaultActivity, latency: latency, cash: cash, position: position)
    }

    public init(strategy: any TraderStrategy, common: TraderCommon) {
        self.strategy = strategy
        self.common = common
    }

    /// The strategy's kind.
    public var kind: String { type(of: strategy).kind }
}

/// The trader kinds a `market` model knows: Agora's own, and any an outside package adds
/// (`MarketTraders.builtIn + [MeanReversion.self]`). Names must be unique.
public enum MarketTraders {
    /// Agora's own kinds, in the order `agora models` lists them.
    public static let builtIn: [any TraderStrategy.Type] = [
        ZeroIntelligenceTrader.self, NoiseTrader.self, Fundamentalist.self, MomentumTrader.self, MarketMaker.self, SwitchingTrader.self, PatientTrader.self,
    ]

    /// The agent kinds a scenario may name, with every parameter each accepts.
    public static func descriptors(_ kinds: [any TraderStrategy.Type]) -> [AgentKindDescriptor] {
        kinds.map { k in
            AgentKindDescriptor(name: k.kind, summary: k.summary, parameters: TraderCommon.parameters(activity: k.defaultActivity) + k.parameters)
        }
    }

    /// The first name given twice, or a kind whose own parameter repeats a common one; nil when fine.
    public static func conflict(_ kinds: [any TraderStrategy.Type]) -> String? {
        var seen: Set<String> = []
        for k in kinds {
            guard seen.insert(k.kind).inserted else { return "the trader kind '\(k.kind)' is registered twice" }
            let common = Set(TraderCommon.parameters(activity: 0).map(\.name))
            var own: Set<String> = []
            for p in k.parameters {
                if common.contains(p.name) { return "the trader kind '\(k.kind)' declares '\(p.name)', which every trader has already" }
                guard own.insert(p.name).inserted else { return "the trader kind '\(k.kind)' declares '\(p.name)' twice" }
            }
        }
        return nil
    }
}
