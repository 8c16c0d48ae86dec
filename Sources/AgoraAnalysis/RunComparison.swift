import AgoraCore
import Foundation

/// Two runs' figures side by side (`agora analyze A --compare B`): a variant against its baseline —
/// LLM users against the rules, one recommender against another. Every per-tick metric's last value
/// and mean, then every figure the analysis stores (`analysis.*`), in the first run's order with
/// the second's own after them; a figure one run lacks is blank.
public struct RunComparison: Sendable {
    public var first: String
    public var second: String
    public var rows: [(name: String, first: Double?, second: Double?)] = []

    public init(_ a: RunAnalysis, _ b: RunAnalysis) {
        first = a.runID
        second = b.runID
        func figures(_ r: RunAnalysis) -> [(String, Double)] {
            var out: [(String, Double)] = []
            for s in r.series {
                let finite = s.values.filter(\.isFinite)
                out.append(("\(s.name) (last)", s.values.last ?? .nan))
                out.append(("\(s.name) (mean)", finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)))
            }
            return out + r.figures.map { (String($0.0.dropFirst($0.0.hasPrefix("analysis.") ? 9 : 0)), $0.1) }
        }
        let x = figures(a), y = figures(b)
        let xs = Dictionary(x, uniquingKeysWith: { p, _ in p }), ys = Dictionary(y, uniquingKeysWith: { p, _ in p })
        var seen: Set<String> = []
        for (name, _) in x + y where seen.insert(name).inserted { rows.append((name, xs[name], ys[name])) }
    }

    /// A figure as a table shows it: blank when missing, whole numbers without a fraction, else six significant digits.
    public static func show(_ v: Double?) -> String {
        guard let v else { return "" }
        if v.isNaN { return "NaN" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.6g", v)
    }

    /// A table of three columns: the figure, then the two runs.
    public var text: String {
        let width = max(6, rows.map(\.name.count).max() ?? 0)
        let a = max(first.count, rows.map { Self.show($0.first).count }.max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines = [pad("figure", width) + "  " + pad(first, a) + "  " + second]
        for r in rows { lines.append(pad(r.name, width) + "  " + pad(Self.show(r.first), a) + "  " + Self.show(r.second)) }
        return lines.joined(separator: "\n")
    }

    /// `{"runs": [first, second], "figures": [{"name", "first", "second"}]}`; a missing figure is null.
    public var json: JSONLine {
        var j = JSONLine()
        j.set("runs", .list([.text(first), .text(second)]))
        j.set("figures", .list(rows.map { r in
            var e = JSONLine()
            e.set("name", r.name)
            e.set("first", r.first.map { .number($0) } ?? .null)
            e.set("second", r.second.map { .number($0) } ?? .null)
            return .object(e)
        }))
        return j
    }
}
