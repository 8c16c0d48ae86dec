import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraLog
import AgoraRuntime
import AgoraScenario
import AgoraSocial
import Foundation

/// Choices for `agora analyze`.
public struct AnalysisOptions: Sendable {
    /// Ticks per OHLCV bar.
    public var barTicks = 1
    /// Lags of the autocorrelation functions.
    public var lags = 20
    /// The share of the largest |returns| the Hill estimator uses.
    public var tailShare = 0.05
    /// Block-bootstrap resamples behind the stylized facts' intervals (0: no intervals).
    public var resamples = 200

    public init() {}
}

/// One OHLCV bar of an instrument: prices of its trades, volume, and the volume bought and sold by
/// the side that took liquidity.
public struct Bar: Sendable, Hashable {
    public var start: Int
    public var open: Int64 = 0
    public var high: Int64 = 0
    public var low: Int64 = 0
    public var close: Int64 = 0
    public var volume: Int64 = 0
    public var trades = 0
    public var buyVolume: Int64 = 0
    public var sellVolume: Int64 = 0

    /// (buy − sell) / (buy + sell) of the volume that took liquidity; 0 with none.
    public var orderFlowImbalance: Double {
        let t = buyVolume + sellVolume
        return t > 0 ? Double(buyVolume - sellVolume) / Double(t) : 0
    }
}

/// What `agora analyze` found in one instrument's market.
public struct InstrumentAnalysis: Sendable {
    public var name: String
    public var bars: [Bar] = []
    /// Log returns of consecutive bar closes (bars without trades are skipped).
    public var returns: [Double] = []
    public var excessKurtosis = Double.nan
    public var hillTailIndex = Double.nan
    public var returnACF: [Double] = []
    public var absoluteReturnACF: [Double] = []
    /// √Σr² over the run, and the mean of |r|.
    public var realizedVolatility = Double.nan
    /// Mean over ticks with both sides quoted: ask − bid, and best bid + ask sizes.
    public var meanSpread = Double.nan
    public var meanDepth = Double.nan
    public var volume: Int64 = 0
    public var trades = 0
    public var meanOrderFlowImbalance = Double.nan
    /// Correlation of consecutive bars' order-flow imbalance with the next bar's return.
    public var imbalanceReturnCorrelation = Double.nan
    /// Call auctions: tick, price, volume.
    public var auctions: [(tick: Int, price: Int64, volume: Int64)] = []
    /// Per tick: last, mid (from the book), spread, depth, volume.
    public var perTick: [(tick: Int, last: Int64, mid: Double, spread: Double, depth: Double, volume: Int64)] = []
    /// The stylized facts of its mid-price returns over continuous trading (ticks with both sides
    /// of the book), with the signs of its trades; nil when the log has no market events.
    public var facts: StylizedFacts?

    /// Volatility clustering: the mean autocorrelation of |r| over lags 1…10 (near 0 without it).
    public var volatilityClustering: Double {
        let a = absoluteReturnACF.dropFirst().prefix(10).filter { !$0.isNaN }
        return a.isEmpty ? .nan : a.reduce(0, +) / Double(a.count)
    }
}

/// Profit and loss of one agent kind: cash change plus position change marked at the last price.
public struct KindPnL: Sendable, Hashable {
    public var kind: String
    public var agents: Int
    public var total: Double
    public var mean: Double { agents > 0 ? total / Double(agents) : 0 }
}

