import AgoraCatalog
import AgoraCore
import AgoraLLM
import Foundation

/// A sweep's results: per point of its design, the parameters and, for each metric, the mean over
/// replicates with a 95% confidence interval.
public struct SweepReport: Sendable {
    public struct Row: Sendable {
        public var point: Int
        public var parameters: [(name: String, value: String)]
        public var replicates: Int
        public var failed: Int
        /// The finished runs' ids, by replicate.
        public var runs: [String]
        /// Per metric: mean, half-width of the 95% interval (NaN with one replicate), values.
        public var stats: [String: (mean: Double, halfWidth: Double, values: [Double])]
    }

    public var id: String
    public var name: String
    public var metrics: [String]
    public var parameterNames: [String]
    public var rows: [Row]
    /// Failed runs: point, replicate, error.
    public var failures: [(point: Int, replicate: Int, error: String)]

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Student's t quantile 0.975 for `df` degrees of freedom (1.96 beyond 30).
    static func t975(_ df: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        return df >= 1 && df <= 30 ? table[df - 1] : 1.96
    }

    /// Reads the sweep `reference` (its id or name) from the catalog. `metrics` empty: the sweep
    /// file's `metrics`, else every `summary.*` metric the runs have.
    public static func load(catalog: Catalog, reference: String, metrics wanted: [String], defaults: [String] = []) throws -> SweepReport {
        guard let sweep = try catalog.sweep(reference) else { throw Failure(description: "no sweep '\(reference)' in the catalog") }
        let points = try catalog.sweepPoints(sweep.id)
        var perRun: [String: [String: Double]] = [:]
        for p in points where p.status == "finished" {
            guard let run = p.runID else { continue }
            var m: [String: Double] = [:]
            for (name, value) in try catalog.metrics(of: run) { if let value { m[name] = value } }
            perRun[run] = m
        }
        var metrics = wanted.isEmpty ? defaults : wanted
        // "R" means the run summary's R when no metric is named R itself.
        let known = Set(perRun.values.flatMap(\.keys))
        metrics = metrics.map { known.contains($0) || !known.contains("summary.\($0)") ? $0 : "summary.\($0)" }
        // A metric no run has is a typo, not a column of dashes.
        if !known.isEmpty, let unknown = metrics.first(where: { !known.contains($0) }) {
            let names = known.map { $0.hasPrefix("summary.") ? String($0.dropFirst("summary.".count)) : $0 }.sorted()
            throw Failure(description: "no metric '\(unknown)' in sweep \(sweep.id)'s runs; they have \(names.joined(separator: ", "))")
        }
        if metrics.isEmpty {
            metrics = Set(perRun.values.flatMap(\.keys)).filter { $0.hasPrefix("summary.") }.sorted()
        }
        var names: [String] = []
        var rows: [Row] = []
        var failures: [(Int, Int, String)] = []
        for (point, group) in Dictionary(grouping: points, by: \.point).sorted(by: { $0.key < $1.key }) {
            let params = Self.parameters(group[0].parameters)
            if names.isEmpty { names = params.map(\.name) }
            var row = Row(point: point, parameters: params, replicates: 0, failed: 0,
                          runs: group.filter { $0.status == "finished" }.compactMap(\.runID), stats: [:])
            for p in group where p.status == "failed" {
                row.failed += 1
                failures.append((p.point, p.replicate, p.error ?? "failed"))
            }
            let finished = group.filter { $0.status == "finished" }.compactMap { $0.runID.flatMap { perRun[$0] } }
            row.replicates = finished.count
            for m in metrics {
                let values = finished.compactMap { $0[m] }
                let mean = Stats.mean(values)
                let half = values.count > 1 ? t975(values.count - 1) * (Stats.variance(values) * Double(values.count) / Double(values.count - 1)).squareRoot()
                    / Double(values.count).squareRoot() : .nan
                row.stats[m] = (mean, half, values)
            }
            rows.append(row)
        }
        return SweepReport(id: sweep.id, name: sweep.name, metrics: metrics, parameterNames: names, rows: rows, failures: failures)
    }

