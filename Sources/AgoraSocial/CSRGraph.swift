import AgoraCore

/// A graph in compressed sparse row form: node `v`'s neighbours are
/// `targets[offsets[v] ..< offsets[v + 1]]`.
///
/// Two flat columns and nothing per node: 8 bytes per node and 4 per stored edge end. An undirected
/// graph stores each edge in both directions. Immutable once built, so any number of shards may
/// read it during a phase.
public final class CSRGraph: @unchecked Sendable {
    public let nodeCount: Int
    public let directed: Bool
    public let offsets: Column<UInt64>
    public let targets: Column<UInt32>

    /// Edges as the user counts them: stored entries for a directed graph, half of them otherwise.
    public var edgeCount: Int { directed ? targets.count : targets.count / 2 }

    public init(nodeCount: Int, directed: Bool, offsets: Column<UInt64>, targets: Column<UInt32>) {
        precondition(offsets.count == nodeCount + 1, "CSR offsets must have nodeCount + 1 entries")
        precondition(offsets[nodeCount] == UInt64(targets.count), "CSR offsets must end at the edge count")
        self.nodeCount = nodeCount
        self.directed = directed
        self.offsets = offsets
        self.targets = targets
    }

    @inlinable public func degree(_ node: Int) -> Int {
        Int(offsets.pointer[node + 1] &- offsets.pointer[node])
    }

    @inlinable public func neighbors(_ node: Int) -> UnsafeBufferPointer<UInt32> {
        let lo = Int(offsets.pointer[node])
        return UnsafeBufferPointer(start: targets.pointer + lo, count: Int(offsets.pointer[node + 1]) - lo)
    }

    /// Builds the undirected graph of `edges`, a flat list of pairs `(u0, v0, u1, v1, …)`. Each pair
    /// becomes a neighbour entry at both ends; neighbours keep the order the edges were given in.
    ///
    /// - Parameter nodeCount: at least one more than the largest id; `nil` takes exactly that.
    /// - Complexity: O(nodes + edges), two passes.
    public static func undirected(edges: UnsafeBufferPointer<UInt32>, nodeCount: Int? = nil) -> CSRGraph {
        precondition(edges.count % 2 == 0, "an edge list holds pairs")
        var maxID: Int = -1
        for v in edges { maxID = max(maxID, Int(v)) }
        let n = nodeCount ?? (maxID + 1)
        precondition(maxID < n, "edge endpoint \(maxID) outside \(n) nodes")
        let offsets = Column<UInt64>(count: n + 1, repeating: 0)
        let off = offsets.pointer
        for v in edges { off[Int(v) + 1] &+= 1 }
        for i in 0..<n { off[i + 1] &+= off[i] }
        let targets = Column<UInt32>(uninitializedCount: edges.count)
        let cursor = Column<UInt64>(UnsafeBufferPointer(start: off, count: n))
        let cur = cursor.pointer
        let dst = targets.pointer
        var i = 0
        while i < edges.count {
            let u = Int(edges[i]), v = Int(edges[i + 1])
            dst[Int(cur[u])] = UInt32(v); cur[u] &+= 1
            dst[Int(cur[v])] = UInt32(u); cur[v] &+= 1
            i += 2
        }
        return CSRGraph(nodeCount: n, directed: false, offsets: offsets, targets: targets)
    }

    /// Bytes held by the two columns.
    public var byteCount: Int { offsets.byteCount + targets.byteCount }
}
