import AgoraCore
import Foundation
import Yams

/// A calibration by the method of simulated moments (docs/calibration.md): the base scenario,
/// the parameters to fit with their ranges (as `--set` paths), the moments to match with their
/// targets and weights, the optimizer, the seeds every candidate runs (common random numbers),
/// and a budget of runs. Read from a calibration file and checked like a scenario: every problem
/// with its line and column, and every parameter tried on the base scenario before anything runs.
public struct CalibrationSpec: Sendable {
    /// A parameter to fit: its `--set` path and range of numbers (of integers with `integer: true`).
    public struct Parameter: Sendable {
        public var path: String
        public var range: ClosedRange<Double>
        public var integer: Bool
        /// Where the search starts (default: the middle of the range).
        public var start: Double?
        /// Where the parameter is in the file, for errors found later.
        public var line: Int
        public var column: Int

        /// `x`, in the range, as override text.
        public func text(_ x: Double) -> String {
            let v = min(range.upperBound, max(range.lowerBound, x))
            return integer ? String(Int(v.rounded())) : formatNumber(v)
        }
    }

    /// A moment to match: a figure of each run (`facts.<id>` or `facts.<instrument>.<id>`,
    /// `mean.<metric>`, `summary.<name>`), its target (nil: computed from the price file) and
    /// weight, and the scale its error is measured in (default: |target|, or 1 for a target of 0).
    public struct Moment: Sendable {
        public var name: String
        public var target: Double?
        public var weight: Double
        public var scale: Double?
        public var line: Int
        public var column: Int
    }

    public enum Optimizer: String, Sendable, CaseIterable {
        case nelderMead = "nelder_mead"
    }

    public let name: String
    public let file: String
    public let base: String
    public let fixed: [(path: String, value: String)]
    public let parameters: [Parameter]
    public let moments: [Moment]
    /// A real market's prices (CSV), from which the moments without a target take theirs.
    public let prices: String?
    public let optimizer: Optimizer
    /// Nelder–Mead: the first simplex's step (a share of each range) and the tolerance on the
    /// spread of the objective over the simplex that ends the search.
    public let step: Double
    public let tolerance: Double
    /// The seeds every candidate runs: the same for every candidate (common random numbers).
    public let seeds: [UInt64]
    /// The most runs (candidates × seeds) the calibration makes.
    public let budget: Int
    /// The calibration file's text: what identifies it, with its base scenario's.
    public let text: String

    /// A path given in the file, resolved against the file's folder.
    public func resolve(_ path: String) -> String {
        let folder = (file as NSString).deletingLastPathComponent
        return path.hasPrefix("/") || folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }

    public var basePath: String { resolve(base) }
    public var pricesPath: String? { prices.map(resolve) }

    /// The overrides of one run: the fixed ones, the candidate's values, then its seed.
    public func overrides(values: [String], seed: UInt64) -> [String] {
        fixed.map { "\($0.path)=\($0.value)" } + zip(parameters, values).map { "\($0.path)=\($1)" } + ["seed=\(seed)"]
    }
}

/// Reads calibration files.
public enum CalibrationLoader {
    static let keys = ["name", "base", "set", "parameters", "moments", "prices", "optimizer", "seeds", "budget"]

