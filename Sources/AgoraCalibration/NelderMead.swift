import Foundation

/// The Nelder–Mead simplex method (Nelder and Mead 1965, with the coefficients of Lagarias et
/// al. 1998: reflection 1, expansion 2, contraction ½, shrink ½) over the unit box, asked for
/// points and told their values. The simplex lives in unbounded coordinates z, mapped into the
/// box by u = (1 + sin z) / 2: a vertex can never leave the box, and a simplex pressed against an
/// edge does not collapse onto it (as clamping would make it do). It needs no gradient, so a noisy simulated objective made
/// smooth by common random numbers suits it. It is deterministic: the same values give the same
/// points, which is what makes a killed calibration resume by replaying it (`Calibrator`).
///
/// `ask()` gives the points to evaluate next (the first simplex: d + 1 at once; a shrink: d at
/// once; otherwise one), `tell(_:)` their values in the same order.
public struct NelderMead: Sendable {
    public let dimensions: Int
    /// The simplex's vertices (unbounded coordinates) and their values, best first once the first simplex is known.
    public private(set) var vertices: [[Double]] = []
    public private(set) var values: [Double] = []
    let tolerance: Double

    enum Phase: Sendable {
        case start([[Double]])
        case reflect
        case expand(reflected: [Double], value: Double)
        case contract(reflected: [Double], value: Double, outside: Bool)
        case shrink
    }
    var phase: Phase
    var pending: [[Double]] = []

    /// A search of `dimensions` parameters from `start` (in [0, 1]^d), the first simplex stepping
    /// `step` (a share of the range, at the middle of it) along each axis, ending when the values
    /// over the simplex differ by at most `tolerance`.
    public init(start: [Double], step: Double, tolerance: Double) {
        dimensions = start.count
        self.tolerance = tolerance
        var simplex = [start.map(Self.unbounded)]
        for k in 0..<start.count {
            var v = simplex[0]
            v[k] += step * Double.pi * (start[k] > 0.5 ? -1 : 1)
            simplex.append(v)
        }
        phase = .start(simplex)
    }

    /// The box's point of unbounded coordinate z, and back.
    @inlinable static func unit(_ z: Double) -> Double { min(1, max(0, (1 + sin(z)) / 2)) }
    @inlinable static func unbounded(_ u: Double) -> Double { asin(min(1, max(-1, 2 * u - 1))) }

    /// Whether the values over the simplex differ by at most the tolerance.
    public var converged: Bool {
        guard case .reflect = phase, let best = values.first, let worst = values.last else { return false }
        return worst - best <= tolerance
    }

    /// The best vertex (in the box) and its value so far.
    public var best: (point: [Double], value: Double)? {
        values.isEmpty ? nil : (vertices[0].map(Self.unit), values[0])
    }

    /// The points to evaluate next, in the box.
    public mutating func ask() -> [[Double]] {
        switch phase {
        case .start(let simplex): pending = simplex
        case .reflect: pending = [along(-1)]
        case .expand: pending = [along(-2)]
        case .contract(_, _, let outside): pending = [along(outside ? -0.5 : 0.5)]
        case .shrink: pending = vertices.dropFirst().map { v in zip(vertices[0], v).map { $0 + 0.5 * ($1 - $0) } }
        }
        return pending.map { $0.map(Self.unit) }
    }

    /// The values of the points `ask()` gave, in order.
    public mutating func tell(_ f: [Double]) {
        precondition(f.count == pending.count, "a value for each point asked")
        let f = f.map { $0.isNaN ? Double.infinity : $0 }
        switch phase {
        case .start:
            vertices = pending
            values = f
            order()
            phase = .reflect
        case .reflect:
            let fr = f[0], xr = pending[0]
            let n = values.count
            if fr < values[0] {
                phase = .expand(reflected: xr, value: fr)
            } else if fr < values[n - 2] {
                replaceWorst(xr, fr)
            } else {
                phase = .contract(reflected: xr, value: fr, outside: fr < values[n - 1])
            }
        case .expand(let xr, let fr):
            if f[0] < fr { replaceWorst(pending[0], f[0]) } else { replaceWorst(xr, fr) }
        case .contract(_, let fr, let outside):
            let n = values.count
            if outside ? f[0] <= fr : f[0] < values[n - 1] { replaceWorst(pending[0], f[0]) } else { phase = .shrink }
        case .shrink:
            for (k, v) in pending.enumerated() {
                vertices[k + 1] = v
                values[k + 1] = f[k]
            }
            order()
            phase = .reflect
        }
        pending = []
    }

    /// The centroid of all vertices but the worst, plus `t` × (worst − centroid) (t = −1: the
    /// reflection; −2: the expansion; ∓½: the outside and inside contractions).
    func along(_ t: Double) -> [Double] {
        let n = vertices.count
        var centroid = [Double](repeating: 0, count: dimensions)
        for v in vertices.prefix(n - 1) { for k in 0..<dimensions { centroid[k] += v[k] / Double(n - 1) } }
        let worst = vertices[n - 1]
        return (0..<dimensions).map { centroid[$0] + t * (worst[$0] - centroid[$0]) }
    }

    mutating func replaceWorst(_ x: [Double], _ f: Double) {
        vertices[vertices.count - 1] = x
        values[values.count - 1] = f
        order()
        phase = .reflect
    }

    /// Sorts the vertices by value, ties kept in place (so the order is deterministic).
    mutating func order() {
        let sorted = zip(vertices, values).enumerated().sorted { a, b in
            a.element.1 != b.element.1 ? a.element.1 < b.element.1 : a.offset < b.offset
        }
        vertices = sorted.map(\.element.0)
        values = sorted.map(\.element.1)
    }
}
