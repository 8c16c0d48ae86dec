import AgoraCore
import Foundation

// MARK: the stylized facts as JSON, text, catalog figures, CSV and a report panel

extension StylizedFacts {
    /// Every figure as one JSON object.
    public var json: JSONLine {
        var j = JSONLine()
        j.set("returns", count)
        j.set("horizons", .list(atHorizon.map { h in
            var e = JSONLine()
            e.set("steps", h.steps)
            e.set("returns", h.count)
            e.set("excess_kurtosis", .number(h.excessKurtosis))
            e.set("hill_tail_index", .number(h.hillTailIndex))
            e.set("abs_return_acf1", .number(h.absoluteACF1))
            return .object(e)
        }))
        j.set("return_acf", .list(returnACF.map { .number($0) }))
        j.set("abs_return_acf", .list(absoluteACF.map { .number($0) }))
        j.set("mean_abs_return_acf_2_20", .number(meanAbsoluteReturnACF))
        j.set("volume_abs_return_correlation", .number(volumeCorrelation))
        j.set("leverage", .list(leverage.map { .number($0) }))
        j.set("order_sign_acf", .list(orderSignACF.map { .number($0) }))
        j.set("intraday", .list(intraday.map { b in
            var e = JSONLine()
            e.set("abs_return", .number(b.absoluteReturn))
            e.set("volume", .number(b.volume))
            e.set("spread", .number(b.spread))
            return .object(e)
        }))
        var c = JSONLine()
        for k in checks {
            var e = JSONLine()
            e.set("fact", k.fact)
            e.set("range", k.range)
            e.set("value", .number(k.value))
            if let i = k.interval { e.set("interval", .list([.number(i.lowerBound), .number(i.upperBound)])) }
            e.set("holds", .bool(k.holds))
            c.set(k.id, e)
        }
        j.set("checks", c)
        let s = score
        j.set("holds", s.holds)
        j.set("checked", s.of)
        return j
    }

    /// Figures for the catalog, under `prefix` (`analysis.ACME.facts.`).
    public func figures(prefix: String) -> [(String, Double)] {
        var out = checks.map { (prefix + $0.id, $0.value) }
        out += atHorizon.map { (prefix + "kurtosis_\($0.steps)", $0.excessKurtosis) }
        out += [(prefix + "holds", Double(score.holds)), (prefix + "checked", Double(score.of))]
        var seen: Set<String> = []
        return out.filter { seen.insert($0.0).inserted }
    }

    /// One line per check, for the terminal.
    public var lines: [String] {
        func f(_ v: Double) -> String { v.isNaN ? "–" : String(format: "%.3f", v) }
        return checks.map { k in
            let band = k.interval.map { " [\(f($0.lowerBound)), \(f($0.upperBound))]" } ?? ""
            return "\(k.holds ? "holds" : "fails")  \(k.fact): \(f(k.value))\(band), real markets \(k.range)"
        }
    }

    /// The rows of the facts' tables, as (file name, header, rows).
    public func csvTables(_ name: String) -> [(String, String, [String])] {
        func f(_ v: Double) -> String { v.isNaN ? "" : formatNumber(v) }
        return [
            ("facts_\(name).csv", "id,fact,range,value,low,high,holds",
             checks.map { c in
                 "\(c.id),\"\(c.fact)\",\"\(c.range)\",\(f(c.value)),\(f(c.interval?.lowerBound ?? .nan)),\(f(c.interval?.upperBound ?? .nan)),\(c.holds)"
             }),
            ("facts_horizons_\(name).csv", "steps,returns,excess_kurtosis,hill_tail_index,abs_return_acf1",
             atHorizon.map { "\($0.steps),\($0.count),\(f($0.excessKurtosis)),\(f($0.hillTailIndex)),\(f($0.absoluteACF1))" }),
            ("facts_acf_\(name).csv", "lag,returns,abs_returns,leverage,order_signs",
             absoluteACF.indices.map { l in
                 "\(l),\(f(l < returnACF.count ? returnACF[l] : .nan)),\(f(absoluteACF[l])),\(f(l < leverage.count ? leverage[l] : .nan)),"
                     + f(l < orderSignACF.count ? orderSignACF[l] : .nan)
             }),
            ("facts_intraday_\(name).csv", "bin,abs_return,volume,spread",
             intraday.enumerated().map { "\($0.offset),\(f($0.element.absoluteReturn)),\(f($0.element.volume)),\(f($0.element.spread))" }),
        ]
    }