/// What `agora analyze` found in a run: its market, network, cascades, the time series of its
/// metrics, and its LLM accounting. Streams the log once; memory grows with agents and bars, not
/// with events.
public struct RunAnalysis: Sendable {
    public var directory: String
    public var runID: String
    public var scenarioName: String
    public var model: String
    public var seed: String
    public var digest: String
    public var version: String
    public var ticks = 0
    public var instruments: [InstrumentAnalysis] = []
    public var pnl: [KindPnL] = []
    public var degrees: DegreeStatistics?
    public var clustering = Double.nan
    /// Reposts per cascade (news model), and the cascade size distribution as (size, count).
    public var cascadeSizes: [(size: Int, count: Int)] = []
    public var originalPosts = 0
    /// News reach over time (market on a network): per news item, traders who had heard it by each tick.
    public var heardByTick: [[Int]] = []
    /// Every per-tick metric of the run, by name, in tick order.
    public var series: [(name: String, values: [Double])] = []
    public var llm: LLMAccounting?
    /// LLM users' posts against the rules' (a news run with LLM users).
    public var llmPosts: LLMPostFigures?
    /// What could not be analysed and why (a kind the log policy left out, say).
    public var notes: [String] = []
    /// The model's own charts (`figures.json`), drawn in the report.
    public var modelFigures: [Figure] = []
    /// News events of the scenario: tick, the instrument concerned ("" for all), a label.
    public var newsMarks: [(tick: Int, instrument: String, label: String)] = []

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Analyses the run in `directory`.
    public static func analyze(directory: String, options: AnalysisOptions = AnalysisOptions()) throws -> RunAnalysis {
        let scenarioPath = (directory as NSString).appendingPathComponent("scenario.yaml")
        let scenario: Scenario
        do { scenario = try ScenarioLoader.load(path: scenarioPath, environment: [:]) } catch {
            throw Failure(description: "\(scenarioPath): \(error)")
        }
        let reader: LogReader
        do {
            reader = try LogReader(path: (directory as NSString).appendingPathComponent(RunLog.fileName))
            try RunLog.requireWhole(reader)
        } catch {
            throw Failure(description: "\(directory): \(error)")
        }
        let manifest = RunReference.manifest(directory) ?? [:]
        var a = RunAnalysis(directory: directory, runID: reader.schema.meta["run_id"] ?? (directory as NSString).lastPathComponent,
                            scenarioName: scenario.name, model: scenario.model.name, seed: String(scenario.seed),
                            digest: manifest["digest"] as? String ?? "", version: reader.schema.meta["agora_version"] ?? AgoraVersion.string)
        var stream = Streamer(scenario: scenario, schema: reader.schema, options: options)
        let problems = reader.forEachChunk { stream.take($0, reader: reader) }
        for p in problems { a.notes.append("log: \(p)") }
        a.modelFigures = FigureFile.read(directory: directory)
        stream.finish(into: &a, options: options)
        if let market = scenario.market {
            let names = market.exchange.instruments.map(\.name)
            a.newsMarks = market.news.map { n in
                (n.tick, names[n.symbol], n.headline ?? "news: \(names[n.symbol]) \(n.jumpBasisPoints > 0 ? "+" : "")\(n.jumpBasisPoints) bps")
            }
        } else if case .integer(let t)? = scenario.populations.first?.params["news_tick"] {
            a.newsMarks = [(t, "", "the news breaks")]
        }
        if scenario.network != nil {
            if let g = try? World.network(of: scenario) {
                a.degrees = DegreeStatistics(g)
                a.clustering = g.sampledClustering(samples: 10_000, seed: scenario.seed)
            }
        }
        return a
    }
}

/// The single pass over a log: one handler per event kind it knows.
struct Streamer {
    let scenario: Scenario
    let schema: LogSchema
    let options: AnalysisOptions
    let instrumentNames: [String]
    /// Kind ids by name, and each kind's columns by name.
    var kindID: [String: UInt16] = [:]
    var columns: [UInt16: [String: Int]] = [:]
    var seenKinds: Set<UInt16> = []

    var bars: [[Int: Bar]]
    var perTick: [[(tick: Int, last: Int64, mid: Double, spread: Double, depth: Double, volume: Int64)]]
    /// Per instrument, the signs of its trades in order (+1 the buyer took liquidity, −1 the seller), at most `maxSigns`.
    var signs: [[Int8]]
    static let maxSigns = 2_000_000
    var auctions: [[(tick: Int, price: Int64, volume: Int64)]]
    var trades: [Int]
    var volume: [Int64]
    /// Per agent: cash change, and per agent and instrument: position change.
    var cash: [Int64] = []
    var position: [Int64] = []
    let agentCount: Int
    var cascades = CountTable()
    var originals = 0
    var heard: [[Int: Int]] = []
    var metricNames: [String] = []
    var metricRows: [(tick: Int64, values: [Double])] = []
    var llm = LLMAccounting()
    var llmSeen = false
    var llmPostKeys: Set<UInt64> = []
    var llmSamples: [LLMPostFigures.Sample] = []
    var llmPostsSeen = false
    var lastTick: Int64 = -1

