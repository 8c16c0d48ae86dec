import AgoraCore
import AgoraLLM
import Foundation

extension RunAnalysis {
    /// Every figure as one JSON object (`agora analyze --json`).
    public var json: JSONLine {
        var j = JSONLine()
        j.set("run_id", runID)
        j.set("scenario", scenarioName)
        j.set("model", model)
        j.set("seed", seed)
        j.set("digest", digest)
        j.set("agora_version", version)
        j.set("ticks", ticks)
        if !instruments.isEmpty {
            var market = JSONLine()
            for r in instruments {
                var m = JSONLine()
                m.set("trades", r.trades)
                m.set("volume", Int(r.volume))
                m.set("bars", r.bars.count)
                m.set("returns", r.returns.count)
                m.set("excess_kurtosis", .number(r.excessKurtosis))
                m.set("hill_tail_index", .number(r.hillTailIndex))
                m.set("return_acf", .list(r.returnACF.map { .number($0) }))
                m.set("abs_return_acf", .list(r.absoluteReturnACF.map { .number($0) }))
                m.set("volatility_clustering", .number(r.volatilityClustering))
                m.set("realized_volatility", .number(r.realizedVolatility))
                m.set("mean_spread", .number(r.meanSpread))
                m.set("mean_depth", .number(r.meanDepth))
                m.set("mean_order_flow_imbalance", .number(r.meanOrderFlowImbalance))
                m.set("imbalance_return_correlation", .number(r.imbalanceReturnCorrelation))
                m.set("auctions", r.auctions.count)
                m.set("auction_volume", Int(r.auctions.reduce(0) { $0 + $1.volume }))
                if let facts = r.facts { m.set("facts", facts.json) }
                market.set(r.name, m)
            }
            j.set("market", market)
            var p = JSONLine()
            for k in pnl {
                var e = JSONLine()
                e.set("agents", k.agents)
                e.set("total", k.total)
                e.set("mean", k.mean)
                p.set(k.kind, e)
            }
            j.set("pnl", p)
        }
        if let d = degrees {
            var n = d.json
            n.set("clustering", .number(clustering))
            j.set("network", n)
        }
        if originalPosts > 0 {
            var c = JSONLine()
            let cascades = cascadeSizes.filter { $0.size > 0 }
            let reposts = cascades.reduce(0) { $0 + $1.size * $1.count }
            c.set("original_posts", originalPosts)
            c.set("reposted", cascades.reduce(0) { $0 + $1.count })
            c.set("reposts", reposts)
            c.set("mean_size", Double(reposts) / Double(originalPosts))
            c.set("max_size", cascadeSizes.last?.size ?? 0)
            j.set("cascades", c)
        }
        if !heardByTick.isEmpty {
            j.set("news_reach", .list(heardByTick.map { .int($0.last ?? 0) }))
        }
        if let p = llmPosts {
            var l = JSONLine()
            for (name, value) in p.figures { l.set(name, .number(value)) }
            l.set("samples", .list(p.samples.map { sample in
                var e = JSONLine()
                e.set("tick", sample.tick); e.set("author", sample.author); e.set("text", sample.text); e.set("topic", sample.topic)
                e.set("emotion", sample.emotion); e.set("attitude", sample.attitude)
                return .object(e)
            }))
            j.set("llm_posts", l)
        }
        if let llm {
            var l = JSONLine()
            for (name, value) in llm.figures { l.set(String(name.dropFirst("llm.".count)), .number(value)) }
            j.set("llm", l)
        }
        if !notes.isEmpty { j.set("notes", .list(notes.map { .text($0) })) }
        return j
    }

    /// Figures to store as run metrics in the catalog, named `analysis.<…>`.
    public var figures: [(String, Double)] {
        var out: [(String, Double)] = []
        for r in instruments {
            let p = "analysis.\(r.name)."
            out += [(p + "trades", Double(r.trades)), (p + "volume", Double(r.volume)), (p + "excess_kurtosis", r.excessKurtosis),
                    (p + "hill_tail_index", r.hillTailIndex), (p + "return_acf1", r.returnACF.count > 1 ? r.returnACF[1] : .nan),
                    (p + "abs_return_acf1", r.absoluteReturnACF.count > 1 ? r.absoluteReturnACF[1] : .nan),
                    (p + "volatility_clustering", r.volatilityClustering), (p + "realized_volatility", r.realizedVolatility),
                    (p + "mean_spread", r.meanSpread), (p + "mean_depth", r.meanDepth),
                    (p + "mean_order_flow_imbalance", r.meanOrderFlowImbalance), (p + "auctions", Double(r.auctions.count))]
            if let facts = r.facts { out += facts.figures(prefix: p + "facts.") }
        }
        for k in pnl { out.append(("analysis.pnl.\(k.kind).mean", k.mean)) }
        if let d = degrees {
            out += [("analysis.network.mean_degree", d.meanDegree), ("analysis.network.mean_neighbor_degree", d.meanNeighborDegree),
                    ("analysis.network.k2_over_k", d.k2OverK), ("analysis.network.clustering", clustering)]
        }
        if originalPosts > 0 {
            out.append(("analysis.cascades.max_size", Double(cascadeSizes.last?.size ?? 0)))
        }
        if let llm { out += llm.figures.map { ("analysis.\($0.name)", $0.value) } }
        if let p = llmPosts { out += p.figures.map { ("analysis.llm_posts.\($0.name)", $0.value) } }
        return out
    }

