import AgoraEngine
import AgoraExchange

extension ModelCatalog {
    /// Parameters every trader kind accepts.
    static func traderCommon(activity: Double) -> [ParameterSpec] {
        [
            ParameterSpec("activity", .probability, default: .number(activity), "Chance to act in a tick."),
            ParameterSpec("latency", .integer(min: 0, max: 1_000), default: .integer(0),
                          "Ticks of delay on the market data these traders see."),
            ParameterSpec("max_lots", .integer(min: 1, max: 1_000_000), default: .integer(5), "Orders are 1 … max_lots lots."),
            ParameterSpec("cash", .integer(min: 0, max: Int(Int64.max / 4)), default: nil,
                          "Starting cash in price units (default: exchange.accounts.cash)."),
            ParameterSpec("position", .integer(min: 0, max: Int(Int64.max / 4)), default: nil,
                          "Starting shares of each instrument (default: exchange.accounts.position)."),
            ParameterSpec("share_probability", .probability, default: nil,
                          "On a network: chance to pass a news item on when first hearing it (default 0.5)."),
            ParameterSpec("post_trades", .probability, default: nil,
                          "On a network: chance to post about one's latest fill, the tick after it (default 0)."),
            ParameterSpec("sentiment_decay", .probability, default: nil,
                          "On a network: share of its distance from zero that sentiment loses each tick (default 0.1)."),
        ]
    }

    /// Parameters that only mean something when the market runs on a network.
    static let networkParameters = ["share_probability", "post_trades", "sentiment_decay", "sentiment_weight", "sentiment_bps"]

    static let traderKinds: [AgentKindDescriptor] = [
        AgentKindDescriptor(name: "zero_intelligence", summary: "Budget-constrained random limit orders around the mid.",
                            parameters: traderCommon(activity: 0.02) + [
            ParameterSpec("price_range_bps", .integer(min: 0, max: 10_000), default: .integer(200),
                          "Limit prices are uniform within ± this many basis points of the mid."),
        ]),
        AgentKindDescriptor(name: "noise", summary: "Random market orders and limit orders near the mid.",
                            parameters: traderCommon(activity: 0.02) + [
            ParameterSpec("market_share", .probability, default: .number(0.3), "Share of orders sent as market orders."),
            ParameterSpec("offset_ticks", .integer(min: 0, max: 100_000), default: .integer(5),
                          "Limit orders lie within ± this many ticks of the mid."),
            ParameterSpec("buy_probability", .probability, default: .number(0.5), "Chance that an order is a buy."),
            ParameterSpec("sentiment_weight", .number(min: -1, max: 1), default: nil,
                          "On a network: the buy probability moves by this × sentiment (−1 … 1) (default 0)."),
        ]),
        AgentKindDescriptor(name: "fundamentalist", summary: "Buys below and sells above its estimate of the fundamental value.",
                            parameters: traderCommon(activity: 0.02) + [
            ParameterSpec("threshold_bps", .integer(min: 0, max: 10_000), default: .integer(50),
                          "Trades when the price is this far (basis points) from its estimate."),
            ParameterSpec("bias_bps", .integer(min: 0, max: 5_000), default: .integer(100),
                          "Each trader's private bias on the fundamental, uniform within ± this."),
            ParameterSpec("sentiment_bps", .integer(min: -5_000, max: 5_000), default: nil,
                          "On a network: the estimate moves by this many basis points × sentiment (−1 … 1) (default 0)."),
        ]),
        AgentKindDescriptor(name: "momentum", summary: "Chartist: follows the trend of the mid over a lookback.",
                            parameters: traderCommon(activity: 0.02) + [
            ParameterSpec("lookback", .integer(min: 1, max: 10_000), default: .integer(20), "Ticks over which the return is measured."),
            ParameterSpec("threshold_bps", .integer(min: 0, max: 10_000), default: .integer(30),
                          "Buys (sells) with a market order when the return exceeds (falls below −) this."),
        ]),
        AgentKindDescriptor(name: "market_maker", summary: "Quotes both sides around the mid, skewed against its inventory.",
                            parameters: traderCommon(activity: 1) + [
            ParameterSpec("half_spread_ticks", .integer(min: 1, max: 100_000), default: .integer(2), "Quotes at mid ± this many ticks."),
            ParameterSpec("quote_lots", .integer(min: 1, max: 1_000_000), default: .integer(10), "Lots per quote."),
            ParameterSpec("inventory_limit", .integer(min: 1, max: Int(Int32.max)), default: .integer(500),
                          "No quote on the side that would take inventory past ± this many shares."),
            ParameterSpec("skew_ticks", .integer(min: 0, max: 100_000), default: .integer(1),
                          "Quotes shift against inventory by this many ticks per quarter of the limit."),
        ]),
    ]