    /// The report's realism panel for `name`: each fact holds or fails against the range of real
    /// markets, with its interval, then the figures behind them.
    func panel(_ name: String) -> String {
        func f(_ v: Double) -> String { v.isNaN ? "–" : String(format: "%.3f", v) }
        let e = SVGChart.escape
        let colors = SVGChart.palette
        let s = score
        var html = "<h2>\(e(name)): realism — \(s.holds) of \(s.of) stylized facts hold</h2>\n"
        html += "<p>Mid-price log returns over continuous trading (\(count) one-step returns). Each figure has its 95% block-bootstrap "
            + "interval; the ranges are those measured in real markets (docs/analysis.md).</p>\n"
        html += "<table class=\"realism\"><tr><th>fact</th><th>value</th><th>95% interval</th><th>real markets</th><th></th></tr>"
        for k in checks {
            let band = k.interval.map { "\(f($0.lowerBound)) … \(f($0.upperBound))" } ?? ""
            html += "<tr><td>\(e(k.fact))</td><td>\(f(k.value))</td><td>\(e(band))</td><td>\(e(k.range))</td>"
                + "<td class=\"\(k.holds ? "holds" : "fails")\">\(k.holds ? "holds" : "fails")</td></tr>"
        }
        html += "</table>\n"
        let band = count > 0 ? 1.96 / Double(count).squareRoot() : 0
        var acf = SVGChart(title: "\(name) — autocorrelation of |r| and of r, with the ±1.96/√n band of no correlation", xLabel: "lag (ticks)",
                           yLabel: "autocorrelation")
        acf.logX = true
        acf.series.append(.init(name: "|r|", points: absoluteACF.enumerated().dropFirst().map { (Double($0.offset), $0.element) },
                                color: colors[1], style: .points))
        acf.series.append(.init(name: "r", points: returnACF.enumerated().dropFirst().map { (Double($0.offset), $0.element) }, color: colors[0],
                                style: .points))
        acf.series.append(.init(name: "+band", points: [(1, band), (Double(Self.absoluteLags), band)], color: colors[5]))
        acf.series.append(.init(name: "−band", points: [(1, -band), (Double(Self.absoluteLags), -band)], color: colors[5]))
        html += "<figure>\(acf.svg)</figure>\n"
        var kurtosis = SVGChart(title: "\(name) — excess kurtosis by horizon (aggregational Gaussianity), with 95% intervals",
                                xLabel: "horizon (ticks)", yLabel: "excess kurtosis")
        kurtosis.logX = true
        kurtosis.series.append(.init(name: "kurtosis", points: atHorizon.map { (Double($0.steps), $0.excessKurtosis) }, color: colors[0],
                                     style: .points, errors: atHorizon.map { h in
                                         intervals["kurtosis_\(h.steps)"].map { ($0.upperBound - $0.lowerBound) / 2 } ?? .nan
                                     }))
        kurtosis.series.append(.init(name: "real markets: ≥ 3 at 1 tick", points: [(1, 3), (Double(Self.horizons.last!), 3)], color: colors[5]))
        html += "<figure>\(kurtosis.svg)</figure>\n"
        if leverage.count > 1 {
            var lev = SVGChart(title: "\(name) — leverage: correlation of r(t) with |r(t+k)|", xLabel: "k (ticks)", yLabel: "correlation")
            lev.series.append(.init(name: "leverage", points: leverage.enumerated().map { (Double($0.offset), $0.element) }, color: colors[2],
                                    style: .points))
            html += "<figure>\(lev.svg)</figure>\n"
        }
        if orderSignACF.count > 1 {
            var signs = SVGChart(title: "\(name) — autocorrelation of trade signs (long memory of order flow)", xLabel: "lag (trades)",
                                 yLabel: "autocorrelation")
            signs.logX = true
            signs.series.append(.init(name: "signs", points: orderSignACF.enumerated().dropFirst().map { (Double($0.offset), $0.element) },
                                      color: colors[3], style: .points))
            html += "<figure>\(signs.svg)</figure>\n"
        }
        if !intraday.isEmpty {
            var day = SVGChart(title: "\(name) — through the trading day: mean |r| (×10⁴), volume and spread, relative to their means",
                               xLabel: "tenth of the session", yLabel: "relative to the mean")
            func relative(_ v: [Double]) -> [(Double, Double)] {
                let m = Stats.mean(v.filter(\.isFinite))
                return m.isFinite && m > 0 ? v.enumerated().filter { $0.element.isFinite }.map { (Double($0.offset), $0.element / m) } : []
            }
            day.series.append(.init(name: "|r|", points: relative(intraday.map(\.absoluteReturn)), color: colors[1]))
            day.series.append(.init(name: "volume", points: relative(intraday.map(\.volume)), color: colors[2]))
            day.series.append(.init(name: "spread", points: relative(intraday.map(\.spread)), color: colors[4]))
            html += "<figure>\(day.svg)</figure>\n"
        }
        return html
    }
}

extension StylizedFacts {
    /// A report of these facts alone, for a price file (`agora analyze --prices FILE --report`).
    public func reportPage(name: String, source: String) -> String {
        RunAnalysis.page(title: "Agora stylized facts: \(name)",
                         header: [("prices", source), ("returns", String(count)), ("agora", AgoraVersion.string)], body: panel(name))
    }

    /// The facts as a few lines for the terminal, headed by where they come from.
    public func text(name: String) -> String {
        let s = score
        return (["agora: stylized facts of \(name) (\(count) returns): \(s.holds) of \(s.of) hold"] + lines.map { "  " + $0 }).joined(separator: "\n")
    }
}