    init(scenario: Scenario, schema: LogSchema, options: AnalysisOptions) {
        self.scenario = scenario
        self.schema = schema
        self.options = options
        instrumentNames = scenario.market?.exchange.instruments.map(\.name) ?? []
        let n = instrumentNames.count
        bars = Array(repeating: [:], count: n)
        perTick = Array(repeating: [], count: n)
        signs = Array(repeating: [], count: n)
        auctions = Array(repeating: [], count: n)
        trades = Array(repeating: 0, count: n)
        volume = Array(repeating: 0, count: n)
        agentCount = scenario.populations.reduce(0) { $0 + ($1.count ?? 0) }
        if scenario.market != nil {
            cash = Array(repeating: 0, count: agentCount)
            position = Array(repeating: 0, count: agentCount * n)
        }
        for k in schema.kinds {
            kindID[k.name] = k.id
            columns[k.id] = Dictionary(uniqueKeysWithValues: k.columns.enumerated().map { ($1, $0) })
        }
        if let m = schema.kind(256) { metricNames = Array(m.columns.dropFirst()) }
        heard = Array(repeating: [:], count: scenario.market?.news.count ?? 0)
    }

    func col(_ chunk: LogChunk, _ name: String) -> [Int64]? {
        columns[chunk.kind]?[name].map { chunk.columns[$0] }
    }

