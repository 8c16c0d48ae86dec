import AgoraLLM
import Foundation

extension RunAnalysis {
    /// The run as one self-contained HTML page: inline SVG charts and tables, no script, nothing
    /// fetched. What `agora analyze --report` and `agora run --report` write.
    public var html: String {
        var body = ""
        func h2(_ s: String) { body += "<h2>\(SVGChart.escape(s))</h2>\n" }
        func chart(_ c: SVGChart) { body += c.figure }
        func table(_ rows: [(String, String)]) {
            body += "<table>" + rows.map { "<tr><th>\(SVGChart.escape($0.0))</th><td>\(SVGChart.escape($0.1))</td></tr>" }.joined() + "</table>\n"
        }
        func f(_ v: Double, _ digits: Int = 3) -> String { v.isNaN ? "–" : String(format: "%.\(digits)f", v) }
        let colors = SVGChart.palette

        // Header.
        var header = [("scenario", scenarioName), ("model", model), ("seed", seed), ("ticks", String(ticks)), ("digest", digest),
                      ("run", runID), ("agora", version)]
        if !notes.isEmpty { header.append(("notes", notes.joined(separator: "; "))) }

        // Markets.
        for r in instruments {
            h2("\(r.name): price and volume")
            var price = SVGChart(title: "\(r.name) — last trade and mid per tick; auctions and news marked", xLabel: "tick", yLabel: "price")
            price.series.append(.init(name: "last", points: r.perTick.filter { $0.last > 0 }.map { (Double($0.tick), Double($0.last)) }, color: colors[0]))
            price.series.append(.init(name: "mid", points: r.perTick.filter { !$0.mid.isNaN }.map { (Double($0.tick), $0.mid) }, color: colors[3]))
            if let fundamental = series.first(where: { $0.name == "\(r.name).fundamental" }) {
                price.series.append(.init(name: "fundamental", points: fundamental.values.enumerated().filter { $0.element.isFinite }
                    .map { (Double($0.offset), $0.element) }, color: colors[2]))
            }
            price.marks = r.auctions.map { .init(x: Double($0.tick), label: "auction at \($0.price), volume \($0.volume)", kind: .auction) }
                + newsMarks.filter { $0.instrument == r.name }.map { .init(x: Double($0.tick), label: $0.label, kind: .news) }
            chart(price)
            var volume = SVGChart(title: "\(r.name) — volume per bar", xLabel: "tick", yLabel: "shares")
            volume.series.append(.init(name: "volume", points: r.bars.map { (Double($0.start), Double($0.volume)) }, color: colors[2], style: .bars))
            volume.marks = price.marks
            chart(volume)

            h2("\(r.name): returns")
            let sd = Stats.variance(r.returns).squareRoot()
            if sd > 0, r.returns.count >= 10 {
                let z = r.returns.map { ($0 - Stats.mean(r.returns)) / sd }
                let bins = 41, lo = -8.0, width = 16.0 / Double(bins)
                var counts = [Double](repeating: 0, count: bins)
                for v in z where v >= lo && v < -lo { counts[min(bins - 1, max(0, Int((v - lo) / width)))] += 1 }
                var dist = SVGChart(title: "\(r.name) — standardized returns against a normal (log scale)", xLabel: "return / σ", yLabel: "bars")
                dist.logY = true
                dist.series.append(.init(name: "returns", points: counts.enumerated().filter { $0.element > 0 }.map { (lo + (Double($0.offset) + 0.5) * width, $0.element) },
                                         color: colors[0], style: .bars))
                let n = Double(z.count)
                dist.series.append(.init(name: "normal", points: stride(from: -5.0, through: 5.0, by: 0.1).map { x in
                    (x, n * width * exp(-x * x / 2) / (2 * Double.pi).squareRoot())
                }.filter { $0.1 >= 0.1 }, color: colors[1]))
                // Returns beyond the range are not folded into its edges: they are called out, with the most extreme value.
                for (beyond, edge) in [(z.filter { $0 < lo }, lo), (z.filter { $0 >= -lo }, -lo)] where !beyond.isEmpty {
                    let extreme = edge < 0 ? beyond.min()! : beyond.max()!
                    let text = (beyond.count == 1 ? "1 return" : "\(beyond.count) returns") + " beyond \(edge < 0 ? "−" : "+")8σ, "
                        + (edge < 0 ? "lowest " : "highest ") + String(format: "%+.1fσ", extreme)
                    dist.callouts.append(.init(x: edge, y: Double(beyond.count), text: text))
                }
                chart(dist)
            }
            var acf = SVGChart(title: "\(r.name) — autocorrelation of returns and of |returns|", xLabel: "lag (bars)", yLabel: "autocorrelation")
            acf.series.append(.init(name: "returns", points: r.returnACF.enumerated().dropFirst().map { (Double($0.offset), $0.element) }, color: colors[0], style: .points))
            acf.series.append(.init(name: "|returns|", points: r.absoluteReturnACF.enumerated().dropFirst().map { (Double($0.offset), $0.element) }, color: colors[1], style: .points))
            // The band an uncorrelated series stays inside at 95 %: ±1.96/√n.
            if r.returns.count > 1 {
                let band = 1.96 / Double(r.returns.count).squareRoot()
                acf.rules = [.init(y: band, label: "±1.96/√n (no correlation, 95 %)"), .init(y: -band, label: "±1.96/√n (no correlation, 95 %)")]
            }
            chart(acf)
            // Spread and depth in charts of their own: their units differ and so do their scales.
            var spread = SVGChart(title: "\(r.name) — spread at the best prices", xLabel: "tick", yLabel: "spread (price units)")
            spread.series.append(.init(name: "spread", points: r.perTick.filter { !$0.spread.isNaN }.map { (Double($0.tick), $0.spread) }, color: colors[4]))
            spread.marks = price.marks
            chart(spread)
            var depth = SVGChart(title: "\(r.name) — depth at the best prices", xLabel: "tick", yLabel: "depth (shares at best bid + best ask)")
            depth.series.append(.init(name: "depth", points: r.perTick.filter { !$0.depth.isNaN }.map { (Double($0.tick), $0.depth) }, color: colors[5]))
            depth.marks = price.marks
            chart(depth)
            table([("trades", String(r.trades)), ("volume", String(r.volume)), ("returns", String(r.returns.count)),
                   ("excess kurtosis", f(r.excessKurtosis, 2)), ("Hill tail index", f(r.hillTailIndex, 2)),
                   ("autocorrelation of returns, lag 1", f(r.returnACF.count > 1 ? r.returnACF[1] : .nan)),
                   ("autocorrelation of |returns|, lag 1", f(r.absoluteReturnACF.count > 1 ? r.absoluteReturnACF[1] : .nan)),
                   ("volatility clustering (mean acf of |r|, lags 1–10)", f(r.volatilityClustering)),
                   ("realized volatility", f(r.realizedVolatility, 4)), ("mean spread", f(r.meanSpread, 2)), ("mean depth", f(r.meanDepth, 1)),
                   ("mean order-flow imbalance", f(r.meanOrderFlowImbalance)),
                   ("order-flow imbalance vs next return (correlation)", f(r.imbalanceReturnCorrelation)),
                   ("auctions", r.auctions.map { "tick \($0.tick): \($0.price) × \($0.volume)" }.joined(separator: ", "))])
            if let facts = r.facts, facts.count >= 2 { body += facts.panel(r.name) }
        }
        if !pnl.isEmpty {
            h2("Profit and loss by agent kind")
            var bars = SVGChart(title: "Mean profit and loss per agent, marked at the last prices", xLabel: "agent kind", yLabel: "profit and loss (price units)")
            bars.categories = pnl.map(\.kind)
            bars.series.append(.init(name: "mean", points: pnl.enumerated().map { (Double($0.offset), $0.element.mean) }, color: colors[0], style: .bars))
            chart(bars)
            table(pnl.map { ("\($0.kind) (\($0.agents) agents)", "total \(f($0.total, 0)), mean \(f($0.mean, 1))") })
        }

        // Network.
        if let d = degrees {
            h2("Network")
            var degree = SVGChart(title: "Degree distribution (log-log)", xLabel: "degree", yLabel: "nodes")
            degree.logX = true
            degree.logY = true
            degree.series.append(.init(name: "nodes", points: d.histogram.enumerated().filter { $0.element > 0 && $0.offset > 0 }.map { (Double($0.offset), Double($0.element)) },
                                       color: colors[0], style: .points))
            chart(degree)
            table([("nodes", String(d.nodes)), ("edges", String(d.edges)), ("mean degree ⟨k⟩", f(d.meanDegree, 3)),
                   ("mean neighbour degree (over nodes)", f(d.meanNeighborDegree, 3)), ("⟨k²⟩/⟨k⟩", f(d.k2OverK, 3)),
                   ("share whose neighbours have more neighbours", f(d.paradoxShare, 3)), ("max degree", String(d.maxDegree)),
                   ("clustering (sampled)", f(clustering, 5))])
        }
        if originalPosts > 0 {
            h2("Cascades")
            var sizes = SVGChart(title: "Reposts per original post (log-log)", xLabel: "reposts", yLabel: "original posts")
            sizes.logX = true
            sizes.logY = true
            sizes.series.append(.init(name: "cascades", points: cascadeSizes.filter { $0.size > 0 }.map { (Double($0.size), Double($0.count)) },
                                      color: colors[1], style: .points))
            chart(sizes)
            table([("original posts", String(originalPosts)), ("never reposted", String(cascadeSizes.first { $0.size == 0 }?.count ?? 0)),
                   ("largest cascade", "\(cascadeSizes.last?.size ?? 0) reposts")])
        }

        // Over time.
        let groups: [(String, String, (String) -> Bool)] = [
            ("Emotion", "people", { ["calm", "moderate", "intense"].contains($0) }),
            ("Attitude", "people", { ["negative", "neutral", "positive"].contains($0) }),
            ("Polarization", "polarization (0–1)", { $0 == "polarization" }),
            ("Awareness", "people who have heard", { $0 == "aware" }),
            ("Epidemic", "people", { ["S", "I", "R"].contains($0) }),
            ("Inequality: the Gini coefficient", "Gini (0 equal, 1 one holds all)", { $0 == "gini" }),
            ("Agents with nothing", "share of agents", { $0 == "zero_share" }),
            ("Opinion", "opinion (0–1) / share", { ["mean", "variance", "share_above_half"].contains($0) }),
            ("Sentiment", "mean sentiment (−1 to +1)", { $0.hasSuffix(".sentiment") }),
            ("News reach", "traders who heard it", { $0.hasPrefix("news") && $0.hasSuffix(".informed") }),
            ("Activity", "per tick", { ["orders", "fills", "posts", "likes", "follows", "unfollows", "new", "active"].contains($0) }),
            ("Emotion of LLM and rule users", "mean emotion (0 calm – 2 intense)", { ["llm_users_emotion", "rule_users_emotion"].contains($0) }),
            ("Attitude of LLM and rule users", "mean attitude (−1 to +1)", { ["llm_users_attitude", "rule_users_attitude"].contains($0) }),
            ("Followers against friends' followers", "followers", { ["mean_followers", "mean_friend_followers"].contains($0) }),
            ("Friendship paradox", "share of people", { $0.hasPrefix("follow_") && $0.hasSuffix("paradox_share") }),
        ]
        var overTime: [SVGChart] = []
        var plotted: Set<String> = Set(instruments.flatMap { r in ["last", "mid", "spread", "volume", "fundamental"].map { "\(r.name).\($0)" } })
        for (title, unit, belongs) in groups {
            let members = series.filter { belongs($0.name) }
            guard !members.isEmpty else { continue }
            plotted.formUnion(members.map(\.name))
            var c = SVGChart(title: title + " over time", xLabel: "tick", yLabel: unit)
            for (i, s) in members.enumerated() {
                c.series.append(.init(name: s.name, points: s.values.enumerated().map { (Double($0.offset), $0.element) }, color: colors[i % colors.count]))
            }
            c.marks = newsMarks.map { .init(x: Double($0.tick), label: $0.label, kind: .news) }
            overTime.append(c)
        }
        // Every other metric the model declares: a chart of its own (its scale is its own), or, when
        // it never changes, a line in a table.
        var constant: [(String, String)] = []
        for s in series where !plotted.contains(s.name) {
            let finite = s.values.filter(\.isFinite)
            guard let first = finite.first else { constant.append((s.name, "no value")); continue }
            guard finite.contains(where: { $0 != first }) else { constant.append((s.name, f(first, 6))); continue }
            var c = SVGChart(title: s.name + " over time", xLabel: "tick", yLabel: s.name)
            c.series.append(.init(name: s.name, points: s.values.enumerated().filter { $0.element.isFinite }.map { (Double($0.offset), $0.element) },
                                  color: colors[overTime.count % colors.count]))
            c.marks = newsMarks.map { .init(x: Double($0.tick), label: $0.label, kind: .news) }
            overTime.append(c)
        }
        if !overTime.isEmpty || !constant.isEmpty {
            h2("Over time")
            overTime.forEach(chart)
            if !constant.isEmpty { table(constant.map { ("\($0.0) (the same every tick)", $0.1) }) }
        }

        // The model's own figures.
        if !modelFigures.isEmpty {
            h2("Figures of the model")
            for figure in modelFigures {
                var c = SVGChart(title: figure.title, xLabel: figure.xLabel, yLabel: figure.yLabel)
                for (i, fs) in figure.series.enumerated() {
                    let style: SVGChart.Series.Style = figure.style == .bars ? .bars : figure.style == .points ? .points : .line
                    c.series.append(.init(name: fs.name, points: zip(fs.x, fs.y).filter { $0.0.isFinite && $0.1.isFinite }.map { ($0.0, $0.1) },
                                          color: colors[i % colors.count], style: style))
                }
                chart(c)
            }
        }

        // LLM users' posts.
        if let p = llmPosts {
            h2("LLM users' posts")
            func spread(_ x: LLMPostFigures.Spread) -> [String] {
                [String(x.originals), f(100 * x.repostedShare, 1) + "%", f(x.meanCascade, 3), String(x.largest)]
            }
            body += ReportParts.table(["posts by", "originals", "reposted", "reposts each", "largest cascade"],
                               [["LLM users"] + spread(p.llm), ["rules"] + spread(p.rule)])
            if !p.samples.isEmpty {
                // The texts are the model's: shown as text, never as markup.
                body += ReportParts.table(["tick", "author", "emotion", "attitude", "topic", "text"], p.samples.map { sample in
                    let text = sample.text.count > 500 ? String(sample.text.prefix(500)) + "…" : sample.text
                    return [String(sample.tick), String(sample.author), ["calm", "moderate", "intense"][min(2, max(0, sample.emotion))],
                            String(sample.attitude), sample.topic, text]
                })
            }
        }

        // LLM.
        if let llm {
            h2("LLM")
            var fallbacks = SVGChart(title: "Agent-decisions: made by the LLM, or by rule and why", xLabel: "decided by", yLabel: "agent-decisions")
            let reasons = [("llm", llm.decisions)] + Fallback.allCases.map { ($0.rawValue, llm.fallbacks[$0] ?? 0) }
            fallbacks.categories = reasons.map { $0.0 == "llm" ? "the LLM" : "rule: " + $0.0.replacingOccurrences(of: "_", with: " ") }
            fallbacks.series.append(.init(name: "decisions", points: reasons.enumerated().map { (Double($0.offset), Double($0.element.1)) }, color: colors[0], style: .bars))
            chart(fallbacks)
            table([("questions", String(llm.questions)), ("calls to the endpoint", String(llm.calls)), ("cache hits", String(llm.cacheHits)),
                   ("failures", String(llm.failures)), ("retries", String(llm.retries)), ("tokens in / out", "\(llm.tokensIn) / \(llm.tokensOut)"),
                   ("latency p50 / p95 / p99", "\(llm.latency(percentile: 50)) / \(llm.latency(percentile: 95)) / \(llm.latency(percentile: 99)) ms"),
                   ("agent-decisions per question", f(llm.decisionsPerCall, 2))]
                  + reasons.map { ($0.0 == "llm" ? "decided by the LLM" : "by rule: " + $0.0.replacingOccurrences(of: "_", with: " "), String($0.1)) })
        }

        return Self.page(title: "Agora run report: \(scenarioName)", header: header, body: body)
    }

