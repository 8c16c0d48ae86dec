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
        var n = 0, below = 0, above = 0
        var sumX = 0.0, sumNeighbor = 0.0
        var sumK = 0.0, sumKK = 0.0, sumXX = 0.0, sumKX = 0.0
        for v in 0..<g.nodeCount {
            let near = g.neighbors(v)
            guard !near.isEmpty else { continue }
            var s = 0.0
            for u in near { s += value(Int(u)) }
            let x = value(v), k = Double(near.count), neighborMean = s / k
            n += 1
            sumX += x
            sumNeighbor += neighborMean
            if neighborMean > x { below += 1 } else if neighborMean < x { above += 1 }
            sumK += k; sumKK += k * k; sumXX += x * x; sumKX += k * x
        }
        self.init(nodes: n, below: below, above: above, sumX: sumX, sumNeighbor: sumNeighbor, sumK: sumK, sumKK: sumKK, sumXX: sumXX, sumKX: sumKX)
    }

    /// The figures of a whole graph from the parts of its nodes (see `Sums`).
    public init(_ sums: Sums) {
        self.init(nodes: sums.nodes, below: sums.below, above: sums.above, sumX: Double(sums.x), sumNeighbor: Double(sums.neighborMeans) / Sums.scale,
                  sumK: Double(sums.k), sumKK: Double(sums.kk), sumXX: Double(sums.xx), sumKX: Double(sums.kx))
    }

    private init(nodes n: Int, below: Int, above: Int, sumX: Double, sumNeighbor: Double, sumK: Double, sumKK: Double, sumXX: Double, sumKX: Double) {
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

    /// The paradox's sums over some of a graph's nodes, for an integer attribute, kept in integers
    /// (a neighbours' mean to 2⁻³² of a unit) so that parts added in any grouping give the same
    /// figures: each process of a spread run sums its own rows, and the processes add the parts.
    public struct Sums: Sendable, Hashable {
        static let scale = 4_294_967_296.0
        public var nodes = 0, below = 0, above = 0
        public var x: Int64 = 0, k: Int64 = 0, kk: Int64 = 0
        public var xx: Int128 = 0, kx: Int128 = 0
        /// Σ ⌊neighbours' mean × 2³²⌋.
        public var neighborMeans: Int128 = 0

        public init() {}

        /// The sums over the nodes `nodes` (the rows `g` holds by default).
        public init(_ g: CSRGraph, nodes: Range<Int>? = nil, value: (Int) -> Int64) {
            for v in nodes ?? g.rows {
                let near = g.neighbors(v)
                guard !near.isEmpty else { continue }
                var s: Int128 = 0
                for u in near { s += Int128(value(Int(u))) }
                let xv = value(v), kv = Int64(near.count)
                // The mean above, below or equal to the node's own value, exactly: s / k against x.
                if s > Int128(xv) * Int128(kv) { below += 1 } else if s < Int128(xv) * Int128(kv) { above += 1 }
                self.nodes += 1
                x += xv; k += kv; kk += kv * kv
                xx += Int128(xv) * Int128(xv); kx += Int128(kv) * Int128(xv)
                neighborMeans += (s << 32) / Int128(kv)
            }
        }

        public mutating func add(_ o: Sums) {
            nodes += o.nodes; below += o.below; above += o.above
            x += o.x; k += o.k; kk += o.kk; xx += o.xx; kx += o.kx; neighborMeans += o.neighborMeans
        }

        public func write(to w: inout StateWriter) {
            for v in [nodes, below, above, Int(x), Int(k), Int(kk)] { w.write(v) }
            for v in [xx, kx, neighborMeans] { w.write(Int(truncatingIfNeeded: v >> 64)); w.write(UInt64(truncatingIfNeeded: v)) }
        }

        public init(from r: inout StateReader) throws(StateReader.Failure) {
            nodes = try r.int(); below = try r.int(); above = try r.int()
            x = Int64(try r.int()); k = Int64(try r.int()); kk = Int64(try r.int())
            func wide(_ r: inout StateReader) throws(StateReader.Failure) -> Int128 {
                let high = Int128(try r.int()), low = Int128(try r.uint64())
                return high << 64 | low
            }
            xx = try wide(&r); kx = try wide(&r); neighborMeans = try wide(&r)
        }
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