    /// Writes the tables behind the figures as CSV files into `folder` (created if needed); returns their names.
    @discardableResult
    public func writeCSV(to folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written: [String] = []
        func write(_ name: String, _ header: String, _ rows: [String]) throws {
            let text = header + "\n" + rows.joined(separator: "\n") + (rows.isEmpty ? "" : "\n")
            try Data(text.utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(name)), options: .atomic)
            written.append(name)
        }
        func f(_ v: Double) -> String { v.isNaN ? "" : formatNumber(v) }
        for r in instruments {
            try write("bars_\(r.name).csv", "start,open,high,low,close,volume,trades,buy_volume,sell_volume,order_flow_imbalance",
                      r.bars.map { "\($0.start),\($0.open),\($0.high),\($0.low),\($0.close),\($0.volume),\($0.trades),\($0.buyVolume),\($0.sellVolume),\(f($0.orderFlowImbalance))" })
            try write("returns_\(r.name).csv", "index,log_return", r.returns.enumerated().map { "\($0),\(f($1))" })
            try write("acf_\(r.name).csv", "lag,returns,abs_returns",
                      r.returnACF.indices.map { "\($0),\(f(r.returnACF[$0])),\(f(r.absoluteReturnACF[$0]))" })
            try write("book_\(r.name).csv", "tick,last,mid,spread,depth", r.perTick.map { "\($0.tick),\($0.last > 0 ? String($0.last) : ""),\(f($0.mid)),\(f($0.spread)),\(f($0.depth))" })
            try write("auctions_\(r.name).csv", "tick,price,volume", r.auctions.map { "\($0.tick),\($0.price),\($0.volume)" })
            for (file, header, rows) in r.facts?.csvTables(r.name) ?? [] { try write(file, header, rows) }
        }
        if !pnl.isEmpty {
            try write("pnl.csv", "kind,agents,total,mean", pnl.map { "\($0.kind),\($0.agents),\(f($0.total)),\(f($0.mean))" })
        }
        if let d = degrees {
            try write("degree_distribution.csv", "degree,nodes", d.histogram.enumerated().filter { $0.element > 0 }.map { "\($0.offset),\($0.element)" })
        }
        if originalPosts > 0 {
            try write("cascade_sizes.csv", "reposts,cascades", cascadeSizes.map { "\($0.size),\($0.count)" })
        }
        if !heardByTick.isEmpty {
            try write("news_reach.csv", "tick," + heardByTick.indices.map { "news\($0 + 1)" }.joined(separator: ","),
                      (0..<ticks).map { t in "\(t)," + heardByTick.map { String($0[t]) }.joined(separator: ",") })
        }
        if let llm {
            try write("llm.csv", "figure,value", llm.figures.map { "\($0.name),\(f($0.value))" })
        }
        return written
    }

    /// A few lines for the terminal.
    public var text: String {
        func f(_ v: Double, _ digits: Int = 3) -> String { v.isNaN ? "–" : String(format: "%.\(digits)f", v) }
        var lines = ["agora: analysis of \(runID) (\(scenarioName), model \(model), seed \(seed), \(ticks) ticks)"]
        for r in instruments {
            lines.append("  \(r.name): \(r.trades) trades, volume \(r.volume), \(r.returns.count) returns; excess kurtosis \(f(r.excessKurtosis, 2)), "
                         + "Hill α \(f(r.hillTailIndex, 2)), acf(r,1) \(f(r.returnACF.count > 1 ? r.returnACF[1] : .nan)), "
                         + "acf(|r|,1) \(f(r.absoluteReturnACF.count > 1 ? r.absoluteReturnACF[1] : .nan)), clustering \(f(r.volatilityClustering)); "
                         + "spread \(f(r.meanSpread, 2)), depth \(f(r.meanDepth, 1)), \(r.auctions.count) auctions")
            if let facts = r.facts, facts.count > 0 {
                let score = facts.score
                lines.append("  \(r.name) stylized facts (\(facts.count) mid-price returns over continuous trading): \(score.holds) of \(score.of) hold")
                lines += facts.lines.map { "    " + $0 }
            }
        }
        if !pnl.isEmpty {
            lines.append("  profit and loss per agent: " + pnl.map { "\($0.kind) \(String(format: "%.0f", $0.mean))" }.joined(separator: ", "))
        }
        if let d = degrees {
            lines.append("  network: \(d.nodes) nodes, \(d.edges) edges, ⟨k⟩ \(f(d.meanDegree, 2)), neighbours' ⟨k⟩ \(f(d.meanNeighborDegree, 2)), "
                         + "⟨k²⟩/⟨k⟩ \(f(d.k2OverK, 2)), clustering \(f(clustering, 5))")
        }
        if originalPosts > 0 {
            lines.append("  cascades: \(originalPosts) original posts, largest \(cascadeSizes.last?.size ?? 0) reposts")
        }
        if let llm {
            lines.append("  llm: \(llm.questions) questions, \(llm.calls) calls, \(llm.cacheHits) cached, tokens \(llm.tokensIn)/\(llm.tokensOut), "
                         + "p50/p95/p99 \(llm.latency(percentile: 50))/\(llm.latency(percentile: 95))/\(llm.latency(percentile: 99)) ms")
        }
        if let p = llmPosts { lines += p.lines }
        for n in notes { lines.append("  note: \(n)") }
        return lines.joined(separator: "\n")
    }
}
