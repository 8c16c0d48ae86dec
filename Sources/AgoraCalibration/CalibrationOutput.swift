import AgoraAnalysis
import AgoraCore
import AgoraScenario
import Foundation

// MARK: a calibration's record (`calibration.json`), its lines for the terminal, and its report

extension Calibrator.Outcome {
    /// Every evaluation, the targets and the best candidate, as one JSON object.
    public func json(_ spec: CalibrationSpec) -> JSONLine {
        var j = JSONLine()
        j.set("calibration", id)
        j.set("name", spec.name)
        j.set("parameters", .list(spec.parameters.map { .text($0.path) }))
        var t = JSONLine()
        for (m, v) in zip(spec.moments, targets) { t.set(m.name, .number(v)) }
        j.set("targets", t)
        j.set("seeds", .list(spec.seeds.map { .text(String($0)) }))
        j.set("budget", spec.budget)
        j.set("runs", runs)
        j.set("ran_now", ranNow)
        j.set("stopped", stopped)
        func entry(_ e: Calibrator.Evaluation) -> JSONLine {
            var o = JSONLine()
            o.set("batch", e.batch)
            var v = JSONLine()
            for (p, x) in zip(spec.parameters, e.values) { v.set(p.path, x) }
            o.set("values", v)
            var m = JSONLine()
            for (mm, x) in zip(spec.moments, e.moments) { m.set(mm.name, .number(x)) }
            o.set("moments", m)
            o.set("objective", .number(e.objective))
            o.set("runs", .list(e.runs.map { .text($0) }))
            return o
        }
        j.set("evaluations", .list(evaluations.map { .object(entry($0)) }))
        if let best { j.set("best", entry(best)) }
        return j
    }

    /// A few lines for the terminal.
    public func text(_ spec: CalibrationSpec, folder: String) -> String {
        var lines = ["agora: calibration \(id): \(evaluations.count) candidates, \(runs) runs (\(ranNow) run now); \(stopped)"]
        if let best {
            lines.append("  best   " + zip(spec.parameters, best.values).map { "\($0.path)=\($1)" }.joined(separator: ", ")
                         + "  (objective \(formatNumber(best.objective)))")
            for (k, m) in spec.moments.enumerated() {
                lines.append("  \(m.name): \(formatNumber(best.moments[k])) against \(formatNumber(targets[k]))")
            }
        }
        lines.append("  output \(folder)/  (calibration.json, report.html)")
        return lines.joined(separator: "\n")
    }

    /// The fit as one self-contained page: moments against targets, the objective over the
    /// evaluations, and each parameter's path.
    public func html(_ spec: CalibrationSpec) -> String {
        var body = ""
        if let best {
            body += "<h2>The best candidate's moments against their targets</h2>\n"
            body += ReportParts.table(["moment", "target", "best candidate", "weight", "contribution to the objective"],
                                      spec.moments.enumerated().map { k, m in
                                          let scale = m.scale ?? (targets[k] == 0 ? 1 : abs(targets[k]))
                                          let e = (best.moments[k] - targets[k]) / scale
                                          return [m.name, formatNumber(targets[k]), formatNumber(best.moments[k]), formatNumber(m.weight),
                                                  formatNumber(m.weight * e * e)]
                                      })
            body += ReportParts.table(["parameter", "range", "best"], zip(spec.parameters, best.values).map { p, v in
                [p.path, "\(formatNumber(p.range.lowerBound)) … \(formatNumber(p.range.upperBound))", v]
            })
        }
        let finite = evaluations.enumerated().filter { $0.element.objective.isFinite }
        body += "<h2>The search</h2>\n"
        var running = Double.infinity
        body += ReportParts.chart(title: "Objective of each candidate, and the best so far", xLabel: "candidate", yLabel: "objective",
                                  series: [("candidate", finite.map { (Double($0.offset + 1), $0.element.objective) }),
                                           ("best so far", finite.map { e in running = min(running, e.element.objective)
                                               return (Double(e.offset + 1), running) })],
                                  points: false, logY: finite.allSatisfy { $0.element.objective > 0 })
        body += ReportParts.chart(title: "The parameter path: each candidate's values, as a share of the range", xLabel: "candidate",
                                  yLabel: "share of the range",
                                  series: spec.parameters.enumerated().map { k, p in
                                      (p.path, evaluations.enumerated().map { (Double($0.offset + 1), $0.element.unit[k]) })
                                  })
        for (k, m) in spec.moments.enumerated() {
            body += ReportParts.chart(title: "\(m.name): each candidate's mean over its seeds, and the target", xLabel: "candidate", yLabel: m.name,
                                      series: [("candidate", evaluations.enumerated().filter { $0.element.moments[k].isFinite }
                                                    .map { (Double($0.offset + 1), $0.element.moments[k]) }),
                                               ("target", [(1, targets[k]), (Double(max(1, evaluations.count)), targets[k])])])
        }
        body += "<h2>Every candidate</h2>\n"
        body += ReportParts.table(["#", "batch"] + spec.parameters.map(\.path) + spec.moments.map(\.name) + ["objective", "runs"],
                                  evaluations.enumerated().map { i, e in
                                      ["\(i + 1)", "\(e.batch)"] + e.values + e.moments.map(formatNumber) + [formatNumber(e.objective),
                                                                                                          e.runs.joined(separator: " ")]
                                  })
        return ReportParts.page(title: "Agora calibration: \(spec.name)",
                                header: [("calibration", id), ("base", spec.base), ("seeds", spec.seeds.map(String.init).joined(separator: ", ")),
                                         ("runs", "\(runs) of a budget of \(spec.budget)"), ("stopped", stopped), ("agora", AgoraVersion.string)],
                                body: body)
    }
}
