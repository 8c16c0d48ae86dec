import AgoraCore
import Foundation
import Yams

/// A batch of runs over one base scenario: which fields vary and how, how many replicates, and
/// the seed their seeds derive from. Read from a sweep file (docs/sweeps.md) and checked like a
/// scenario — every problem with its line and column, and every point's scenario validated before
/// anything runs.
public struct SweepSpec: Sendable {
    /// How the points are chosen.
    public enum Design: String, Sendable, CaseIterable {
        case grid
        case random
        case latinHypercube = "latin_hypercube"
    }

    /// One varying field: a list of values, or a range (integers when both ends are).
    public struct Parameter: Sendable {
        public var path: String
        public var values: [String]?
        public var range: ClosedRange<Double>?
        public var integer: Bool
        /// grid over a range: this many evenly spaced values.
        public var steps: Int?
    }

    public let name: String
    public let file: String
    /// The base scenario's path, as given (relative paths are from the sweep file's folder).
    public let base: String
    public let seed: UInt64
    public let replicates: Int
    public let design: Design
    /// Points for random and Latin-hypercube designs.
    public let samples: Int
    public let parameters: [Parameter]
    /// Overrides applied to every point, in order, before the point's own.
    public let fixed: [(path: String, value: String)]
    /// Metrics the report shows by default.
    public let metrics: [String]
    /// The sweep file's text: what identifies it (with its base scenario's text).
    public let text: String
    /// Points given one by one rather than drawn by a design (a calibration's candidates).
    public private(set) var explicitPoints: [Point]? = nil
    /// The seed of each replicate, the same at every point (common random numbers); nil: derived
    /// from the sweep's seed, the point and the replicate.
    public private(set) var replicateSeeds: [UInt64]? = nil


    /// One point of the design: a value per parameter, as override text.
    public struct Point: Sendable, Hashable {
        public var index: Int
        public var values: [String]
    }

    /// How many points the design has (without making them), nil when the count overflows.
    public var pointCount: Int? {
        guard design == .grid else { return samples }
        var n = 1
        for p in parameters {
            let (m, overflow) = n.multipliedReportingOverflow(by: p.values?.count ?? p.steps ?? 5)
            if overflow { return nil }
            n = m
        }
        return n
    }

    /// How many runs the sweep makes (points × replicates), nil when the count overflows.
    public var runCount: Int? {
        guard let points = pointCount else { return nil }
        let (n, overflow) = points.multipliedReportingOverflow(by: replicates)
        return overflow ? nil : n
    }

    /// The design's points, in order; the same for the same file.
    public func points() -> [Point] {
        if let explicitPoints { return explicitPoints }
        switch design {
        case .grid:
            let axes = parameters.map { p -> [String] in
                if let v = p.values { return v }
                let r = p.range!, n = p.steps ?? 5
                // Values on the step's decimals: 0.1 … 0.3 in 3 steps is 0.1, 0.2, 0.3, not 0.30000000000000004.
                let step = n == 1 ? 0 : (r.upperBound - r.lowerBound) / Double(n - 1)
                let places = max(Self.decimals(r.lowerBound), Self.decimals(step))
                return (0..<n).map { i in
                    let x = n == 1 ? r.lowerBound : r.lowerBound + step * Double(i)
                    return Self.text(Self.rounded(x, places: places), integer: p.integer)
                }
            }
            var out: [[String]] = [[]]
            for axis in axes { out = out.flatMap { prefix in axis.map { prefix + [$0] } } }
            return out.enumerated().map { Point(index: $0.offset, values: $0.element) }
        case .random:
            return (0..<samples).map { i in
                var r = RandomStream(seed: seed, stream: 0x5EE9_0001).tick(i).agent(0)
                return Point(index: i, values: parameters.map { p in
                    if let v = p.values { return v[Int(r.next() % UInt64(v.count))] }
                    return Self.text(Self.scale(r.unit(), p), integer: p.integer)
                })
            }
        case .latinHypercube:
            // Per parameter, a random permutation of the strata; a uniform draw within each.
            var columns: [[String]] = []
            for (j, p) in parameters.enumerated() {
                var strata = Array(0..<samples)
                var shuffle = RandomStream(seed: seed, stream: 0x5EE9_0002).tick(j).agent(0)
                for i in stride(from: samples - 1, to: 0, by: -1) { strata.swapAt(i, Int(shuffle.next() % UInt64(i + 1))) }
                columns.append((0..<samples).map { i in
                    var u = RandomStream(seed: seed, stream: 0x5EE9_0003).tick(j).agent(i)
                    if let v = p.values { return v[min(v.count - 1, strata[i] * v.count / samples)] }
                    return Self.text(Self.scale((Double(strata[i]) + u.unit()) / Double(samples), p), integer: p.integer)
                })
            }
            return (0..<samples).map { i in Point(index: i, values: columns.map { $0[i] }) }
        }
    }

