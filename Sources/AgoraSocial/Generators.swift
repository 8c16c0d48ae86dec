import AgoraCore
import Foundation

/// Seeded random-graph generators. Each draws from one SplitMix64 stream in a fixed order, so a
/// seed gives the same graph on every run and for any thread count. Edge lists are flat pairs
/// `(u, v)`, each undirected edge once, no self-loops, no duplicates.
public enum GraphGenerators {
    /// Skips ahead a geometric number of trials for probability `p` (Batagelj–Brandes).
    @inline(__always)
    /// The skip is held below 2⁶², which ends any walk: for a p so small that its logarithm
    /// underflows the quotient is infinite, and no pair is drawn.
    static func skip(_ rng: inout SplitMix64, logQ: Double) -> Int {
        let u = Double(rng.next() >> 11) * 0x1.0p-53
        let s = log1p(-u) / logQ
        return s.isFinite && s < 0x1p62 ? Int(s) : 1 << 62
    }

    /// Erdős–Rényi G(n, p): every pair independently with probability `p`.
    /// - Complexity: O(n + edges) expected.
    public static func erdosRenyi(nodes n: Int, p: Double, seed: UInt64) -> [UInt32] {
        precondition(n >= 1 && p >= 0 && p <= 1, "G(n, p) needs n ≥ 1 and p in [0, 1]")
        var out: [UInt32] = []
        out.reserveCapacity(Int(min(Double(GraphDomain.maxEdges), Double(n) * Double(n - 1) / 2 * p) * 2.1))
        guard p > 0 else { return out }
        var rng = SplitMix64(seed: seed)
        if p >= 1 {
            for v in 1..<max(1, n) { for w in 0..<v { out.append(UInt32(v)); out.append(UInt32(w)) } }
            return out
        }
        let logQ = log1p(-p)
        var v = 1, w = -1
        while v < n {
            w += 1 + skip(&rng, logQ: logQ)
            while w >= v && v < n { w -= v; v += 1 }
            if v < n { out.append(UInt32(v)); out.append(UInt32(w)) }
        }
        return out
    }

    /// Watts–Strogatz: a ring where each node links to its `k/2` nearest neighbours on each side,
    /// then each edge's far end is rewired with probability `beta` to a uniform node (no
    /// self-loops, no duplicates; an edge that cannot be rewired stays).
    public static func wattsStrogatz(nodes n: Int, k: Int, beta: Double, seed: UInt64) -> [UInt32] {
        precondition(k >= 2 && k % 2 == 0 && k < n, "Watts–Strogatz needs an even k with 2 ≤ k < n")
        precondition(beta >= 0 && beta <= 1, "beta is a probability")
        var rng = SplitMix64(seed: seed)
        var present = Set<UInt64>(minimumCapacity: n * k / 2)
        func key(_ a: Int, _ b: Int) -> UInt64 { UInt64(min(a, b)) << 32 | UInt64(max(a, b)) }
        var edges: [(Int, Int)] = []
        edges.reserveCapacity(n * k / 2)
        for v in 0..<n { for j in 1...(k / 2) { let w = (v + j) % n; edges.append((v, w)); present.insert(key(v, w)) } }
        let rewire = Probability(beta)
        for i in edges.indices {
            guard rewire.isCertain || rng.next() < rewire.threshold else { continue }
            let (v, w) = edges[i]
            for _ in 0..<32 {  // a bounded number of tries; a crowded node keeps its edge
                let t = Int(rng.next() % UInt64(n))
                if t != v && !present.contains(key(v, t)) {
                    present.remove(key(v, w))
                    present.insert(key(v, t))
                    edges[i] = (v, t)
                    break
                }
            }
        }
        var out: [UInt32] = []
        out.reserveCapacity(2 * edges.count)
        for (a, b) in edges { out.append(UInt32(a)); out.append(UInt32(b)) }
        return out
    }