    mutating func take(_ c: LogChunk, reader: LogReader) {
        seenKinds.insert(c.kind)
        lastTick = max(lastTick, c.lastTick)
        let name = schema.kind(c.kind)?.name ?? ""
        switch (c.kind, name) {
        case (256, _):
            for i in 0..<c.count {
                metricRows.append((c.columns[0][i], (1..<c.columns.count).map { Double(bitPattern: UInt64(bitPattern: c.columns[$0][i])) }))
            }
        case (_, "trade") where !instrumentNames.isEmpty:
            guard let tick = col(c, "tick"), let buyer = col(c, "agent"), let inst = col(c, "instrument"), let price = col(c, "price"),
                  let qty = col(c, "quantity"), let seller = col(c, "seller"), let aggressor = col(c, "aggressor") else { return }
            let n = instrumentNames.count
            for i in 0..<c.count {
                let s = Int(inst[i]), p = price[i], q = qty[i]
                guard s >= 0 && s < n else { continue }
                let b = Int(tick[i]) / options.barTicks
                var bar = bars[s][b] ?? Bar(start: b * options.barTicks)
                if bar.trades == 0 { bar.open = p; bar.high = p; bar.low = p }
                bar.high = max(bar.high, p)
                bar.low = min(bar.low, p)
                bar.close = p
                bar.volume += q
                bar.trades += 1
                if aggressor[i] == 0 { bar.buyVolume += q } else if aggressor[i] == 1 { bar.sellVolume += q }
                if aggressor[i] < 2 && signs[s].count < Self.maxSigns { signs[s].append(aggressor[i] == 0 ? 1 : -1) }
                bars[s][b] = bar
                trades[s] += 1
                volume[s] += q
                let bu = Int(buyer[i]), se = Int(seller[i])
                if bu >= 0 && bu < agentCount { cash[bu] -= p * q; position[bu * n + s] += q }
                if se >= 0 && se < agentCount { cash[se] += p * q; position[se * n + s] -= q }
            }
        case (_, "report") where !instrumentNames.isEmpty:
            guard let agent = col(c, "agent"), let fee = col(c, "fee") else { return }
            for i in 0..<c.count where fee[i] != 0 {
                let a = Int(agent[i])
                if a >= 0 && a < agentCount { cash[a] -= fee[i] }
            }
        case (_, "market") where !instrumentNames.isEmpty:
            guard let tick = col(c, "tick"), let inst = col(c, "agent"), let bid = col(c, "bid"), let ask = col(c, "ask"),
                  let last = col(c, "last"), let bidSize = col(c, "bid_size"), let askSize = col(c, "ask_size"), let vol = col(c, "volume"),
                  let ap = col(c, "auction_price"), let av = col(c, "auction_volume") else { return }
            for i in 0..<c.count {
                let s = Int(inst[i])
                guard s >= 0 && s < instrumentNames.count else { continue }
                // A call's book may be crossed: only an uncrossed two-sided book has a spread.
                let quoted = bid[i] > 0 && ask[i] > 0 && ask[i] >= bid[i]
                perTick[s].append((Int(tick[i]), last[i], quoted ? Double(bid[i] + ask[i]) / 2 : .nan,
                                   quoted ? Double(ask[i] - bid[i]) : .nan, quoted ? Double(bidSize[i] + askSize[i]) : .nan, vol[i]))
                if av[i] > 0 { auctions[s].append((Int(tick[i]), ap[i], av[i])) }
            }
        case (_, "post") where scenario.model.name == "news":
            guard let tick = col(c, "tick"), let agent = col(c, "agent"), let origin = col(c, "origin"), let ot = col(c, "origin_tick") else { return }
            for i in 0..<c.count {
                if agent[i] == origin[i] && ot[i] == tick[i] & 0xFFFF {
                    originals += 1
                } else {
                    cascades.add(UInt64(origin[i]) << 16 | UInt64(ot[i]))
                }
            }
        case (_, "llm_post"):
            llmPostsSeen = true
            guard let tick = col(c, "tick"), let agent = col(c, "agent"), let text = col(c, "text"), let topic = col(c, "topic"),
                  let emotion = col(c, "emotion"), let attitude = col(c, "attitude") else { return }
            for i in 0..<c.count {
                llmPostKeys.insert(UInt64(agent[i]) << 16 | UInt64(tick[i] & 0xFFFF))
                if llmSamples.count < LLMPostFigures.maxSamples {
                    llmSamples.append(.init(tick: Int(tick[i]), author: Int(agent[i]), text: reader.string(text[i]) ?? "", topic: reader.string(topic[i]) ?? "",
                                            emotion: Int(emotion[i]), attitude: Int(attitude[i])))
                }
            }
        case (_, "heard"):
            guard let tick = col(c, "tick"), let news = col(c, "news") else { return }
            for i in 0..<c.count where news[i] >= 0 && Int(news[i]) < heard.count { heard[Int(news[i])][Int(tick[i]), default: 0] += 1 }
        case (_, "llm"):
            llmSeen = true
            guard let index = col(c, "index"), let members = col(c, "members"), let status = col(c, "status"), let source = col(c, "source"),
                  let pt = col(c, "prompt_tokens"), let ct = col(c, "completion_tokens"), let attempts = col(c, "attempts"),
                  let ms = col(c, "milliseconds") else { return }
            for i in 0..<c.count {
                let m = Int(members[i])
                let reason: Fallback? = status[i] == 0 ? nil : Fallback.allCases[Int(status[i]) - 1]
                if index[i] < 0 {
                    if let reason { llm.fallbacks[reason, default: 0] += m }
                    continue
                }
                llm.questions += 1
                llm.covered += m
                switch LLMReply.Source(rawValue: Int(source[i])) {
                case .endpoint?: llm.calls += 1; llm.latencies.append(Int(ms[i]))
                case .cache?: llm.cacheHits += 1
                default: break
                }
                llm.retries += max(0, Int(attempts[i]) - 1)
                llm.tokensIn += Int(pt[i])
                llm.tokensOut += Int(ct[i])
                if reason == .failed { llm.failures += 1 }
                // Members that did not take the answer (mix) are not told apart in the event.
                if let reason { llm.fallbacks[reason, default: 0] += m } else { llm.decisions += m }
            }
        default:
            break
        }
    }