    /// A point's parameters, in design order (the sweep runner writes them as a JSON object of strings).
    static func parameters(_ json: String) -> [(name: String, value: String)] {
        ((try? JSON.parse(json))?.object ?? []).map { ($0.0, $0.1.string ?? $0.1.rendered) }
    }

    /// A plain table: parameters, replicates, then mean ± half-width per metric.
    public var text: String {
        func f(_ v: Double) -> String { v.isNaN ? "–" : String(format: "%.6g", v) }
        var lines = ["agora: sweep \(id) (\(name)): \(rows.count) points, \(rows.reduce(0) { $0 + $1.replicates }) runs finished, \(failures.count) failed"]
        lines.append((["point"] + parameterNames + ["n"] + metrics.map { "\($0) (mean ± 95%)" }).joined(separator: "\t"))
        for r in rows {
            lines.append(([String(r.point)] + r.parameters.map(\.value) + [String(r.replicates)]
                          + metrics.map { m in r.stats[m].map { "\(f($0.mean)) ± \(f($0.halfWidth))" } ?? "–" }).joined(separator: "\t"))
        }
        for x in failures { lines.append("failed: point \(x.point) replicate \(x.replicate): \(x.error)") }
        return lines.joined(separator: "\n")
    }

    public var json: JSONLine {
        var j = JSONLine()
        j.set("sweep", id)
        j.set("name", name)
        j.set("metrics", .list(metrics.map { .text($0) }))
        j.set("points", .list(rows.map { r in
            var p = JSONLine()
            p.set("point", r.point)
            var params = JSONLine()
            for (k, v) in r.parameters { params.set(k, v) }
            p.set("parameters", params)
            p.set("replicates", r.replicates)
            p.set("runs", .list(r.runs.map { .text($0) }))
            p.set("failed", r.failed)
            var stats = JSONLine()
            for m in metrics {
                guard let s = r.stats[m] else { continue }
                var e = JSONLine()
                e.set("mean", .number(s.mean))
                e.set("ci95", .number(s.halfWidth))
                e.set("values", .list(s.values.map { .number($0) }))
                stats.set(m, e)
            }
            p.set("metrics", stats)
            return .object(p)
        }))
        j.set("failures", .list(failures.map { .text("point \($0.point) replicate \($0.replicate): \($0.error)") }))
        return j
    }

    /// One HTML page: for each metric and numeric parameter, the point means with their intervals;
    /// with more than one parameter, the points are coloured by the values of the others, so
    /// that an interaction shows as series that are not parallel.
    public var html: String {
        var body = "<pre>\(SVGChart.escape(text))</pre>\n"
        for m in metrics {
            for (j, name) in parameterNames.enumerated() {
                var c = SVGChart(title: "\(m) by \(name)", xLabel: name, yLabel: "\(m) (mean, 95 % interval over replicates)")
                // One series per combination of the other parameters' values, in the order the points came.
                var groups: [(key: String, points: [(x: Double, y: Double, e: Double)])] = []
                for r in rows {
                    guard let x = Double(r.parameters[j].value), let st = r.stats[m], !st.mean.isNaN else { continue }
                    let key = r.parameters.enumerated().filter { $0.offset != j }.map { "\($0.element.name)=\($0.element.value)" }
                        .joined(separator: ", ")
                    if let g = groups.firstIndex(where: { $0.key == key }) {
                        groups[g].points.append((x, st.mean, st.halfWidth))
                    } else {
                        groups.append((key, [(x, st.mean, st.halfWidth)]))
                    }
                }
                for (k, g) in groups.enumerated() {
                    var series = SVGChart.Series(name: g.key.isEmpty ? "mean" : g.key, points: g.points.map { ($0.x, $0.y) },
                                                 color: SVGChart.palette[k % SVGChart.palette.count], style: .points)
                    series.errors = g.points.map(\.e)
                    c.series.append(series)
                }
                body += c.figure
            }
        }
        return RunAnalysis.page(title: "Agora sweep \(name)", header: [("sweep", id), ("points", String(rows.count))], body: body)
    }
}
