import AgoraEngine
import AgoraExchange
import AgoraLLM

extension ModelCatalog {
    /// The market model with Agora's own trader kinds.
    public static let market = market(traders: MarketTraders.builtIn)

    /// The market model with the trader kinds `traders` (Agora's own and an outside package's:
    /// `ModelCatalog.market(traders: MarketTraders.builtIn + [MeanReversion.self])`). Kind names must be
    /// unique (`MarketTraders.conflict` says which is not).
    public static func market(traders kinds: [any TraderStrategy.Type]) -> ModelDescriptor {
        precondition(MarketTraders.conflict(kinds) == nil, MarketTraders.conflict(kinds) ?? "")
        var d = ModelDescriptor(
        name: "market",
        summary: "Traders on a real exchange: order books, auctions, accounts; populations of trader kinds (zero-intelligence, noise, fundamentalist, momentum, market makers, or your own); on a network, news and sentiment travel as posts.",
        agentKinds: MarketTraders.descriptors(kinds),
        maxPopulations: 255,
        network: .optional,
        usesExchange: true,
        usesLLM: true,
        keepsOwnAgents: true,
        events: [MarketModel.Event.report, MarketModel.Event.market, MarketModel.Event.order, MarketModel.Event.trade,
                 MarketModel.Event.post, MarketModel.Event.heard, MarketModel.llmEvent],
        build: { (inputs) throws(ModelBuildError) -> any Model in
            guard var spec = inputs.market else {
                throw ModelBuildError(population: nil, parameter: "exchange", "the market model needs an `exchange` section")
            }
            var populations: [(TraderPopulation, Int)] = []
            var total = 0
            for (i, p) in inputs.populations.enumerated() {
                guard let count = p.count else { throw ModelBuildError(population: i, parameter: "count", "missing; how many traders") }
                guard let kind = kinds.first(where: { $0.kind == p.kind }) else {
                    throw ModelBuildError(population: i, parameter: "kind", "unknown trader kind '\(p.kind)'")
                }
                total += count
                let strategy: any TraderStrategy
                do { strategy = try kind.init(p) } catch let error as ModelBuildError {
                    // A strategy blames one of its parameters; this is the population it belongs to.
                    throw ModelBuildError(population: i, parameter: error.parameter, error.message)
                } catch {
                    throw ModelBuildError(population: i, parameter: "kind", "\(error)")
                }
                populations.append((TraderPopulation(strategy: strategy, common: TraderCommon(p, defaultActivity: kind.defaultActivity)), count))
            }
            guard total < Int(UInt32.max) else {
                throw ModelBuildError(population: nil, parameter: "agents", "\(total) traders in all; at most \(UInt32.max - 1)")
            }
            spec.exchange.maxLatencyTicks = populations.map(\.0.common.latency).max() ?? 0
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
        d.llmTools = TraderTools.all.map(\.name)
        d.llmTriggers = ["price_move_bps", "lookback", "drawdown_bps", "news", "followed_post"]
        d.bytesPerAgent = 128  // accounts, positions, orders, views: measured on the shipped scenarios
        return d
    }
}

extension MarketModel {
    /// The market model with Agora's own trader kinds, as a scenario names it (`ModelCatalog.market`).
    public static var descriptor: ModelDescriptor { ModelCatalog.market }
}
