import AgoraCore

/// Barabási–Albert preferential attachment, seeded, in the two variants researchers meet.
///
/// `.networkx` (the default) is networkx's `barabasi_albert_graph`: a star on `m + 1` nodes, then
/// each new node links to `m` distinct earlier nodes drawn with probability proportional to their
/// degree. `m·(n − m)` edges.
///
/// `.igraph` is igraph's default undirected `Graph.Barabasi(n, m)` (psumtree, `zero_appeal=1`; for
/// undirected graphs igraph counts the whole degree): one starting node; node i ≤ m links to all i
/// earlier nodes; later nodes link to `m` distinct earlier nodes drawn with probability
/// proportional to their degree plus 1. `m(m+1)/2 + m(n−m−1)` edges. The +1 makes hubs lighter
/// than networkx's (degree exponent 3 + 1/m), so its degree figures are lower. The shared graph_ba
/// workload's figures are igraph's.
public enum BarabasiAlbert {
    public enum Variant: String, Sendable, CaseIterable {
        case networkx
        case igraph
    }

    /// The edge list of `variant` as flat pairs `(new node, target)`, in creation order.
    public static func edges(nodes n: Int, m: Int, seed: UInt64, variant: Variant) -> [UInt32] {
        variant == .networkx ? edges(nodes: n, m: m, seed: seed) : igraphEdges(nodes: n, m: m, seed: seed)
    }

    /// igraph's variant; weights `degree + 1` sampled exactly as a mixture: with probability
    /// 2E/(2E + i) a uniform pick from the list of edge ends (2E long), else a uniform earlier node;
    /// repeats within a node's picks are drawn again (sampling without replacement).
    static func igraphEdges(nodes n: Int, m: Int, seed: UInt64) -> [UInt32] {
        precondition(m >= 1 && n >= 1, "m ≥ 1 and at least one node")
        precondition(n <= Int(UInt32.max), "node ids are 32-bit")
        let full = min(m, n - 1)
        let edgeCount = (1...max(1, full)).reduce(0) { $0 + ($1 <= full ? $1 : 0) } + max(0, n - m - 1) * m
        var pairs = [UInt32](repeating: 0, count: 2 * edgeCount)
        var received = [UInt32](repeating: 0, count: 2 * edgeCount)
        pairs.withUnsafeMutableBufferPointer { out in
            received.withUnsafeMutableBufferPointer { ends in
                var len = 0, e = 0
                var rng = SplitMix64(seed: seed)
                var chosen = [UInt32](repeating: 0, count: m)
                for i in 1..<max(1, n) {
                    if i <= m {
                        for to in 0..<i {
                            out[2 * e] = UInt32(i); out[2 * e + 1] = UInt32(to); e += 1
                            ends[len] = UInt32(to); ends[len + 1] = UInt32(i); len += 2
                        }
                        continue
                    }
                    let total = UInt64(len + i)
                    var k = 0
                    while k < m {
                        let r = rng.next().multipliedFullWidth(by: total).high
                        let t: UInt32 = r < UInt64(len) ? ends[Int(r)] : UInt32(r - UInt64(len))
                        var duplicate = false
                        for j in 0..<k where chosen[j] == t { duplicate = true; break }
                        if !duplicate { chosen[k] = t; k += 1 }
                    }
                    for j in 0..<m {
                        out[2 * e] = UInt32(i); out[2 * e + 1] = chosen[j]; e += 1
                        ends[len] = chosen[j]; ends[len + 1] = UInt32(i); len += 2
                    }
                }
                assert(e == edgeCount)
            }
        }
        return pairs
    }

    /// The edge list as flat pairs `(new node, target)`, in creation order.
    /// - Complexity: O(n·m) expected time, 8·m·n bytes for the endpoint list.
    public static func edges(nodes n: Int, m: Int, seed: UInt64) -> [UInt32] {
        precondition(m >= 1, "m must be at least 1")
        precondition(n > m, "a BA graph needs more nodes (\(n)) than m (\(m))")
        precondition(n <= Int(UInt32.max), "node ids are 32-bit")
        let edgeCount = m * (n - m)
        var pairs = [UInt32](repeating: 0, count: 2 * edgeCount)
        pairs.withUnsafeMutableBufferPointer { out in
            // `out` doubles as the endpoint list: every endpoint of every edge made so far.
            var len = 0
            for leaf in 1...m {
                out[len] = 0; out[len + 1] = UInt32(leaf); len += 2
            }
            var rng = SplitMix64(seed: seed)
            var chosen = [UInt32](repeating: 0, count: m)
            for v in (m + 1)..<n {
                var k = 0
                let pool = UInt64(len)
                while k < m {
                    let t = out[Int(rng.next().multipliedFullWidth(by: pool).high)]
                    var duplicate = false
                    for j in 0..<k where chosen[j] == t { duplicate = true; break }
                    if !duplicate { chosen[k] = t; k += 1 }
                }
                for j in 0..<m {
                    out[len] = UInt32(v); out[len + 1] = chosen[j]; len += 2
                }
            }
            assert(len == out.count)
        }
        return pairs
    }

    /// The undirected CSR graph of `edges(nodes:m:seed:variant:)`.
    public static func graph(nodes n: Int, m: Int, seed: UInt64, variant: Variant = .networkx) -> CSRGraph {
        let e = edges(nodes: n, m: m, seed: seed, variant: variant)
        return e.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: n) }
    }
}
