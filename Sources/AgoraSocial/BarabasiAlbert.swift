import AgoraCore

/// Barabási–Albert preferential attachment, seeded.
///
/// The same construction as networkx's `barabasi_albert_graph`: a star on `m + 1` nodes, then each
/// new node links to `m` distinct earlier nodes drawn with probability proportional to degree
/// (uniform picks from the list of all edge endpoints). `m·(n − m)` edges in all.
public enum BarabasiAlbert {
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

    /// The undirected CSR graph of `edges(nodes:m:seed:)`.
    public static func graph(nodes n: Int, m: Int, seed: UInt64) -> CSRGraph {
        let e = edges(nodes: n, m: m, seed: seed)
        return e.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: n) }
    }
}
