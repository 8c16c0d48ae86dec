import AgoraAnalysis
import AgoraCatalog
import AgoraCore
import AgoraRuntime
import AgoraScenario
import Foundation

/// Runs a calibration by the method of simulated moments: the optimizer proposes candidates, each
/// candidate runs once per seed (the same seeds for every candidate: common random numbers), each
/// run's moments are measured, and the objective Σ wₖ ((mₖ − tₖ) / sₖ)² of the candidate's mean
/// moments goes back to the optimizer, until the budget of runs is spent or the search converges.
///
/// Each batch of candidates runs through the sweep machinery (`SweepRunner`): in parallel
/// processes, recorded in the catalog as a sweep named `<calibration>.b<k>`, every run with its
/// moments and objective as metrics (`calibration.*`). The optimizer is deterministic, so a killed
/// calibration resumes by replaying it: its batches have the same points, hence the same sweep
/// ids, and the runs that finished are read back, not run again.
public struct Calibrator {
    public let spec: CalibrationSpec
    public let catalogPath: String
    public let binary: String
    public let jobs: Int
    /// Where the batches' runs, `calibration.json` and `report.html` go.
    public let folder: String

    public init(spec: CalibrationSpec, catalogPath: String, binary: String, jobs: Int, folder: String? = nil) {
        self.spec = spec
        self.catalogPath = catalogPath
        self.binary = binary
        self.jobs = max(1, jobs)
        self.folder = folder ?? ((catalogPath as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("calibrations/\(Self.id(of: spec))")
    }

    /// The calibration's id: its name and a hash of its file and base scenario.
    public static func id(of spec: CalibrationSpec) -> String {
        SweepRunner.id(name: spec.name, text: spec.text, basePath: spec.basePath)
    }

    /// What stopped it, or why it cannot start: with the file, line and column when a line is to blame.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// One candidate: its values (override text per parameter, and in [0, 1] per parameter), the
    /// runs of its seeds, its mean moments and its objective.
    public struct Evaluation: Sendable {
        public var batch: Int
        public var values: [String]
        public var unit: [Double]
        public var runs: [String]
        public var moments: [Double]
        public var objective: Double
    }

    /// The outcome: every evaluation in order, the targets, the best candidate, and why it stopped.
    public struct Outcome: Sendable {
        public var id: String
        public var targets: [Double]
        public var evaluations: [Evaluation] = []
        public var runs = 0
        public var ranNow = 0
        public var stopped = ""
        public var best: Evaluation? { evaluations.filter { $0.objective.isFinite }.min { $0.objective < $1.objective } }
    }

    /// The fact ids a moment `facts.<id>` may name.
    public static let factIDs = ["kurtosis_1", "kurtosis_5", "kurtosis_20", "hill", "mean_abs_acf", "abs_acf_1", "abs_acf_10", "abs_acf_50",
                                 "volume_correlation"]

    /// The targets of the moments: given, or the price file's facts.
    public func targets() throws(Failure) -> [Double] {
        let instruments = (try? ScenarioLoader.load(path: spec.basePath, environment: [:]))?.market?.exchange.instruments.map(\.name) ?? []
        var fromPrices: StylizedFacts?
        var out: [Double] = []
        for m in spec.moments {
            let at = "\(spec.file):\(m.line):\(m.column): moments.\(m.name)"
            if m.name.hasPrefix("facts.") {
                let parts = m.name.split(separator: ".").map(String.init)
                guard (parts.count == 2 || parts.count == 3), Self.factIDs.contains(parts.last!) else {
                    throw Failure(description: "\(at): no such fact; expected facts.<fact> or facts.<instrument>.<fact>, the facts: "
                                      + Self.factIDs.joined(separator: ", "))
                }
                if parts.count == 3 && !instruments.contains(parts[1]) {
                    throw Failure(description: "\(at): the scenario has no instrument '\(parts[1])'; it has \(instruments.joined(separator: ", "))")
                }
            }
            if let t = m.target {
                out.append(t)
                continue
            }
            if fromPrices == nil {
                guard let path = spec.pricesPath else { throw Failure(description: "\(at): no target and no prices file") }
                do { fromPrices = StylizedFacts(try PriceFile.read(path: path), resamples: 0) } catch {
                    throw Failure(description: "\(error)")
                }
            }
            out.append(Self.fact(m.name.split(separator: ".").last.map(String.init) ?? "", of: fromPrices!))
        }
        return out
    }

    /// A checked figure of `facts` by its id.
    static func fact(_ id: String, of facts: StylizedFacts) -> Double {
        if id.hasPrefix("kurtosis_"), let h = Int(id.dropFirst("kurtosis_".count)) {
            return facts.atHorizon.first { $0.steps == h }?.excessKurtosis ?? .nan
        }
        return facts.checks.first { $0.id == id }?.value ?? .nan
    }

    /// The moments of the run in `directory`, in the order of the spec's.
    public func moments(of directory: String) throws(Failure) -> [Double] {
        var analysis: RunAnalysis?
        var metrics: (names: [String], rows: [[Double]])?
        let manifest = RunReference.manifest(directory) ?? [:]
        var out: [Double] = []
        for m in spec.moments {
            let at = "\(spec.file):\(m.line):\(m.column): moments.\(m.name)"
            let parts = m.name.split(separator: ".", maxSplits: 1).map(String.init)
            switch parts[0] {
            case "facts":
                if analysis == nil {
                    var options = AnalysisOptions()
                    options.resamples = 0
                    do { analysis = try RunAnalysis.analyze(directory: directory, options: options) } catch {
                        throw Failure(description: "\(directory): \(error)")
                    }
                }
                let f = m.name.split(separator: ".").map(String.init)
                let instrument = f.count == 3 ? analysis!.instruments.first { $0.name == f[1] } : analysis!.instruments.first
                guard let facts = instrument?.facts else {
                    throw Failure(description: "\(at): the run has no market events to measure the facts from (is the market kind logged?)")
                }
                out.append(Self.fact(f.last!, of: facts))
            case "mean":
                if metrics == nil { metrics = Self.readMetrics(directory) }
                guard let column = metrics!.names.firstIndex(of: parts[1]) else {
                    throw Failure(description: "\(at): the run has no metric '\(parts[1])'; it has \(metrics!.names.joined(separator: ", "))")
                }
                let values = metrics!.rows.compactMap { column < $0.count ? $0[column] : nil }.filter(\.isFinite)
                out.append(values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count))
            default:
                let summary = manifest["summary"] as? [String: Any] ?? [:]
                guard let v = summary[parts[1]] as? Double ?? (summary[parts[1]] as? Int).map(Double.init) else {
                    throw Failure(description: "\(at): the run's summary has no '\(parts[1])'; it has \(summary.keys.sorted().joined(separator: ", "))")
                }
                out.append(v)
            }
        }
        return out
    }

    /// The columns of a run's metrics.csv (after `tick`) and its rows; empty cells are NaN.
    static func readMetrics(_ directory: String) -> (names: [String], rows: [[Double]]) {
        guard let text = try? String(contentsOfFile: (directory as NSString).appendingPathComponent("metrics.csv"), encoding: .utf8) else {
            return ([], [])
        }
        var lines = text.split(separator: "\n")
        guard !lines.isEmpty else { return ([], []) }
        let names = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).dropFirst().map(String.init)
        return (names, lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst().map { Double($0) ?? .nan } })
    }

    /// The objective of mean moments `m` against `targets`.
    public func objective(_ m: [Double], targets: [Double]) -> Double {
        var total = 0.0
        for (k, moment) in spec.moments.enumerated() {
            let scale = moment.scale ?? (targets[k] == 0 ? 1 : abs(targets[k]))
            let e = (m[k] - targets[k]) / scale
            total += moment.weight * e * e
        }
        return total.isNaN ? .infinity : total
    }

    /// Runs (or resumes) the calibration; `progress` hears a line per candidate.
    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) throws(Failure) -> Outcome {
        let id = Self.id(of: spec)
        var outcome = Outcome(id: id, targets: try targets())
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw Failure(description: "cannot create \(folder): \(error.localizedDescription)")
        }
        let catalog: Catalog
        do { catalog = try Catalog(path: catalogPath) } catch { throw Failure(description: "catalog \(error)") }
        let start = spec.parameters.map { p in ((p.start ?? (p.range.lowerBound + p.range.upperBound) / 2) - p.range.lowerBound)
            / (p.range.upperBound - p.range.lowerBound) }
        var search = NelderMead(start: start, step: spec.step, tolerance: spec.tolerance)
        var known: [[String]: Evaluation] = [:]
        var batch = 0
        while true {
            if search.converged { outcome.stopped = "converged: the objective differs by at most \(formatNumber(spec.tolerance)) over the simplex"; break }
            let asked = search.ask()
            let values = asked.map { u in zip(spec.parameters, u).map { p, x in p.text(p.range.lowerBound + x * (p.range.upperBound - p.range.lowerBound)) } }
            var fresh: [[String]] = []
            for v in values where known[v] == nil && !fresh.contains(v) { fresh.append(v) }
            if outcome.runs + fresh.count * spec.seeds.count > spec.budget {
                outcome.stopped = "the budget of \(spec.budget) runs is spent (\(outcome.runs) made)"
                break
            }
            if !fresh.isEmpty {
                var failures: [String] = []
                let evaluated = try runBatch(batch, fresh, catalog: catalog, targets: outcome.targets, outcome: &outcome, failures: &failures,
                                             progress: progress)
                // When no candidate has run yet, a batch that fails whole fails the same way every time.
                if !outcome.evaluations.contains(where: { $0.objective.isFinite }) && evaluated.allSatisfy({ !$0.objective.isFinite }),
                   let first = failures.first {
                    outcome.evaluations += evaluated
                    try write(outcome)
                    throw Failure(description: "every run of the first candidates failed; the first: \(first)")
                }
                for e in evaluated {
                    known[e.values] = e
                    outcome.evaluations.append(e)
                    progress("candidate \(outcome.evaluations.count): " + zip(spec.parameters, e.values).map { "\($0.path)=\($1)" }.joined(separator: ", ")
                             + " → objective \(formatNumber(e.objective))")
                }
                batch += 1
            }
            search.tell(values.map { known[$0]!.objective })
            try write(outcome)
        }
        try write(outcome)
        return outcome
    }

    /// Runs one batch of candidates, each once per seed, as a sweep; their evaluations.
    func runBatch(_ batch: Int, _ candidates: [[String]], catalog: Catalog, targets: [Double], outcome: inout Outcome,
                  failures: inout [String], progress: @Sendable (String) -> Void) throws(Failure) -> [Evaluation] {
        let text = spec.text + "\n# batch \(batch)\n" + candidates.map { $0.joined(separator: ",") }.joined(separator: "\n")
        // The base as an absolute path: the sweep resolves a relative one against its file's folder.
        let base = URL(fileURLWithPath: spec.basePath).standardizedFileURL.path
        let sweep = SweepSpec(name: "\(spec.name).b\(batch)", file: spec.file, base: base, parameterPaths: spec.parameters.map(\.path),
                              points: candidates, seeds: spec.seeds, fixed: spec.fixed, text: text)
        let runner = SweepRunner(spec: sweep, catalogPath: catalogPath, binary: binary, jobs: jobs,
                                 folder: (folder as NSString).appendingPathComponent("b\(batch)"))
        let summary: SweepRunner.Summary
        do { summary = try runner.run() } catch { throw Failure(description: "\(error)") }
        outcome.runs += summary.total
        outcome.ranNow += summary.ranNow
        let rows: [Catalog.SweepPoint]
        do { rows = try catalog.sweepPoints(summary.id) } catch { throw Failure(description: "catalog \(error)") }
        var out: [Evaluation] = []
        for (i, values) in candidates.enumerated() {
            var sums = [Double](repeating: 0, count: spec.moments.count), runs: [String] = [], failed = false
            for r in 0..<spec.seeds.count {
                guard let row = rows.first(where: { $0.point == i && $0.replicate == r && $0.status == "finished" }), let runID = row.runID else {
                    failed = true
                    let error = rows.first { $0.point == i && $0.replicate == r }?.error ?? "it did not finish"
                    progress("candidate \(outcome.evaluations.count + out.count + 1), seed \(spec.seeds[r]): the run failed: \(error)")
                    failures.append(error)
                    continue
                }
                let m = try moments(of: row.runDirectory)
                for k in m.indices { sums[k] += m[k] }
                runs.append(runID)
                let f = objective(m, targets: targets)
                try? catalog.setMetrics(id: runID, zip(spec.moments, m).map { ("calibration.\($0.name)", $1) } + [("calibration.run_objective", f)])
            }
            let mean = sums.map { $0 / Double(max(1, runs.count)) }
            let unit = zip(spec.parameters, values).map { p, v in ((Double(v) ?? 0) - p.range.lowerBound) / (p.range.upperBound - p.range.lowerBound) }
            out.append(Evaluation(batch: batch, values: values, unit: unit, runs: runs, moments: mean,
                                  objective: failed ? .infinity : objective(mean, targets: targets)))
        }
        return out
    }

    /// Writes `calibration.json` (every evaluation) and `report.html` into the folder.
    func write(_ outcome: Outcome) throws(Failure) {
        do {
            try Data(outcome.json(spec).text.utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("calibration.json")),
                                                         options: .atomic)
            try Data(outcome.html(spec).utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("report.html")),
                                                    options: .atomic)
        } catch {
            throw Failure(description: "cannot write into \(folder): \(error.localizedDescription)")
        }
    }
}
