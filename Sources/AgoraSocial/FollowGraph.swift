import AgoraCore

/// Who follows whom, changing as the run goes: people follow and unfollow during a tick, and the
/// changes land together at the tick boundary, so everyone in a tick sees the same network and the
/// result does not depend on the order shards finish in.
///
/// Each node's followers (those its posts reach) are kept sorted in compressed sparse row form.
/// A batch of changes is applied in one merge pass over the rows — O(nodes + edges + changes) —
/// into a second pair of buffers, which then become the current ones; no per-node allocation.
public final class FollowGraph: @unchecked Sendable {
    /// One follow or unfollow: `follower` starts or stops following `followee`.
    public struct Change: BitwiseCopyable, Sendable, Hashable {
        public var followee: UInt32
        public var follower: UInt32
        public var follow: Bool
        public init(followee: UInt32, follower: UInt32, follow: Bool) {
            self.followee = followee
            self.follower = follower
            self.follow = follow
        }
    }

    /// What a batch did: follows that were new, unfollows of someone actually followed; the rest
    /// (following twice, unfollowing a stranger, following oneself) change nothing.
    public struct BatchResult: Sendable, Hashable {
        public var added = 0
        public var removed = 0
    }

    public let nodeCount: Int
    public private(set) var offsets: Column<UInt64>
    /// The follower rows back to back; entries past `edgeCount` are spare room.
    public private(set) var followerIDs: Column<UInt32>
    /// The buffers the next batch is merged into (swapped with the current ones), so a run that
    /// changes its network every tick allocates only when it outgrows them.
    private var spareOffsets: Column<UInt64>?
    private var spareIDs: Column<UInt32>?

    public var edgeCount: Int { Int(offsets[nodeCount]) }
    /// Memory held, the spare buffers included.
    public var byteCount: Int {
        offsets.byteCount + followerIDs.byteCount + (spareOffsets?.byteCount ?? 0) + (spareIDs?.byteCount ?? 0)
    }

    /// Starts from a network: every neighbour of a node follows it (an undirected graph stands for
    /// mutual following). Repeated edges and self-loops are dropped.
    public init(_ graph: CSRGraph) {
        nodeCount = graph.nodeCount
        let off = graph.offsets.pointer, adj = graph.targets.pointer
        var starts = [UInt64](repeating: 0, count: nodeCount + 1)
        var ids: [UInt32] = []
        ids.reserveCapacity(graph.targets.count)
        var row: [UInt32] = []
        for v in 0..<nodeCount {
            row.removeAll(keepingCapacity: true)
            for e in Int(off[v])..<Int(off[v + 1]) where Int(adj[e]) != v { row.append(adj[e]) }
            row.sort()
            for (i, u) in row.enumerated() where i == 0 || row[i - 1] != u { ids.append(u) }
            starts[v + 1] = UInt64(ids.count)
        }
        offsets = Column(starts)
        followerIDs = Column(ids)
    }

    /// Restores a saved graph (see `save(to:)`).
    public init(nodeCount: Int, offsets: Column<UInt64>, followers: Column<UInt32>) {
        precondition(offsets.count == nodeCount + 1 && Int(offsets[nodeCount]) <= followers.count)
        self.nodeCount = nodeCount
        self.offsets = offsets
        followerIDs = followers
    }

    /// The rows as plain pointers, for hot loops: valid until the next `apply` or `load`.
    public struct Rows: @unchecked Sendable {
        public let offsets: UnsafeMutablePointer<UInt64>
        public let ids: UnsafeMutablePointer<UInt32>

        @inlinable public func followers(of node: Int) -> UnsafeBufferPointer<UInt32> {
            UnsafeBufferPointer(start: ids + Int(offsets[node]), count: Int(offsets[node + 1] &- offsets[node]))
        }

        @inlinable public func followerCount(_ node: Int) -> Int { Int(offsets[node + 1] &- offsets[node]) }

        /// Whether `follower` follows `followee` (binary search of its sorted row).
        @inlinable public func follows(_ follower: Int, _ followee: Int) -> Bool {
            let row = followers(of: followee)
            var lo = 0, hi = row.count
            while lo < hi {
                let mid = (lo &+ hi) >> 1
                if Int(row[mid]) < follower { lo = mid &+ 1 } else { hi = mid }
            }
            return lo < row.count && Int(row[lo]) == follower
        }
    }