    mutating func finish(into a: inout RunAnalysis, options: AnalysisOptions) {
        a.ticks = Int(lastTick + 1)
        // Markets.
        for (s, name) in instrumentNames.enumerated() {
            var r = InstrumentAnalysis(name: name)
            r.bars = bars[s].values.sorted { $0.start < $1.start }
            r.trades = trades[s]
            r.volume = volume[s]
            var previous: Bar?
            var imbalance: [Double] = [], next: [Double] = []
            for b in r.bars where b.trades > 0 {
                if let p = previous, p.close > 0, b.close > 0 {
                    let ret = log(Double(b.close) / Double(p.close))
                    r.returns.append(ret)
                    imbalance.append(p.orderFlowImbalance)
                    next.append(ret)
                }
                previous = b
            }
            r.excessKurtosis = Stats.excessKurtosis(r.returns)
            r.hillTailIndex = Stats.hill(r.returns, k: max(1, Int(Double(r.returns.count) * options.tailShare)))
            r.returnACF = (0...options.lags).map { Stats.autocorrelation(r.returns, lag: $0) }
            let absolute = r.returns.map(abs)
            r.absoluteReturnACF = (0...options.lags).map { Stats.autocorrelation(absolute, lag: $0) }
            r.realizedVolatility = r.returns.isEmpty ? .nan : r.returns.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let quoted = perTick[s].filter { !$0.spread.isNaN }
            r.meanSpread = Stats.mean(quoted.map(\.spread))
            r.meanDepth = Stats.mean(quoted.map(\.depth))
            r.meanOrderFlowImbalance = Stats.mean(r.bars.filter { $0.buyVolume + $0.sellVolume > 0 }.map(\.orderFlowImbalance))
            r.imbalanceReturnCorrelation = Stats.correlation(imbalance, next)
            r.auctions = auctions[s]
            perTick[s].sort { $0.tick < $1.tick }
            r.perTick = perTick[s]
            if !perTick[s].isEmpty { r.facts = StylizedFacts(midReturns(perTick[s]), signs: signs[s], resamples: options.resamples) }
            a.instruments.append(r)
        }
        if !instrumentNames.isEmpty {
            let tradeKind = kindID["trade"]
            if tradeKind == nil || !seenKinds.contains(tradeKind!) {
                a.notes.append("no trade events in the log: bars, returns and profit and loss are empty")
            }
            // Profit and loss by agent kind, marked at each instrument's last trade.
            let n = instrumentNames.count
            let marks = (0..<n).map { s in a.instruments[s].bars.last(where: { $0.trades > 0 })?.close ?? (scenario.market?.exchange.instruments[s].referencePrice ?? 0) }
            var start = 0
            var byKind: [String: (agents: Int, total: Double)] = [:]
            var order: [String] = []
            for p in scenario.populations {
                let count = p.count ?? 0
                var total = 0.0
                for i in start..<min(agentCount, start + count) {
                    var v = Double(cash[i])
                    for s in 0..<n { v += Double(position[i * n + s]) * Double(marks[s]) }
                    total += v
                }
                if byKind[p.kind] == nil { order.append(p.kind) }
                byKind[p.kind, default: (0, 0)].agents += count
                byKind[p.kind, default: (0, 0)].total += total
                start += count
            }
            a.pnl = order.map { KindPnL(kind: $0, agents: byKind[$0]!.agents, total: byKind[$0]!.total) }
        }
        // Cascades.
        a.originalPosts = originals
        var histogram: [Int: Int] = [:]
        cascades.forEach { _, size in histogram[Int(size), default: 0] += 1 }
        if originals > 0 { histogram[0] = originals - cascades.count }
        a.cascadeSizes = histogram.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        // News reach over time.
        a.heardByTick = heard.map { perTick in
            var running = 0
            return (0..<a.ticks).map { t in running += perTick[t] ?? 0; return running }
        }
        // Metrics over time.
        metricRows.sort { $0.tick < $1.tick }
        a.series = metricNames.enumerated().map { i, name in (name, metricRows.map { $0.values[i] }) }
        if llmSeen { a.llm = llm }
        if llmPostsSeen || (llmSeen && scenario.model.name == "news") {
            a.llmPosts = LLMPostFigures(cascades: cascades, originals: originals, llmKeys: llmPostKeys, samples: llmSamples)
        }
    }
}
