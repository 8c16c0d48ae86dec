import AgoraCore

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
    /// The share of nodes (of all nodes) whose neighbours have, on average, more neighbours than
    /// they do: the friendship paradox node by node.
    public let paradoxShare: Double
    public let maxDegree: Int
    /// histogram[k] = nodes of degree k.
    public let histogram: [Int]

    /// - Complexity: O(nodes + edges).
    public init(_ g: CSRGraph) {
        nodes = g.nodeCount
        edges = g.edgeCount
        var sumK = 0.0, sumK2 = 0.0, sumNeighborMeans = 0.0
        var withNeighbors = 0, belowNeighbors = 0
        var maxK = 0
        precondition(g.isWhole, "degree figures need the whole graph")
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
                if s > Double(k * k) { belowNeighbors += 1 }
            }
        }
        var h = [Int](repeating: 0, count: maxK + 1)
        for v in 0..<g.nodeCount { h[g.degree(v)] += 1 }
        histogram = h
        maxDegree = maxK
        meanDegree = nodes == 0 ? 0 : sumK / Double(nodes)
        k2OverK = sumK == 0 ? 0 : sumK2 / sumK
        paradoxShare = nodes == 0 ? 0 : Double(belowNeighbors) / Double(nodes)
        meanNeighborDegree = withNeighbors == 0 ? 0 : sumNeighborMeans / Double(withNeighbors)
    }
}

extension CSRGraph {
    /// The mean local clustering coefficient over up to `samples` nodes of degree ≥ 2, drawn
    /// from `seed` (all such nodes when there are fewer): the share of a node's neighbour pairs that
    /// are linked themselves.
    /// - Complexity: O(samples × Σ neighbour degrees).
    public func sampledClustering(samples: Int, seed: UInt64) -> Double {
        precondition(isWhole, "clustering needs the whole graph")
        let eligible = (0..<nodeCount).filter { degree($0) >= 2 }
        guard !eligible.isEmpty else { return 0 }
        var chosen = eligible
        if eligible.count > samples {
            var rng = SplitMix64(seed: seed)
            for i in 0..<samples {
                let j = i + Int(rng.next() % UInt64(eligible.count - i))
                chosen.swapAt(i, j)
            }
            chosen = Array(chosen.prefix(samples))
        }
        var mark = [Int32](repeating: -1, count: nodeCount)
        var total = 0.0
        for (stamp, v) in chosen.enumerated() {
            let nv = neighbors(v)
            for u in nv where Int(u) != v { mark[Int(u)] = Int32(stamp) }
            var links = 0
            for u in nv { for w in neighbors(Int(u)) where mark[Int(w)] == Int32(stamp) && Int(w) != v { links += 1 } }
            let k = Double(Set(nv).count)
            total += k >= 2 ? Double(links) / (k * (k - 1)) : 0
        }
        return total / Double(chosen.count)
    }
}

/// The generalized friendship paradox for any node attribute (activity, wealth, posts): are your
/// neighbours, on average, more of it than you are? It holds on average whenever the attribute
/// correlates with degree, which is why the most active people are the ones everyone sees.
public struct AttributeParadox: Sendable, Hashable {
    /// Nodes with at least one neighbour; the figures below are over them.
    public let nodes: Int
    /// The mean attribute of a node.
    public let meanValue: Double
    /// The mean over nodes of their neighbours' mean attribute.
    public let meanNeighborValue: Double
    /// The share of nodes whose neighbours' mean exceeds their own value (the "strong" paradox),
    /// and the share for whom it is lower; the rest are ties.
    public let shareBelowNeighbors: Double
    public let shareAboveNeighbors: Double
    /// Pearson's correlation of degree and attribute over the nodes (0 when either is constant).
    public let degreeCorrelation: Double

    /// - Parameter value: the attribute of node `v`; called O(edges) times.
    /// - Complexity: O(nodes + edges).
    public init(_ g: CSRGraph, value: (Int) -> Double) {
        precondition(g.isWhole, "the friendship paradox needs the whole graph")
        let off = g.offsets.pointer, adj = g.targets.pointer
        var n = 0, below = 0, above = 0
        var sumX = 0.0, sumNeighbor = 0.0
        var sumK = 0.0, sumKK = 0.0, sumXX = 0.0, sumKX = 0.0
        for v in 0..<g.nodeCount {
            let lo = Int(off[v]), hi = Int(off[v + 1])
            guard hi > lo else { continue }
            var s = 0.0
            for e in lo..<hi { s += value(Int(adj[e])) }
            let x = value(v), k = Double(hi - lo), neighborMean = s / k
            n += 1
            sumX += x
            sumNeighbor += neighborMean
            if neighborMean > x { below += 1 } else if neighborMean < x { above += 1 }
            sumK += k; sumKK += k * k; sumXX += x * x; sumKX += k * x
        }
        nodes = n
        let count = Double(max(n, 1))
        meanValue = sumX / count
        meanNeighborValue = sumNeighbor / count
        shareBelowNeighbors = Double(below) / count
        shareAboveNeighbors = Double(above) / count
        let covariance = sumKX / count - (sumK / count) * meanValue
        let varK = sumKK / count - (sumK / count) * (sumK / count), varX = sumXX / count - meanValue * meanValue
        degreeCorrelation = varK > 1e-12 && varX > 1e-12 ? covariance / (varK * varX).squareRoot() : 0
    }
}

extension DegreeStatistics {
    /// The figures as JSON, in the order `agora graph stats` and `agora analyze` print them.
    public var json: JSONLine {
        var j = JSONLine()
        j.set("nodes", nodes)
        j.set("edges", edges)
        j.set("mean_degree", meanDegree)
        j.set("mean_neighbor_degree", meanNeighborDegree)
        j.set("k2_over_k", k2OverK)
        j.set("paradox_share", paradoxShare)
        j.set("max_degree", maxDegree)
        j.set("isolated", histogram.first ?? 0)
        return j
    }
}