    public var rows: Rows { Rows(offsets: offsets.pointer, ids: followerIDs.pointer) }

    public func followers(of node: Int) -> UnsafeBufferPointer<UInt32> { rows.followers(of: node) }
    public func followerCount(_ node: Int) -> Int { rows.followerCount(node) }
    public func follows(_ follower: Int, _ followee: Int) -> Bool { rows.follows(follower, followee) }

    /// Applies a batch. `changes` is in the caller's canonical order (for example by the agent
    /// that made each change); when the same pair appears more than once the last change wins.
    /// The array is reordered in place.
    public func apply(_ changes: inout [Change]) -> BatchResult {
        var result = BatchResult()
        guard !changes.isEmpty else { return result }
        // Order by (followee, follower), keeping the caller's order within a pair, then keep the last.
        var keyed = changes.enumerated().map { (i, c) in (c, i) }
        keyed.sort { a, b in
            (a.0.followee, a.0.follower, a.1) < (b.0.followee, b.0.follower, b.1)
        }
        changes.removeAll(keepingCapacity: true)
        for (i, (c, _)) in keyed.enumerated() {
            precondition(Int(c.followee) < nodeCount && Int(c.follower) < nodeCount, "a follow names a node outside the graph")
            if c.followee == c.follower { continue }
            if i + 1 < keyed.count && keyed[i + 1].0.followee == c.followee && keyed[i + 1].0.follower == c.follower { continue }
            changes.append(c)
        }
        // New row lengths.
        let old = rows
        let newOffsets = spareOffsets ?? Column<UInt64>(uninitializedCount: nodeCount + 1)
        let no = newOffsets.pointer
        no[0] = 0
        var j = 0
        for v in 0..<nodeCount {
            var count = old.followerCount(v)
            while j < changes.count && Int(changes[j].followee) == v {
                let present = old.follows(Int(changes[j].follower), v)
                if changes[j].follow && !present { count += 1; result.added += 1 }
                if !changes[j].follow && present { count -= 1; result.removed += 1 }
                j += 1
            }
            no[v + 1] = no[v] + UInt64(count)
        }
        guard result.added + result.removed > 0 else {
            spareOffsets = newOffsets
            return result
        }
        // Merge each row with its changes.
        let needed = Int(no[nodeCount])
        let out: Column<UInt32>
        if let spare = spareIDs, spare.count >= needed { out = spare } else { out = Column(uninitializedCount: needed + needed / 8) }
        let o = out.pointer
        j = 0
        for v in 0..<nodeCount {
            var w = Int(no[v])
            let row = old.followers(of: v)
            var r = 0
            while j < changes.count && Int(changes[j].followee) == v {
                let c = changes[j]
                while r < row.count && row[r] < c.follower { o[w] = row[r]; w += 1; r += 1 }
                let present = r < row.count && row[r] == c.follower
                if present { r += 1 }
                if c.follow { o[w] = c.follower; w += 1 }
                j += 1
            }
            if r < row.count, let base = row.baseAddress {
                (o + w).update(from: base + r, count: row.count - r)
                w += row.count - r
            }
            assert(w == Int(no[v + 1]))
        }
        (spareOffsets, spareIDs) = (offsets, followerIDs)
        offsets = newOffsets
        followerIDs = out
        return result
    }

    /// Writes the current graph for a checkpoint.
    public func save(to w: inout StateWriter) {
        w.write(offsets)
        w.write(UnsafeBufferPointer(start: followerIDs.pointer, count: edgeCount))
    }

    /// Reads a graph written by `save(to:)` over this one (node counts must match).
    public func load(from r: inout StateReader) throws(StateReader.Failure) {
        let newOffsets = Column<UInt64>(count: nodeCount + 1, repeating: 0)
        try r.read(into: newOffsets)
        for v in 0..<nodeCount where newOffsets[v] > newOffsets[v + 1] {
            throw StateReader.Failure(description: "follow graph: row \(v) ends before it starts")
        }
        guard newOffsets[0] == 0, newOffsets[nodeCount] <= UInt64(r.remainingBytes / MemoryLayout<UInt32>.stride) else {
            throw StateReader.Failure(description: "follow graph: \(newOffsets[nodeCount]) followers do not fit the state")
        }
        let out = Column<UInt32>(uninitializedCount: Int(newOffsets[nodeCount]))
        try r.read(into: out)
        offsets = newOffsets
        followerIDs = out
    }
}