    /// Stochastic block model: blocks of the given sizes (nodes numbered block by block); a pair in
    /// blocks i and j is linked with probability `p[i][j]` (symmetric).
    public static func stochasticBlock(sizes: [Int], p: [[Double]], seed: UInt64) -> [UInt32] {
        precondition(!sizes.isEmpty && sizes.allSatisfy { $0 >= 1 }, "blocks have at least one node")
        precondition(p.count == sizes.count && p.allSatisfy { $0.count == sizes.count }, "one probability per pair of blocks")
        var rng = SplitMix64(seed: seed)
        var starts = [0]
        for s in sizes { starts.append(starts.last! + s) }
        var out: [UInt32] = []
        for i in 0..<sizes.count {
            for j in i..<sizes.count {
                let q = p[i][j]
                precondition(q >= 0 && q <= 1 && q == p[j][i], "block probabilities are symmetric and in [0, 1]")
                guard q > 0 else { continue }
                let logQ = q >= 1 ? -Double.infinity : log1p(-q)
                if i == j {
                    // Pairs (v, w) with w < v inside the block.
                    var v = 1, w = -1
                    let n = sizes[i]
                    while v < n {
                        w += 1 + (q >= 1 ? 0 : skip(&rng, logQ: logQ))
                        while w >= v && v < n { w -= v; v += 1 }
                        if v < n { out.append(UInt32(starts[i] + v)); out.append(UInt32(starts[i] + w)) }
                    }
                } else {
                    // All sizes[i] × sizes[j] pairs, row by row.
                    let cols = sizes[j]
                    let total = sizes[i] * cols
                    var idx = -1
                    while true {
                        let (next, overflow) = idx.addingReportingOverflow(1 + (q >= 1 ? 0 : skip(&rng, logQ: logQ)))
                        if overflow || next >= total { break }
                        idx = next
                        out.append(UInt32(starts[i] + idx / cols)); out.append(UInt32(starts[j] + idx % cols))
                    }
                }
            }
        }
        return out
    }

    /// Configuration model from a degree sequence: every node gets that many stubs, the stubs are
    /// shuffled and paired; self-loops and repeated edges are dropped (the "erased" model), so
    /// degrees can come out slightly lower than asked.
    public static func configuration(degrees: [Int], seed: UInt64) -> [UInt32] {
        precondition(degrees.allSatisfy { $0 >= 0 }, "degrees are not negative")
        precondition(degrees.reduce(0, +) % 2 == 0, "the degrees must add up to an even number")
        var stubs: [UInt32] = []
        stubs.reserveCapacity(degrees.reduce(0, +))
        for (v, d) in degrees.enumerated() { for _ in 0..<d { stubs.append(UInt32(v)) } }
        var rng = SplitMix64(seed: seed)
        if stubs.count > 1 {
            for i in stride(from: stubs.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                stubs.swapAt(i, j)
            }
        }
        var seen = Set<UInt64>(minimumCapacity: stubs.count / 2)
        var out: [UInt32] = []
        out.reserveCapacity(stubs.count)
        var i = 0
        while i + 1 < stubs.count {
            let a = stubs[i], b = stubs[i + 1]
            i += 2
            if a == b { continue }
            if seen.insert(UInt64(min(a, b)) << 32 | UInt64(max(a, b))).inserted { out.append(a); out.append(b) }
        }
        return out
    }

    /// A power-law degree sequence: n degrees in [min, max] with P(k) ∝ k^−exponent, drawn from
    /// `seed`, made even in total by adding one to the last degree if needed.
    public static func powerLawDegrees(nodes n: Int, exponent: Double, minDegree: Int, maxDegree: Int, seed: UInt64) -> [Int] {
        precondition(minDegree >= 1 && maxDegree >= minDegree && exponent > 1, "min ≥ 1, max ≥ min, exponent > 1")
        var cumulative: [Double] = []
        var total = 0.0
        for k in minDegree...maxDegree { total += pow(Double(k), -exponent); cumulative.append(total) }
        var rng = SplitMix64(seed: seed)
        var degrees = (0..<n).map { _ -> Int in
            let u = Double(rng.next() >> 11) * 0x1.0p-53 * total
            var lo = 0, hi = cumulative.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
            return minDegree + lo
        }
        if degrees.reduce(0, +) % 2 == 1 { degrees[n - 1] += 1 }
        return degrees
    }
}
