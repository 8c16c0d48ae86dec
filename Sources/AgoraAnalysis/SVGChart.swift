import Foundation

/// A chart drawn as inline SVG: axes with round ticks, line or point series, bars, optional log
/// scales and vertical marks. The report's only drawing code; no script, no network.
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

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series] = []
    /// Vertical marks (x, label), drawn as dashed lines: auctions, news.
    var marks: [(x: Double, label: String)] = []
    var logX = false
    var logY = false
    var width = 720.0
    var height = 300.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    private let left = 64.0, right = 16.0, top = 32.0, bottom = 44.0

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

    /// The chart's SVG element; `data-points` counts what was drawn.
    var svg: String {
        func tx(_ v: Double) -> Double { logX ? log10(v) : v }
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) && (!logY || $0.y > 0) }
        let plotW = width - left - right, plotH = height - top - bottom
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" data-points=\"\(all.count)\" role=\"img\" aria-label=\"\(Self.escape(title))\">"
        out += "<text x=\"\(left)\" y=\"18\" class=\"title\">\(Self.escape(title))</text>"
        guard !all.isEmpty else {
            out += "<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\" class=\"empty\">no data</text></svg>"
            return out
        }
        var xlo = all.map { tx($0.x) }.min()!, xhi = all.map { tx($0.x) }.max()!
        var ylo = all.map { ty($0.y) }.min()!, yhi = all.map { ty($0.y) }.max()!
        if series.contains(where: { $0.style == .bars }) && !logY { ylo = min(ylo, 0) }
        if xhi == xlo { xlo -= 0.5; xhi += 0.5 }
        if yhi == ylo { ylo -= abs(ylo) * 0.05 + 0.5; yhi += abs(yhi) * 0.05 + 0.5 }
        let pad = (yhi - ylo) * 0.05
        ylo -= ylo == 0 ? 0 : pad
        yhi += pad
        func px(_ v: Double) -> Double { left + (tx(v) - xlo) / (xhi - xlo) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (ty(v) - ylo) / (yhi - ylo) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        // Axes and ticks.
        out += "<g class=\"axes\"><line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(left + plotW)\" y2=\"\(top + plotH)\"/>"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\"/>"
        let xticks = logX ? Self.ticks(floor(xlo), ceil(xhi)).filter { $0 == $0.rounded() } : Self.ticks(xlo, xhi)
        for t in xticks where t >= xlo - 1e-9 && t <= xhi + 1e-9 {
            let x = left + (t - xlo) / (xhi - xlo) * plotW
            out += "<line x1=\"\(f(x))\" y1=\"\(top + plotH)\" x2=\"\(f(x))\" y2=\"\(top + plotH + 4)\"/>"
            out += "<text x=\"\(f(x))\" y=\"\(top + plotH + 16)\" text-anchor=\"middle\">\(Self.label(logX ? pow(10, t) : t))</text>"
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
        for m in marks where m.x.isFinite && (!logX || m.x > 0) && tx(m.x) >= xlo && tx(m.x) <= xhi {
            let x = px(m.x)
            out += "<line class=\"mark\" x1=\"\(f(x))\" y1=\"\(top)\" x2=\"\(f(x))\" y2=\"\(top + plotH)\"><title>\(Self.escape(m.label))</title></line>"
        }
        // Series.
        for s in series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) && (!logY || $0.y > 0) }
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
                for (i, p) in s.points.enumerated() where p.x.isFinite && p.y.isFinite && (!logX || p.x > 0) && (!logY || p.y > 0) {
                    if i < s.errors.count, s.errors[i].isFinite, s.errors[i] > 0 {
                        let lo = p.y - s.errors[i], hi = p.y + s.errors[i]
                        if !logY || lo > 0 {
                            out += "<line x1=\"\(f(px(p.x)))\" y1=\"\(f(py(lo)))\" x2=\"\(f(px(p.x)))\" y2=\"\(f(py(hi)))\"/>"
                        }
                    }
                    out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.2\"/>"
                }
                out += "</g>"
            case .bars:
                let xs = pts.map(\.x).sorted()
                var gap = xs.count > 1 ? zip(xs, xs.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }.min() ?? 1 : 1
                if logX { gap = 0 }
                let w = max(1, logX ? 3 : gap / (xhi - xlo) * plotW * 0.85)
                let base = py(logY ? pow(10, ylo) : max(ylo, 0))
                out += "<g class=\"series\" fill=\"\(s.color)\" data-name=\"\(Self.escape(s.name))\">"
                for p in pts {
                    let y = py(p.y)
                    out += "<rect x=\"\(f(px(p.x) - w / 2))\" y=\"\(f(min(y, base)))\" width=\"\(f(w))\" height=\"\(f(abs(base - y)))\"/>"
                }
                out += "</g>"
            }
        }
        // Legend.
        if series.count > 1 {
            var x = left + 8
            for s in series {
                out += "<rect x=\"\(f(x))\" y=\"\(top + 4)\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
                out += "<text x=\"\(f(x + 14))\" y=\"\(top + 13)\" class=\"legend\">\(Self.escape(s.name))</text>"
                x += 24 + Double(s.name.count) * 6.5
            }
        }
        return out + "</svg>"
    }
}