    public static let market = ModelDescriptor(
        name: "market",
        summary: "Traders on a real exchange: order books, auctions, accounts; zero-intelligence, noise, fundamentalist, momentum and market-maker populations; on a network, news and sentiment travel as posts.",
        agentKinds: traderKinds,
        maxPopulations: 255,
        network: .optional,
        usesExchange: true,
        usesLLM: true,
        keepsOwnAgents: true,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            guard var spec = inputs.market else {
                throw ModelBuildError(population: nil, parameter: "exchange", "the market model needs an `exchange` section")
            }
            var populations: [(TraderParameters, Int)] = []
            var total = 0
            for (i, p) in inputs.populations.enumerated() {
                guard let count = p.count else { throw ModelBuildError(population: i, parameter: "count", "missing; how many traders") }
                guard let kind = TraderKind(name: p.kind) else {
                    throw ModelBuildError(population: i, parameter: "kind", "unknown trader kind '\(p.kind)'")
                }
                total += count
                let t = TraderParameters(
                    kind: kind, activity: p.number("activity") ?? 0.02, latency: p.integer("latency") ?? 0,
                    maxLots: p.integer("max_lots") ?? 5, priceRangeBasisPoints: p.integer("price_range_bps") ?? 200,
                    marketShare: p.number("market_share") ?? 0.3, offsetTicks: p.integer("offset_ticks") ?? 5,
                    buyProbability: p.number("buy_probability") ?? 0.5, thresholdBasisPoints: p.integer("threshold_bps") ?? 50,
                    biasBasisPoints: p.integer("bias_bps") ?? 100, lookback: p.integer("lookback") ?? 20,
                    halfSpreadTicks: p.integer("half_spread_ticks") ?? 2, quoteLots: p.integer("quote_lots") ?? 10,
                    inventoryLimit: p.integer("inventory_limit") ?? 500, skewTicks: p.integer("skew_ticks") ?? 1,
                    cash: p.integer("cash").map(Int64.init), position: p.integer("position").map(Int64.init),
                    shareProbability: p.number("share_probability") ?? 0.5, tradePostProbability: p.number("post_trades") ?? 0,
                    sentimentDecay: p.number("sentiment_decay") ?? 0.1, sentimentWeight: p.number("sentiment_weight") ?? 0,
                    sentimentBasisPoints: p.integer("sentiment_bps") ?? 0)
                if inputs.network == nil, let name = networkParameters.first(where: { p.params[$0] != nil }) {
                    throw ModelBuildError(population: i, parameter: name, "only means something on a network; add a `network` section (one node per trader)")
                }
                populations.append((t, count))
            }
            guard total < Int(UInt32.max) else {
                throw ModelBuildError(population: nil, parameter: "agents", "\(total) traders in all; at most \(UInt32.max - 1)")
            }
            spec.exchange.maxLatencyTicks = populations.map(\.0.latency).max() ?? 0
            if let graph = inputs.network {
                guard graph.nodeCount == total else {
                    throw ModelBuildError(population: nil, parameter: "network",
                                          "the network has \(graph.nodeCount) nodes but there are \(total) traders; give it one node per trader")
                }
                guard spec.news.count <= TraderFeeds.maxNews else {
                    throw ModelBuildError(population: nil, parameter: "exchange.fundamental.news",
                                          "\(spec.news.count) news items; at most \(TraderFeeds.maxNews) on a network")
                }
                if let (k, n) = spec.news.enumerated().first(where: { ($0.element.seeds ?? 0) > total }) {
                    throw ModelBuildError(population: nil, parameter: "exchange.fundamental.news[\(k)].seeds",
                                          "\(n.seeds ?? 0) seeds but only \(total) traders")
                }
            } else if let k = spec.news.firstIndex(where: { $0.seeds != nil || $0.publicAfter != nil }) {
                throw ModelBuildError(population: nil, parameter: "exchange.fundamental.news[\(k)].\(spec.news[k].seeds != nil ? "seeds" : "public_after")",
                                      "only means something on a network; add a `network` section (one node per trader)")
            }
            return MarketModel(spec: spec, populations: populations, seed: inputs.seed, network: inputs.network,
                               llm: inputs.llm, answers: inputs.answers, placement: inputs.placement)
        })
}