    /// Reads and checks the calibration file at `path`; each parameter is tried at both ends of its
    /// range on the base scenario, so an unknown path or a range the scenario refuses is found now.
    public static func load(path: String) throws(ScenarioErrors) -> CalibrationSpec {
        let (text, root) = try SweepLoader.document(path, what: "the calibration file")
        var r = NodeReader(file: path, overrideOrigins: [:])
        let spec = r.calibration(root, file: path, text: text)
        if !r.issues.isEmpty { throw ScenarioErrors(ScenarioLoader.sortedByPosition(r.issues)) }
        guard let spec else { throw ScenarioErrors([ScenarioIssue(origin: .wholeFile(path: path), path: "", message: "invalid calibration")]) }
        // Every parameter, at both ends and inside its range, must make a scenario that reads (a
        // parameter the scenario takes as an integer fails inside unless it says `integer: true`).
        var problems: [ScenarioIssue] = []
        for p in spec.parameters {
            for x in [p.range.lowerBound, p.range.upperBound, p.range.lowerBound + 0.382 * (p.range.upperBound - p.range.lowerBound)] {
                let values = spec.parameters.map { $0.path == p.path ? $0.text(x) : $0.text($0.start ?? ($0.range.lowerBound + $0.range.upperBound) / 2) }
                do {
                    let overrides = try spec.overrides(values: values, seed: spec.seeds[0]).map { t throws(ScenarioErrors) in try Override.parse(t) }
                    _ = try ScenarioLoader.load(path: spec.basePath, overrides: overrides, environment: [:])
                } catch {
                    let at = ScenarioIssue.Origin.file(path: path, line: p.line, column: p.column)
                    problems += error.issues.map { ScenarioIssue(origin: at, path: "parameters.\(p.path)", message: "at \(p.path)=\(p.text(x)): \($0.message)") }
                }
                if !problems.isEmpty { break }
            }
            if !problems.isEmpty { break }
        }
        if !problems.isEmpty { throw ScenarioErrors(problems) }
        return spec
    }
}

