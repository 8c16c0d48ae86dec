/// Degree figures of an undirected graph, including the friendship paradox: your friends have more
/// friends than you do, on average.
public struct DegreeStatistics: Sendable, Hashable {
    public let nodes: Int
    public let edges: Int
    /// ⟨k⟩.
    public let meanDegree: Double
    /// The average over nodes (with at least one neighbour) of their neighbours' mean degree.
    public let meanNeighborDegree: Double
    /// ⟨k²⟩ / ⟨k⟩: the mean degree of a node reached by following a random edge.
    public let k2OverK: Double
    public let maxDegree: Int
    /// histogram[k] = nodes of degree k.
    public let histogram: [Int]

    /// - Complexity: O(nodes + edges).
    public init(_ g: CSRGraph) {
        nodes = g.nodeCount
        edges = g.edgeCount
        var sumK = 0.0, sumK2 = 0.0, sumNeighborMeans = 0.0
        var withNeighbors = 0
        var maxK = 0
        let off = g.offsets.pointer, adj = g.targets.pointer
        for v in 0..<g.nodeCount {
            let k = Int(off[v + 1] &- off[v])
            maxK = max(maxK, k)
            sumK += Double(k)
            sumK2 += Double(k) * Double(k)
            if k > 0 {
                var s = 0.0
                for e in Int(off[v])..<Int(off[v + 1]) {
                    let u = Int(adj[e])
                    s += Double(off[u + 1] &- off[u])
                }
                sumNeighborMeans += s / Double(k)
                withNeighbors += 1
            }
        }
        var h = [Int](repeating: 0, count: maxK + 1)
        for v in 0..<g.nodeCount { h[g.degree(v)] += 1 }
        histogram = h
        maxDegree = maxK
        meanDegree = nodes == 0 ? 0 : sumK / Double(nodes)
        k2OverK = sumK == 0 ? 0 : sumK2 / sumK
        meanNeighborDegree = withNeighbors == 0 ? 0 : sumNeighborMeans / Double(withNeighbors)
    }
}