    static func scale(_ u: Double, _ p: Parameter) -> Double {
        let r = p.range!
        return r.lowerBound + (r.upperBound - r.lowerBound) * u
    }

    /// The fewest decimal places (up to 12) that write `x` exactly enough (within 1e-9 of its size).
    static func decimals(_ x: Double) -> Int {
        guard x.isFinite else { return 12 }
        var scale = 1.0
        for d in 0...12 {
            let v = x * scale
            if abs(v - v.rounded()) <= 1e-9 * max(1, abs(v)) { return d }
            scale *= 10
        }
        return 12
    }

    static func rounded(_ x: Double, places: Int) -> Double {
        let scale = pow(10, Double(places))
        let r = (x * scale).rounded() / scale
        return r.isFinite ? r : x
    }

    static func text(_ x: Double, integer: Bool) -> String {
        integer ? String(Int(x.rounded())) : formatNumber(x)
    }

    /// The seed of replicate `r` of point `i`: derived from the sweep's seed, the same every time.
    public func seed(point i: Int, replicate r: Int) -> UInt64 {
        if let replicateSeeds { return replicateSeeds[r] }
        return mix64(seed ^ mix64(UInt64(i) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(r) &+ 1))
    }

    /// The overrides of one run: the fixed ones, the point's values, then its seed.
    public func overrides(_ point: Point, replicate r: Int) -> [String] {
        fixed.map { "\($0.path)=\($0.value)" } + zip(parameters, point.values).map { "\($0.path)=\($1)" }
            + ["seed=\(seed(point: point.index, replicate: r))"]
    }

    /// The base scenario's path, resolved against the sweep file's folder.
    public var basePath: String {
        let folder = (file as NSString).deletingLastPathComponent
        return base.hasPrefix("/") || folder.isEmpty ? base : (folder as NSString).appendingPathComponent(base)
    }
}

extension SweepSpec {
    /// A sweep of `points` (one value per parameter path each), every point run once per seed of
    /// `seeds`: what a calibration runs for each batch of candidates. `text` identifies it.
    public init(name: String, file: String, base: String, parameterPaths: [String], points: [[String]], seeds: [UInt64],
                fixed: [(path: String, value: String)], text: String) {
        precondition(!seeds.isEmpty && points.allSatisfy { $0.count == parameterPaths.count }, "a value per parameter, and a seed")
        self.init(name: name, file: file, base: base, seed: seeds[0], replicates: seeds.count, design: .random, samples: points.count,
                  parameters: parameterPaths.map { Parameter(path: $0, values: nil, range: nil, integer: false, steps: nil) }, fixed: fixed,
                  metrics: [], text: text)
        explicitPoints = points.enumerated().map { Point(index: $0.offset, values: $0.element) }
        replicateSeeds = seeds
    }
}

/// Reads sweep files.
public enum SweepLoader {
    static let keys = ["name", "base", "seed", "replicates", "design", "samples", "parameters", "set", "metrics"]

    /// The most runs a sweep file may ask for unless the caller allows more (`agora sweep
    /// --max-runs`): beyond it a typo in a range (`steps: 10000` on two axes) would fill memory
    /// and the disk before the first run ends.
    public static let defaultMaxRuns = 100_000

