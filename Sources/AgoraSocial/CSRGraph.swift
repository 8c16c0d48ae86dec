import AgoraCore

/// A graph in compressed sparse row form: node `v`'s neighbours are
/// `targets[offsets[v − rows.lowerBound] ..< offsets[v − rows.lowerBound + 1]]`.
///
/// Two flat columns and nothing per node: 8 bytes per node and 4 per stored edge end. An undirected
/// graph stores each edge in both directions. Immutable once built, so any number of shards may
/// read it during a phase.
///
/// A graph may hold the rows of only some of its nodes, `rows`: a run spread over processes keeps
/// on each process the rows of the agents it hosts, and nothing else of the network. Ids stay
/// global; asking for a row outside `rows` is a programming error.
public final class CSRGraph: @unchecked Sendable {
    public let nodeCount: Int
    public let directed: Bool
    /// The nodes whose neighbours this graph holds: all of them, or one process's share.
    public let rows: Range<Int>
    /// `rows.count + 1` entries: where each held row starts in `targets`, and where the last ends.
    public let offsets: Column<UInt64>
    public let targets: Column<UInt32>

    /// Whether every node's row is here.
    public var isWhole: Bool { rows.count == nodeCount }

    /// Edges as the user counts them: stored entries for a directed graph, half of them otherwise.
    /// Of a partial graph: the entries of its rows (each edge between two held rows twice).
    public var edgeCount: Int { directed || !isWhole ? targets.count : targets.count / 2 }

    public init(nodeCount: Int, directed: Bool, rows: Range<Int>? = nil, offsets: Column<UInt64>, targets: Column<UInt32>) {
        let rows = rows ?? 0..<nodeCount
        precondition(rows.lowerBound >= 0 && rows.upperBound <= nodeCount, "CSR rows \(rows) outside \(nodeCount) nodes")
        precondition(offsets.count == rows.count + 1, "CSR offsets must have one entry per row and one more")
        precondition(offsets[rows.count] == UInt64(targets.count), "CSR offsets must end at the edge count")
        self.nodeCount = nodeCount
        self.directed = directed
        self.rows = rows
        self.offsets = offsets
        self.targets = targets
    }

    @inlinable public func degree(_ node: Int) -> Int {
        let i = node &- rows.lowerBound
        return Int(offsets.pointer[i + 1] &- offsets.pointer[i])
    }

    @inlinable public func neighbors(_ node: Int) -> UnsafeBufferPointer<UInt32> {
        let i = node &- rows.lowerBound
        let lo = Int(offsets.pointer[i])
        return UnsafeBufferPointer(start: targets.pointer + lo, count: Int(offsets.pointer[i + 1]) - lo)
    }

    /// Builds the undirected graph of `edges`, a flat list of pairs `(u0, v0, u1, v1, …)`. Each pair
    /// becomes a neighbour entry at both ends; neighbours keep the order the edges were given in.
    ///
    /// - Parameters:
    ///   - nodeCount: at least one more than the largest id; `nil` takes exactly that.
    ///   - rows: the nodes whose rows to keep (nil: all); each kept row is the whole graph's row.
    /// - Complexity: O(nodes + edges), two passes; memory for the kept rows only.
    public static func undirected(edges: UnsafeBufferPointer<UInt32>, nodeCount: Int? = nil, rows: Range<Int>? = nil) -> CSRGraph {
        precondition(edges.count % 2 == 0, "an edge list holds pairs")
        var maxID: Int = -1
        for v in edges { maxID = max(maxID, Int(v)) }
        let n = nodeCount ?? (maxID + 1)
        precondition(maxID < n, "edge endpoint \(maxID) outside \(n) nodes")
        let kept = rows ?? 0..<n
        precondition(kept.lowerBound >= 0 && kept.upperBound <= n, "rows \(kept) outside \(n) nodes")
        let base = kept.lowerBound, count = UInt(kept.count)
        let offsets = Column<UInt64>(count: kept.count + 1, repeating: 0)
        let off = offsets.pointer
        // `UInt(bitPattern: id − base) < count`: the id is a kept row (one comparison).
        for v in edges where UInt(bitPattern: Int(v) &- base) < count { off[Int(v) - base + 1] &+= 1 }
        for i in 0..<kept.count { off[i + 1] &+= off[i] }
        let targets = Column<UInt32>(uninitializedCount: Int(off[kept.count]))
        let cursor = Column<UInt64>(UnsafeBufferPointer(start: off, count: kept.count))
        let cur = cursor.pointer
        let dst = targets.pointer
        var i = 0
        while i < edges.count {
            let u = Int(edges[i]) &- base, v = Int(edges[i + 1]) &- base
            if UInt(bitPattern: u) < count { dst[Int(cur[u])] = edges[i + 1]; cur[u] &+= 1 }
            if UInt(bitPattern: v) < count { dst[Int(cur[v])] = edges[i]; cur[v] &+= 1 }
            i += 2
        }
        return CSRGraph(nodeCount: n, directed: false, rows: kept, offsets: offsets, targets: targets)
    }

    /// The same graph holding only the rows of `part` (a subrange of `rows`): what one process of
    /// a spread run keeps. Returns `self` when `part` is already all it holds.
    public func restricted(to part: Range<Int>) -> CSRGraph {
        if part == rows { return self }
        let (newOffsets, newTargets) = slicedRows(offsets: offsets, ids: targets, held: rows, part: part)
        return CSRGraph(nodeCount: nodeCount, directed: directed, rows: part, offsets: newOffsets, targets: newTargets)
    }

    /// Bytes held by the two columns.
    public var byteCount: Int { offsets.byteCount + targets.byteCount }
}

/// The rows `part` of rows `held` stored as CSR `offsets` (`held.count + 1`) and `ids`: copies of
/// their offsets (rebased to 0) and ids. What `CSRGraph` and `FollowGraph` keep of a process's share.
func slicedRows(offsets: Column<UInt64>, ids: Column<UInt32>, held: Range<Int>, part: Range<Int>) -> (Column<UInt64>, Column<UInt32>) {
    precondition(part.lowerBound >= held.lowerBound && part.upperBound <= held.upperBound, "rows \(part) are not all held (\(held))")
    let first = part.lowerBound - held.lowerBound
    let start = offsets[first], end = offsets[first + part.count]
    let newOffsets = Column<UInt64>(uninitializedCount: part.count + 1)
    for i in 0...part.count { newOffsets.pointer[i] = offsets.pointer[first + i] - start }
    return (newOffsets, Column<UInt32>(UnsafeBufferPointer(start: ids.pointer + Int(start), count: Int(end - start))))
}
