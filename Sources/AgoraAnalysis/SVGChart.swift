import Foundation

/// A chart drawn as inline SVG: axes with round ticks (or named categories), line, point or bar
/// series, optional log scales, labelled vertical marks, horizontal reference lines and labelled
/// points. The report's only drawing code; no script, no network.
///
/// Everything drawn stays inside the plot area: the axes' ranges take in every point, every bar's
/// width and every mark; the legend sits above the plot, never on the data. The plot area is the
/// `plot` element's rectangle, which the browser test checks every mark against.
struct SVGChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var color: String
        var style: Style = .line
        /// For points: half-widths of an interval around each, drawn as a vertical bar.
        var errors: [Double] = []
        enum Style { case line, points, bars, step }
    }

    /// A vertical mark at `x`: what happened there, and of which kind (the kind is named in the
    /// legend and sets the dash).
    struct Mark {
        enum Kind: String { case auction, news, event }
        var x: Double
        var label: String
        var kind: Kind = .event
    }

    /// A horizontal reference line (a confidence band's edge) with its label.
    struct Rule {
        var y: Double
        var label: String
    }

    /// A point called out with its value (an outlier at the edge of a histogram).
    struct Callout {
        var x: Double
        var y: Double
        var text: String
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series] = []
    var marks: [Mark] = []
    var rules: [Rule] = []
    var callouts: [Callout] = []
    /// Names of the x positions 0, 1, 2, …: a categorical axis, each position labelled by name.
    var categories: [String]? = nil
    var logX = false
    var logY = false
    var width = 720.0
    var height = 300.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    static let markColors: [Mark.Kind: String] = [.auction: "#7a5195", .news: "#ef5675", .event: "#888888"]
    static let markDash: [Mark.Kind: String] = [.auction: "5 3", .news: "2 2", .event: "6 2 2 2"]

    private let left = 68.0, right = 16.0

    /// Round tick values covering lo…hi, about `count` of them.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var out: [Double] = []
        var v = ceil(lo / step) * step
        while v <= hi + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e6 { return String(format: "%.3gM", v / 1e6) }
        if a >= 1e4 { return String(format: "%.4gk", v / 1e3) }
        if a >= 1 { return String(format: "%.4g", v) }
        return String(format: "%.3g", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The legend's entries: every series (when there are several) and every kind of mark shown.
    var legend: [(name: String, color: String, dash: String?)] {
        var out = series.count > 1 ? series.map { ($0.name, $0.color, nil as String?) } : []
        for kind in [Mark.Kind.auction, .news, .event] where marks.contains(where: { $0.kind == kind }) {
            out.append((kind.rawValue, Self.markColors[kind]!, Self.markDash[kind]!))
        }
        if let rule = rules.first { out.append((rule.label, "#555555", "3 3")) }
        return out
    }

    /// The legend laid out in rows above the plot: (entry, x, row).
    func legendLayout() -> [(entry: (name: String, color: String, dash: String?), x: Double, row: Int)] {
        var out: [(entry: (name: String, color: String, dash: String?), x: Double, row: Int)] = []
        var x = left, row = 0
        for e in legend {
            let w = 26 + Double(e.name.count) * 6.8
            if x + w > width - right && x > left { row += 1; x = left }
            out.append((e, x, row))
            x += w + 8
        }
        return out
    }

    /// Its data as CSV: one row per point, the series named.
    var csv: String {
        var out = "series,\(Self.csvField(categories == nil ? xLabel : "category")),\(Self.csvField(yLabel))\n"
        for s in series {
            for p in s.points where p.x.isFinite && p.y.isFinite {
                let x = categories.flatMap { c in c.indices.contains(Int(p.x)) ? c[Int(p.x)] : nil }.map(Self.csvField) ?? "\(p.x)"
                out += "\(Self.csvField(s.name)),\(x),\(p.y)\n"
            }
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The chart in a `figure` that holds its data for the page's CSV button.
    var figure: String {
        "<figure data-csv=\"\(Self.escape(csv).replacingOccurrences(of: "\n", with: "&#10;"))\">\(svg)</figure>\n"
    }

    /// The chart's SVG element; `data-points` counts what was drawn.
    var svg: String {
        func tx(_ v: Double) -> Double { logX ? log10(v) : v }
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        func shown(_ p: (x: Double, y: Double)) -> Bool { p.x.isFinite && p.y.isFinite && (!logX || p.x > 0) && (!logY || p.y > 0) }
        let all = series.flatMap(\.points).filter(shown)
        let legendItems = legendLayout()
        let legendRows = legendItems.map(\.row).max().map { $0 + 1 } ?? 0
        let top = 30 + Double(legendRows) * 16 + (legendRows > 0 ? 4 : 0)
        let longest = categories?.map(\.count).max() ?? 0
        let slanted = longest > 10 || (categories?.count ?? 0) * max(1, longest) * 7 > Int(width - left - right)
        let bottom = 44.0 + (slanted ? min(90, Double(longest) * 4.5) : 0)
        let plotW = width - left - right, plotH = height - top - bottom
        let height = self.height
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" data-points=\"\(all.count)\" role=\"img\" aria-label=\"\(Self.escape(title))\">"
        out += "<text x=\"\(left)\" y=\"18\" class=\"title\">\(Self.escape(title))</text>"
        guard !all.isEmpty else {
            out += "<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\" class=\"empty\">no data</text></svg>"
            return out
        }
        // The ranges: every point, with room for the bars' widths and the marks.
        var xs = all.map { tx($0.x) }, ys = all.map { ty($0.y) }
        xs += marks.filter { $0.x.isFinite && (!logX || $0.x > 0) }.map { tx($0.x) }
        ys += rules.filter { $0.y.isFinite && (!logY || $0.y > 0) }.map { ty($0.y) }
        let called = callouts.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) && (!logY || $0.y > 0) }
        xs += called.map { tx($0.x) }
        ys += called.map { ty($0.y) }
        var xlo = xs.min()!, xhi = xs.max()!, ylo = ys.min()!, yhi = ys.max()!
        let hasBars = series.contains { $0.style == .bars && !$0.points.isEmpty }
        if let categories {
            xlo = -0.5
            xhi = Double(max(1, categories.count)) - 0.5
        } else if hasBars {
            let bx = series.filter { $0.style == .bars }.flatMap(\.points).filter(shown).map { tx($0.x) }.sorted()
            let gap = zip(bx, bx.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }.min() ?? 1
            xlo = min(xlo, bx.first! - gap / 2)
            xhi = max(xhi, bx.last! + gap / 2)
        }
        if hasBars && !logY { ylo = min(ylo, 0) }
        if xhi == xlo { xlo -= 0.5; xhi += 0.5 }
        if yhi == ylo { ylo -= abs(ylo) * 0.05 + 0.5; yhi += abs(yhi) * 0.05 + 0.5 }
        // A margin so that no point sits on an axis (bars stand on theirs).
        let ypad = (yhi - ylo) * 0.05
        if !(hasBars && ylo == 0) { ylo -= ypad }
        yhi += ypad
        if categories == nil && (!hasBars || !called.isEmpty) {
            let xpad = (xhi - xlo) * (called.isEmpty ? 0.02 : 0.04)
            xlo -= xpad
            xhi += xpad
        }
        func px(_ v: Double) -> Double { left + (tx(v) - xlo) / (xhi - xlo) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (ty(v) - ylo) / (yhi - ylo) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        out += "<rect class=\"plot\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\"/>"
        // Axes and ticks.
        out += "<g class=\"axes\"><line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(left + plotW)\" y2=\"\(top + plotH)\"/>"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\"/>"
        if let categories {
            for (i, name) in categories.enumerated() {
                let x = left + (Double(i) - xlo) / (xhi - xlo) * plotW
                out += "<line x1=\"\(f(x))\" y1=\"\(top + plotH)\" x2=\"\(f(x))\" y2=\"\(top + plotH + 4)\"/>"
                out += slanted
                    ? "<text class=\"category\" transform=\"translate(\(f(x + 3)) \(f(top + plotH + 12))) rotate(35)\" text-anchor=\"start\">\(Self.escape(name))</text>"
                    : "<text class=\"category\" x=\"\(f(x))\" y=\"\(top + plotH + 16)\" text-anchor=\"middle\">\(Self.escape(name))</text>"
            }
        } else {
            let xticks = logX ? Self.ticks(floor(xlo), ceil(xhi)).filter { $0 == $0.rounded() } : Self.ticks(xlo, xhi)
            for t in xticks where t >= xlo - 1e-9 && t <= xhi + 1e-9 {
                let x = left + (t - xlo) / (xhi - xlo) * plotW
                out += "<line x1=\"\(f(x))\" y1=\"\(top + plotH)\" x2=\"\(f(x))\" y2=\"\(top + plotH + 4)\"/>"
                out += "<text x=\"\(f(x))\" y=\"\(top + plotH + 16)\" text-anchor=\"middle\">\(Self.label(logX ? pow(10, t) : t))</text>"
            }
        }
        let yticks = logY ? Self.ticks(floor(ylo), ceil(yhi)).filter { $0 == $0.rounded() } : Self.ticks(ylo, yhi)
        for t in yticks where t >= ylo - 1e-9 && t <= yhi + 1e-9 {
            let y = top + plotH - (t - ylo) / (yhi - ylo) * plotH
            out += "<line x1=\"\(left - 4)\" y1=\"\(f(y))\" x2=\"\(left)\" y2=\"\(f(y))\"/><line class=\"grid\" x1=\"\(left)\" y1=\"\(f(y))\" x2=\"\(left + plotW)\" y2=\"\(f(y))\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Self.label(logY ? pow(10, t) : t))</text>"
        }
        out += "</g>"
        out += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\" class=\"label\">\(Self.escape(xLabel))</text>"
        out += "<text transform=\"translate(14 \(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\" class=\"label\">\(Self.escape(yLabel))</text>"
        for m in marks where m.x.isFinite && (!logX || m.x > 0) {
            let x = px(m.x)
            out += "<line class=\"mark\" data-kind=\"\(m.kind.rawValue)\" x1=\"\(f(x))\" y1=\"\(top)\" x2=\"\(f(x))\" y2=\"\(top + plotH)\" "
                + "stroke=\"\(Self.markColors[m.kind]!)\" stroke-dasharray=\"\(Self.markDash[m.kind]!)\"><title>\(Self.escape(m.label))</title></line>"
        }
        for r in rules where r.y.isFinite && (!logY || r.y > 0) {
            out += "<line class=\"rule\" x1=\"\(left)\" y1=\"\(f(py(r.y)))\" x2=\"\(left + plotW)\" y2=\"\(f(py(r.y)))\" stroke=\"#555\" "
                + "stroke-dasharray=\"3 3\"><title>\(Self.escape(r.label))</title></line>"
        }
        // Series.
        for s in series {
            let pts = s.points.filter(shown)
            guard !pts.isEmpty else { continue }
            switch s.style {
            case .line, .step:
                var d = ""
                var previous: (Double, Double)?
                for p in pts {
                    let x = px(p.x), y = py(p.y)
                    if let (_, py0) = previous, s.style == .step { d += "L\(f(x)) \(f(py0)) " }
                    d += (previous == nil ? "M" : "L") + "\(f(x)) \(f(y)) "
                    previous = (x, y)
                }
                out += "<path class=\"series\" d=\"\(d)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.4\" data-name=\"\(Self.escape(s.name))\"/>"
            case .points:
                out += "<g class=\"series\" fill=\"\(s.color)\" stroke=\"\(s.color)\" data-name=\"\(Self.escape(s.name))\">"
                for (i, p) in s.points.enumerated() where shown(p) {
                    if i < s.errors.count, s.errors[i].isFinite, s.errors[i] > 0 {
                        let lo = p.y - s.errors[i], hi = p.y + s.errors[i]
                        if !logY || lo > 0 {
                            // An interval longer than the axes is cut at the plot's edges.
                            func inside(_ y: Double) -> Double { min(max(y, top), top + plotH) }
                            out += "<line x1=\"\(f(px(p.x)))\" y1=\"\(f(inside(py(lo))))\" x2=\"\(f(px(p.x)))\" y2=\"\(f(inside(py(hi))))\"/>"
                        }
                    }
                    out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.2\"/>"
                }
                out += "</g>"
            case .bars:
                let xs = categories != nil ? [] : pts.map { tx($0.x) }.sorted()
                let gap = categories != nil ? 1 : zip(xs, xs.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }.min() ?? 1
                let w = max(1, gap / (xhi - xlo) * plotW * 0.85)
                let base = py(logY ? pow(10, ylo) : max(ylo, 0))
                out += "<g class=\"series\" fill=\"\(s.color)\" data-name=\"\(Self.escape(s.name))\">"
                for p in pts {
                    let y = py(p.y)
                    out += "<rect x=\"\(f(px(p.x) - w / 2))\" y=\"\(f(min(y, base)))\" width=\"\(f(w))\" height=\"\(f(abs(base - y)))\"/>"
                }
                out += "</g>"
            }
        }
        for c in callouts where c.x.isFinite && c.y.isFinite && (!logY || c.y > 0) {
            let x = px(c.x), y = py(c.y)
            let anchor = x > left + plotW * 0.7 ? "end" : x < left + plotW * 0.3 ? "start" : "middle"
            out += "<g class=\"callout\"><circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"none\" stroke=\"#b42318\" stroke-width=\"1.5\"/>"
                + "<text x=\"\(f(x))\" y=\"\(f(max(top + 10, y - 8)))\" text-anchor=\"\(anchor)\" fill=\"#b42318\">\(Self.escape(c.text))</text></g>"
        }
        // The legend, above the plot.
        for item in legendItems {
            let y = 30 + Double(item.row) * 16
            if let dash = item.entry.dash {
                out += "<line x1=\"\(f(item.x))\" y1=\"\(f(y + 5))\" x2=\"\(f(item.x + 18))\" y2=\"\(f(y + 5))\" stroke=\"\(item.entry.color)\" "
                    + "stroke-width=\"1.5\" stroke-dasharray=\"\(dash)\"/>"
            } else {
                out += "<rect x=\"\(f(item.x))\" y=\"\(f(y))\" width=\"18\" height=\"10\" fill=\"\(item.entry.color)\"/>"
            }
            out += "<text x=\"\(f(item.x + 24))\" y=\"\(f(y + 9))\" class=\"legend\">\(Self.escape(item.entry.name))</text>"
        }
        return out + "</svg>"
    }
}
