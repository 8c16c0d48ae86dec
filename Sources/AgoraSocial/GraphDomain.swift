import Foundation

/// What each random-graph generator can build, checked before anything is allocated: node counts
/// that fit 32-bit ids, parameters in their ranges, and an expected edge count that neither
/// overflows nor asks for more than `maxEdges`. The scenario reader (with the field's position)
/// and `agora graph generate` ask the same questions here, so a generator never traps on its
/// input; the generators' own preconditions are invariants of Agora, not input checks.
public enum GraphDomain {
    /// The most nodes a graph may have: ids are 32-bit, and one value is kept free.
    public static let maxNodes = Int(UInt32.max) - 1
    /// The most edges a generator may be expected to make: 2³¹ undirected edges are 34 GB as a
    /// CSR graph (each edge in both rows, 4 bytes each, with the pairs they are built from).
    public static let maxEdges = 1 << 31

    /// A parameter out of its generator's domain: which (the scenario field's last part), and why.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    static func edges(_ expected: Double, _ field: String, _ what: String) -> Problem? {
        guard expected.isFinite, expected <= Double(maxEdges) else {
            return Problem(field: field, message: "\(what) make about \(format(expected)) edges; at most \(format(Double(maxEdges))) (about "
                               + "\(Int((Double(maxEdges) * 16 / 1e9).rounded())) GB) can be built")
        }
        return nil
    }

    static func nodes(_ n: Int, _ field: String, min lo: Int) -> Problem? {
        guard n >= lo, n <= maxNodes else {
            return Problem(field: field, message: n < lo ? "at least \(lo) nodes" : "\(n) nodes; at most \(maxNodes) (32-bit ids)")
        }
        return nil
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "infinitely many" }
        return x >= 1e6 ? String(format: "%.3g", x) : String(Int(x))
    }

    /// Barabási–Albert: `nodes` of `m` links each.
    public static func barabasiAlbert(nodes n: Int, m: Int) -> Problem? {
        if let p = nodes(n, "nodes", min: 2) { return p }
        guard m >= 1, m < n else { return Problem(field: "m", message: "each new node links to 1 … nodes − 1 others; got \(m)") }
        return edges(Double(n) * Double(m), "m", "\(n) nodes of \(m) links")
    }

    /// Erdős–Rényi G(n, p).
    public static func erdosRenyi(nodes n: Int, p: Double) -> Problem? {
        if let problem = nodes(n, "nodes", min: 2) { return problem }
        guard p.isFinite, p >= 0, p <= 1 else { return Problem(field: "p", message: "a probability in 0...1; got \(p)") }
        return edges(Double(n) * Double(n - 1) / 2 * p, "p", "\(n) nodes linked with probability \(p)")
    }

    /// Watts–Strogatz: a ring of `nodes`, each linked to its `k` nearest.
    public static func wattsStrogatz(nodes n: Int, k: Int, beta: Double) -> Problem? {
        if let p = nodes(n, "nodes", min: 3) { return p }
        guard k >= 2, k % 2 == 0, k < n else { return Problem(field: "k", message: "an even number of ring neighbours, 2 … nodes − 1; got \(k)") }
        guard beta.isFinite, beta >= 0, beta <= 1 else { return Problem(field: "beta", message: "a probability in 0...1; got \(beta)") }
        return edges(Double(n) * Double(k) / 2, "k", "\(n) nodes of \(k) ring neighbours")
    }

    /// A stochastic block model: blocks of `sizes`, linked with `pIn` inside a block and `pOut` across.
    public static func stochasticBlock(sizes: [Int], pIn: Double, pOut: Double) -> Problem? {
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 }) else { return Problem(field: "blocks", message: "every block has at least one node") }
        var total = 0
        for s in sizes {
            let (t, overflow) = total.addingReportingOverflow(s)
            guard !overflow, t <= maxNodes else { return Problem(field: "blocks", message: "the blocks hold more than \(maxNodes) nodes (32-bit ids)") }
            total = t
        }
        for (field, p) in [("p_in", pIn), ("p_out", pOut)] where !(p.isFinite && p >= 0 && p <= 1) {
            return Problem(field: field, message: "a probability in 0...1; got \(p)")
        }
        var inside = 0.0
        for s in sizes { inside += Double(s) * Double(s - 1) / 2 }
        let across = (Double(total) * Double(total) - sizes.reduce(0.0) { $0 + Double($1) * Double($1) }) / 2
        if let p = edges(inside * pIn, "p_in", "blocks linked inside with probability \(pIn)") { return p }
        return edges(inside * pIn + across * pOut, "p_out", "blocks linked across with probability \(pOut)")
    }

    /// A configuration model of `nodes` with power-law degrees in `minDegree` … `maxDegree`.
    public static func configuration(nodes n: Int, exponent: Double, minDegree: Int, maxDegree: Int) -> Problem? {
        if let p = nodes(n, "nodes", min: 2) { return p }
        guard exponent.isFinite, exponent > 1 else { return Problem(field: "exponent", message: "a power-law exponent above 1; got \(exponent)") }
        guard minDegree >= 1, minDegree <= n - 1 else {
            return Problem(field: "min_degree", message: "a degree in 1 … nodes − 1 (\(n - 1)); got \(minDegree)")
        }
        guard maxDegree >= minDegree, maxDegree <= n - 1 else {
            return Problem(field: "max_degree", message: "a degree in min_degree … nodes − 1 (\(minDegree) … \(n - 1)); got \(maxDegree)")
        }
        return edges(Double(n) * Double(maxDegree) / 2, "max_degree", "\(n) nodes of up to \(maxDegree) links")
    }
}