extension NodeReader {
    mutating func calibration(_ root: Node, file: String, text: String) -> CalibrationSpec? {
        guard let m = mapping(root, "", allowed: CalibrationLoader.keys) else { return nil }
        let name = m["name"].flatMap { string($0, "name") }
        if m["name"] == nil { fail(root, "name", "missing; every calibration needs a name") }
        let base = m["base"].flatMap { string($0, "base") }
        if m["base"] == nil { fail(root, "base", "missing; the scenario file whose parameters are fitted") }
        var fixed: [(String, String)] = []
        if let n = m["set"] {
            if case .mapping(let sm) = n {
                for (key, value) in sm {
                    guard let path = key.string else { continue }
                    fixed.append((path, (try? Yams.serialize(node: value))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
                }
            } else {
                fail(n, "set", "expected a mapping of field paths to values")
            }
        }
        var parameters: [CalibrationSpec.Parameter] = []
        if let n = m["parameters"], case .mapping(let pm) = n {
            for (key, value) in pm {
                guard let path = key.string else { continue }
                let p = "parameters.\(path)"
                guard let rm = mapping(value, p, allowed: ["min", "max", "start", "integer"]) else { continue }
                let lo = rm["min"].flatMap { number($0, "\(p).min", min: -1e18, max: 1e18, phrase: "a number") }
                let hi = rm["max"].flatMap { number($0, "\(p).max", min: -1e18, max: 1e18, phrase: "a number") }
                if rm["min"] == nil || rm["max"] == nil { fail(value, p, "a range needs min and max") }
                let start = rm["start"].flatMap { number($0, "\(p).start", min: -1e18, max: 1e18, phrase: "a number") }
                // Real unless it says otherwise: {min: -1, max: 1} is a range of numbers.
                let whole = rm["integer"].flatMap { flag($0, "\(p).integer") } ?? false
                guard let lo, let hi else { continue }
                guard lo < hi else {
                    fail(value, p, "the range \(formatNumber(lo)) … \(formatNumber(hi)) is empty; min must be below max")
                    continue
                }
                if let start, !(lo...hi).contains(start) { fail(rm["start"], "\(p).start", "\(formatNumber(start)) is outside \(formatNumber(lo)) … \(formatNumber(hi))") }
                let mark = key.mark
                parameters.append(.init(path: path, range: lo...hi, integer: whole, start: start, line: mark?.line ?? 1, column: mark?.column ?? 1))
            }
            if parameters.isEmpty && issues.isEmpty { fail(n, "parameters", "expected at least one parameter") }
        } else {
            fail(m["parameters"] ?? root, "parameters", "missing; a mapping of field paths (as --set takes them) to ranges {min, max}")
        }
        var moments: [CalibrationSpec.Moment] = []
        if let n = m["moments"], case .mapping(let mm) = n {
            for (key, value) in mm {
                guard let id = key.string else { continue }
                let p = "moments.\(id)"
                let kinds = ["facts.", "mean.", "summary."]
                guard kinds.contains(where: { id.hasPrefix($0) && id.count > $0.count }) else {
                    fail(key, p, "expected facts.<fact>, mean.<metric> or summary.<name>")
                    continue
                }
                let mark = key.mark
                var moment = CalibrationSpec.Moment(name: id, target: nil, weight: 1, scale: nil, line: mark?.line ?? 1, column: mark?.column ?? 1)
                if case .scalar = value {
                    guard let t = number(value, p, min: -1e18, max: 1e18, phrase: "a target (a number), or a mapping {target, weight, scale}") else { continue }
                    moment.target = t
                } else if let vm = mapping(value, p, allowed: ["target", "weight", "scale"]) {
                    moment.target = vm["target"].flatMap { number($0, "\(p).target", min: -1e18, max: 1e18, phrase: "a number") }
                    moment.weight = vm["weight"].flatMap { number($0, "\(p).weight", min: 0, max: 1e12, phrase: "a weight ≥ 0") } ?? 1
                    moment.scale = vm["scale"].flatMap { number($0, "\(p).scale", min: 1e-300, max: 1e300, phrase: "a positive scale") }
                    if vm["target"] == nil && m["prices"] == nil {
                        fail(value, p, "no target, and no prices file to compute it from")
                    }
                    if vm["target"] == nil && !id.hasPrefix("facts.") {
                        fail(value, p, "only facts.* can be computed from a prices file; give a target")
                    }
                }
                moments.append(moment)
            }
            if moments.isEmpty && issues.isEmpty { fail(n, "moments", "expected at least one moment") }
        } else {
            fail(m["moments"] ?? root, "moments", "missing; a mapping of moments (facts.<fact>, mean.<metric>, summary.<name>) to targets")
        }
        let prices = m["prices"].flatMap { string($0, "prices") }
        var optimizer = CalibrationSpec.Optimizer.nelderMead
        var step = 0.25, tolerance = 1e-3
        if let n = m["optimizer"] {
            var methodNode: Node? = n
            if case .mapping = n, let om = mapping(n, "optimizer", allowed: ["method", "step", "tolerance"]) {
                methodNode = om["method"]
                step = om["step"].flatMap { number($0, "optimizer.step", min: 1e-6, max: 1, phrase: "a share of each range in (0, 1]") } ?? step
                tolerance = om["tolerance"].flatMap { number($0, "optimizer.tolerance", min: 0, max: 1e12, phrase: "a tolerance ≥ 0") } ?? tolerance
            }
            if let mn = methodNode, let s = string(mn, "optimizer.method") {
                if let o = CalibrationSpec.Optimizer(rawValue: s) { optimizer = o } else {
                    fail(mn, "optimizer.method", "expected \(CalibrationSpec.Optimizer.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(s)\"")
                }
            }
        }
        var seeds: [UInt64] = []
        if let n = m["seeds"] {
            if case .sequence(let seq) = n {
                for item in seq {
                    if case .scalar(let s) = item, let v = UInt64(s.string.replacingOccurrences(of: "_", with: "")) { seeds.append(v) } else {
                        fail(item, "seeds", "expected a non-negative integer, got \(Self.describe(item))")
                    }
                }
                if seq.isEmpty { fail(n, "seeds", "expected at least one seed") }
            } else {
                fail(n, "seeds", "expected a list of seeds, run by every candidate")
            }
        } else {
            seeds = [1]
        }
        let budget = m["budget"].flatMap { integer($0, "budget", min: 1, max: 1_000_000, phrase: "a number of runs ≥ 1") }
        if m["budget"] == nil { fail(root, "budget", "missing; the most runs (candidates × seeds) the calibration may make") }
        if let budget, !seeds.isEmpty, budget < seeds.count * (parameters.count + 1) {
            fail(m["budget"], "budget", "\(budget) runs cannot evaluate the first simplex: \(parameters.count + 1) candidates × \(seeds.count) seeds")
        }
        guard let name, let base, let budget, issues.isEmpty else { return nil }
        return CalibrationSpec(name: name, file: file, base: base, fixed: fixed, parameters: parameters, moments: moments, prices: prices,
                               optimizer: optimizer, step: step, tolerance: tolerance, seeds: seeds, budget: budget, text: text)
    }
}