    /// The text of the YAML file at `path` (a sweep or calibration file) and its document, held to
    /// the node budget: every problem as an issue naming the file.
    static func document(_ path: String, what: String) throws(ScenarioErrors) -> (text: String, root: Node) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ScenarioErrors([ScenarioIssue(origin: .wholeFile(path: path), path: "", message: "no such file, or unreadable")])
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioErrors([ScenarioIssue(origin: .wholeFile(path: path), path: "", message: "the file is empty")])
            }
            root = node
        } catch let e as ScenarioErrors {
            throw e
        } catch {
            throw ScenarioErrors([ScenarioLoader.syntaxIssue(error, path: path)])
        }
        guard NodeBudget.fits(root) else { throw ScenarioErrors([NodeBudget.issue(root, file: path, what: what)]) }
        return (text, root)
    }

    /// Reads and checks the sweep file at `path`: its fields, its size (at most `maxRuns` runs),
    /// and the scenario of every point (of the first 10,000), telling `progress` (points checked,
    /// points to check) every 500 points of a large design.
    /// The `metrics:` of a sweep file's text (what the catalog keeps of a sweep), without reading
    /// its base scenario: empty when the text has none or does not parse.
    public static func metrics(inText text: String) -> [String] {
        guard let root = (try? Yams.load(yaml: text)) as? [String: Any] else { return [] }
        if let list = root["metrics"] as? [Any] { return list.map { "\($0)" } }
        return []
    }

    public static func load(path: String, maxRuns: Int = defaultMaxRuns,
                            progress: (Int, Int) -> Void = { _, _ in }) throws(ScenarioErrors) -> SweepSpec {
        let (text, root) = try document(path, what: "the sweep file")
        var r = NodeReader(file: path, overrideOrigins: [:])
        let spec = r.sweep(root, file: path, text: text)
        if !r.issues.isEmpty { throw ScenarioErrors(ScenarioLoader.sortedByPosition(r.issues)) }
        guard let spec else { throw ScenarioErrors([ScenarioIssue(origin: .wholeFile(path: path), path: "", message: "invalid sweep")]) }
        guard let runs = spec.runCount, runs <= maxRuns else {
            let at = (root["parameters"] ?? root).mark
            let count = spec.runCount.map { "\($0)" } ?? "more than \(Int.max)"
            let shape = spec.design == .grid ? spec.parameters.map { "\($0.values?.count ?? $0.steps ?? 5)" }.joined(separator: " × ") + " points"
                                             : "\(spec.samples) samples"
            throw ScenarioErrors([ScenarioIssue(origin: .file(path: path, line: at?.line ?? 1, column: at?.column ?? 1), path: "parameters",
                                                message: "the sweep makes \(count) runs (\(shape), \(spec.replicates) replicate"
                                                    + "\(spec.replicates == 1 ? "" : "s")); at most \(maxRuns) unless --max-runs allows more")])
        }
        // Every point's scenario must read before anything runs.
        var problems: [ScenarioIssue] = []
        let checked = min(runs / spec.replicates, 10_000)
        for p in spec.points().prefix(checked) {
            if checked >= 2_000 && p.index % 500 == 0 { progress(p.index, checked) }
            let overrides: [Override]
            do { overrides = try spec.overrides(p, replicate: 0).map { text throws(ScenarioErrors) in try Override.parse(text) } } catch {
                problems += error.issues
                break
            }
            do { _ = try ScenarioLoader.load(path: spec.basePath, overrides: overrides, environment: [:]) } catch {
                problems += error.issues.map { ScenarioIssue(origin: $0.origin, path: $0.path, message: "at point \(p.index) (\(zip(spec.parameters, p.values).map { "\($0.path)=\($1)" }.joined(separator: ", "))): \($0.message)") }
                break
            }
        }
        if !problems.isEmpty { throw ScenarioErrors(problems) }
        return spec
    }
}