    /// A report page: a title, a header table and `body`, with the style every report shares and
    /// the load-time marks the headless-browser test reads.
    static func page(title: String, header: [(String, String)], body: String) -> String {
        let head = header.map { "<tr><th>\($0.0)</th><td>\(SVGChart.escape($0.1))</td></tr>" }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:">
        <title>\(SVGChart.escape(title))</title>
        <style>
        body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 760px; color: #222; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
        table { border-collapse: collapse; margin: 8px 0; } th, td { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }
        th { font-weight: 600; color: #444; } figure { margin: 8px 0; }
        figure .saves { text-align: right; font-size: 11px; } figure .saves button { font-size: 11px; margin-left: 4px; }
        svg.chart text { font-size: 11px; fill: #333; } svg.chart .title { font-size: 13px; font-weight: 600; }
        svg.chart .axes line { stroke: #555; } svg.chart .axes line.grid { stroke: #eee; }
        td.holds { color: #1a7f37; font-weight: 600; } td.fails { color: #b42318; font-weight: 600; }
        @media print { figure .saves { display: none; } }
        </style></head><body>
        <h1>\(SVGChart.escape(title))</h1>
        <table class="header">\(head)</table>
        \(body)<script>
        // Each chart can be saved as SVG, as PNG, or its data as CSV. Once laid out, the page marks
        // what the headless-browser test reads: how many charts drew something, how many carry both
        // axis labels, how many marks fall outside their plot area, and any error.
        window.addEventListener("error", function () { document.body.dataset.errors = String(Number(document.body.dataset.errors || 0) + 1); });
        function save(name, type, data) {
          var url = URL.createObjectURL(new Blob([data], { type: type })), a = document.createElement("a");
          a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
        }
        function fileName(svg) { return (svg.getAttribute("aria-label") || "chart").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80); }
        function png(svg) {
          var url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" })), img = new Image();
          img.onload = function () {
            var c = document.createElement("canvas"); c.width = svg.width.baseVal.value * 2; c.height = svg.height.baseVal.value * 2;
            var g = c.getContext("2d"); g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height); g.drawImage(img, 0, 0, c.width, c.height);
            URL.revokeObjectURL(url); c.toBlob(function (b) { if (b) save(fileName(svg) + ".png", "image/png", b); });
          };
          img.src = url;
        }
        document.querySelectorAll("figure").forEach(function (fig) {
          var svg = fig.querySelector("svg.chart"); if (!svg) return;
          var bar = document.createElement("div"); bar.className = "saves";
          [["SVG", function () { save(fileName(svg) + ".svg", "image/svg+xml", new XMLSerializer().serializeToString(svg)); }],
           ["PNG", function () { png(svg); }],
           ["CSV", function () { save(fileName(svg) + ".csv", "text/csv", fig.dataset.csv || ""); }]].forEach(function (b) {
            var button = document.createElement("button"); button.type = "button"; button.textContent = b[0];
            button.addEventListener("click", b[1]); bar.appendChild(button);
          });
          fig.insertBefore(bar, svg);
        });
        window.addEventListener("load", function () {
          var charts = document.querySelectorAll("svg.chart"), drawn = 0, labelled = 0, outside = 0;
          charts.forEach(function (svg) {
            var box = svg.querySelector(".series") ? svg.querySelector(".series").getBBox() : null;
            if (Number(svg.dataset.points) > 0 && box && (box.width > 0 || box.height > 0)) drawn++;
            var labels = svg.querySelectorAll("text.label");
            if (labels.length === 2 && labels[0].textContent.trim() && labels[1].textContent.trim()) labelled++;
            var plot = svg.querySelector("rect.plot"); if (!plot) return;
            var p = plot.getBBox();
            svg.querySelectorAll(".series rect, .series circle, .series path, line.mark, line.rule, .callout circle").forEach(function (m) {
              var b = m.getBBox();
              if (b.x < p.x - 1 || b.y < p.y - 1 || b.x + b.width > p.x + p.width + 1 || b.y + b.height > p.y + p.height + 1) outside++;
            });
          });
          document.body.dataset.charts = String(charts.length);
          document.body.dataset.drawn = String(drawn);
          document.body.dataset.labelled = String(labelled);
          document.body.dataset.outside = String(outside);
        });
        </script></body></html>

        """
    }

    /// Writes the report to `path`.
    public func writeReport(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(html.utf8).write(to: url, options: .atomic)
    }
}

/// What a report made outside this module (a calibration's) is built from: the same page, charts
/// and tables as a run's report.
public enum ReportParts {
    /// A whole page: a title, a header table, and `body`.
    public static func page(title: String, header: [(String, String)], body: String) -> String {
        RunAnalysis.page(title: title, header: header, body: body)
    }

    /// A chart of lines (or points) as an inline SVG figure.
    public static func chart(title: String, xLabel: String, yLabel: String, series: [(name: String, points: [(Double, Double)])],
                             points: Bool = false, logX: Bool = false, logY: Bool = false) -> String {
        var c = SVGChart(title: title, xLabel: xLabel, yLabel: yLabel)
        c.logX = logX
        c.logY = logY
        for (k, s) in series.enumerated() {
            c.series.append(.init(name: s.name, points: s.points.map { (x: $0.0, y: $0.1) }, color: SVGChart.palette[k % SVGChart.palette.count],
                                  style: points ? .points : .line))
        }
        return c.figure
    }

    /// A table with a header row; every cell escaped.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
            + rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined() + "</table>\n"
    }

    public static func escape(_ s: String) -> String { SVGChart.escape(s) }
}