extension NodeReader {
    mutating func sweep(_ root: Node, file: String, text: String) -> SweepSpec? {
        guard let m = mapping(root, "", allowed: SweepLoader.keys) else { return nil }
        let name = m["name"].flatMap { string($0, "name") }
        if m["name"] == nil { fail(root, "name", "missing; every sweep needs a name") }
        let base = m["base"].flatMap { string($0, "base") }
        if m["base"] == nil { fail(root, "base", "missing; the scenario file the sweep varies") }
        var seed: UInt64 = 1
        if let n = m["seed"] {
            if case .scalar(let s) = n, let v = UInt64(s.string.replacingOccurrences(of: "_", with: "")) { seed = v } else {
                fail(n, "seed", "expected a non-negative integer, got \(Self.describe(n))")
            }
        }
        let replicates = m["replicates"].flatMap { integer($0, "replicates", min: 1, max: 10_000) } ?? 1
        var design = SweepSpec.Design.grid
        if let n = m["design"], let d = string(n, "design") {
            if let v = SweepSpec.Design(rawValue: d) { design = v } else {
                fail(n, "design", "expected grid, random or latin_hypercube, got \"\(d)\"")
            }
        }
        let samples = m["samples"].flatMap { integer($0, "samples", min: 1, max: 1_000_000) } ?? 0
        if design != .grid && m["samples"] == nil { fail(root, "samples", "missing; how many points the \(design.rawValue) design draws") }
        var parameters: [SweepSpec.Parameter] = []
        if let n = m["parameters"], case .mapping(let pm) = n {
            for (key, value) in pm {
                guard let path = key.string else { continue }
                let p = "parameters.\(path)"
                if case .sequence(let seq) = value {
                    let values = seq.compactMap { item -> String? in
                        guard case .scalar(let s) = item else { fail(item, p, "expected plain values"); return nil }
                        return s.string
                    }
                    if values.isEmpty { fail(value, p, "expected at least one value") }
                    parameters.append(.init(path: path, values: values, range: nil, integer: false, steps: nil))
                } else if let rm = mapping(value, p, allowed: ["min", "max", "steps", "integer"]) {
                    let lo = rm["min"].flatMap { number($0, "\(p).min", min: -1e18, max: 1e18, phrase: "a number") }
                    let hi = rm["max"].flatMap { number($0, "\(p).max", min: -1e18, max: 1e18, phrase: "a number") }
                    if rm["min"] == nil || rm["max"] == nil { fail(value, p, "a range needs min and max") }
                    let steps = rm["steps"].flatMap { self.integer($0, "\(p).steps", min: 1, max: 10_000) }
                    let wholeEnds = [rm["min"], rm["max"]].allSatisfy { ($0?.scalar?.string).map { Int($0) != nil } ?? false }
                    let whole = rm["integer"].flatMap { flag($0, "\(p).integer") } ?? wholeEnds
                    if let lo, let hi {
                        if lo > hi { fail(value, p, "min exceeds max") } else {
                            parameters.append(.init(path: path, values: nil, range: lo...hi, integer: whole, steps: steps))
                        }
                    }
                }
            }
            if parameters.isEmpty { fail(n, "parameters", "expected at least one parameter") }
        } else {
            fail(m["parameters"] ?? root, "parameters", "missing; a mapping of field paths (as --set takes them) to values or ranges")
        }
        var fixed: [(String, String)] = []
        if let n = m["set"] {
            if case .mapping(let sm) = n {
                for (key, value) in sm {
                    guard let path = key.string else { continue }
                    let text = (try? Yams.serialize(node: value))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                    fixed.append((path, text))
                }
            } else {
                fail(n, "set", "expected a mapping of field paths to values")
            }
        }
        let metrics = m["metrics"].map { stringList($0, "metrics") } ?? []
        guard let name, let base, issues.isEmpty else { return nil }
        return SweepSpec(name: name, file: file, base: base, seed: seed, replicates: replicates, design: design, samples: samples,
                         parameters: parameters, fixed: fixed, metrics: metrics, text: text)
    }
}
