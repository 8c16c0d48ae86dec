import AgoraCore

/// Who follows whom, changing as the run goes: people follow and unfollow during a tick, and the
/// changes land together at the tick boundary, so everyone in a tick sees the same network and the
/// result does not depend on the order shards finish in.
///
/// Each node's followers (those its posts reach) are kept sorted in compressed sparse row form.
/// A batch of changes is applied in one merge pass over the rows — O(nodes + edges + changes) —
/// into a second pair of buffers, which then become the current ones; no per-node allocation.
///
/// Like `CSRGraph`, it may hold the rows of only some nodes (`rows`, followees): one process of a
/// spread run keeps the followers of the agents it hosts, takes the changes to those rows from a
/// batch everyone shares, and leaves the rest to the other processes.
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
    /// The followees whose rows this graph holds: all nodes, or one process's share.
    public let rows: Range<Int>
    /// `rows.count + 1` entries.
    public private(set) var offsets: Column<UInt64>
    /// The follower rows back to back; entries past `edgeCount` are spare room.
    public private(set) var followerIDs: Column<UInt32>
    /// The buffers the next batch is merged into (swapped with the current ones), so a run that
    /// changes its network every tick allocates only when it outgrows them.
    private var spareOffsets: Column<UInt64>?
    private var spareIDs: Column<UInt32>?

    /// Follow links held: all of them, or those of `rows`.
    public var edgeCount: Int { Int(offsets[rows.count]) }
    /// Memory held, the spare buffers included.
    public var byteCount: Int {
        offsets.byteCount + followerIDs.byteCount + (spareOffsets?.byteCount ?? 0) + (spareIDs?.byteCount ?? 0)
    }

    /// Starts from a network: every neighbour of a node follows it (an undirected graph stands for
    /// mutual following). Repeated edges and self-loops are dropped. Holds the rows `graph` holds.
    public init(_ graph: CSRGraph) {
        nodeCount = graph.nodeCount
        rows = graph.rows
        var starts = [UInt64](repeating: 0, count: rows.count + 1)
        var ids: [UInt32] = []
        ids.reserveCapacity(graph.targets.count)
        var row: [UInt32] = []
        for (i, v) in rows.enumerated() {
            row.removeAll(keepingCapacity: true)
            for u in graph.neighbors(v) where Int(u) != v { row.append(u) }
            row.sort()
            for (j, u) in row.enumerated() where j == 0 || row[j - 1] != u { ids.append(u) }
            starts[i + 1] = UInt64(ids.count)
        }
        offsets = Column(starts)
        followerIDs = Column(ids)
    }

    /// Restores a saved graph (see `save(to:)`).
    public init(nodeCount: Int, rows: Range<Int>? = nil, offsets: Column<UInt64>, followers: Column<UInt32>) {
        let rows = rows ?? 0..<nodeCount
        precondition(rows.lowerBound >= 0 && rows.upperBound <= nodeCount)
        precondition(offsets.count == rows.count + 1 && Int(offsets[rows.count]) <= followers.count)
        self.nodeCount = nodeCount
        self.rows = rows
        self.offsets = offsets
        followerIDs = followers
    }

    /// The same graph holding only the rows of `part` (a subrange of `rows`): what one process of
    /// a spread run keeps. Returns `self` when `part` is already all it holds.
    public func restricted(to part: Range<Int>) -> FollowGraph {
        if part == rows { return self }
        let (newOffsets, ids) = slicedRows(offsets: offsets, ids: followerIDs, held: rows, part: part)
        return FollowGraph(nodeCount: nodeCount, rows: part, offsets: newOffsets, followers: ids)
    }

    /// The rows as plain pointers, for hot loops: valid until the next `apply` or `load`. Nodes
    /// are global ids; only followees in the graph's `rows` may be asked about.
    public struct Rows: @unchecked Sendable {
        public let offsets: UnsafeMutablePointer<UInt64>
        public let ids: UnsafeMutablePointer<UInt32>
        /// The first held row's node.
        public let first: Int

        @inlinable public func followers(of node: Int) -> UnsafeBufferPointer<UInt32> {
            let i = node &- first
            return UnsafeBufferPointer(start: ids + Int(offsets[i]), count: Int(offsets[i + 1] &- offsets[i]))
        }

        @inlinable public func followerCount(_ node: Int) -> Int {
            let i = node &- first
            return Int(offsets[i + 1] &- offsets[i])
        }

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

    public var held: Rows { Rows(offsets: offsets.pointer, ids: followerIDs.pointer, first: rows.lowerBound) }

    public func followers(of node: Int) -> UnsafeBufferPointer<UInt32> {
        precondition(rows.contains(node), "node \(node)'s followers are not held here (rows \(rows))")
        return held.followers(of: node)
    }
    public func followerCount(_ node: Int) -> Int {
        precondition(rows.contains(node), "node \(node)'s followers are not held here (rows \(rows))")
        return held.followerCount(node)
    }
    public func follows(_ follower: Int, _ followee: Int) -> Bool {
        precondition(rows.contains(followee), "node \(followee)'s followers are not held here (rows \(rows))")
        return held.follows(follower, followee)
    }

    /// Applies a batch. `changes` is in the caller's canonical order (for example by the agent
    /// that made each change); when the same pair appears more than once the last change wins.
    /// Changes to rows this graph does not hold are dropped (their holder applies them), so every
    /// holder of part of a graph can be given the same whole batch. The array is reordered in place.
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
            if c.followee == c.follower || !rows.contains(Int(c.followee)) { continue }
            if i + 1 < keyed.count && keyed[i + 1].0.followee == c.followee && keyed[i + 1].0.follower == c.follower { continue }
            changes.append(c)
        }
        // New row lengths.
        let old = held
        let newOffsets = spareOffsets ?? Column<UInt64>(uninitializedCount: rows.count + 1)
        let no = newOffsets.pointer
        no[0] = 0
        var j = 0
        for (i, v) in rows.enumerated() {
            var count = old.followerCount(v)
            while j < changes.count && Int(changes[j].followee) == v {
                let present = old.follows(Int(changes[j].follower), v)
                if changes[j].follow && !present { count += 1; result.added += 1 }
                if !changes[j].follow && present { count -= 1; result.removed += 1 }
                j += 1
            }
            no[i + 1] = no[i] + UInt64(count)
        }
        guard result.added + result.removed > 0 else {
            spareOffsets = newOffsets
            return result
        }
        // Merge each row with its changes.
        let needed = Int(no[rows.count])
        let out: Column<UInt32>
        if let spare = spareIDs, spare.count >= needed { out = spare } else { out = Column(uninitializedCount: needed + needed / 8) }
        let o = out.pointer
        j = 0
        for (i, v) in rows.enumerated() {
            var w = Int(no[i])
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
            assert(w == Int(no[i + 1]))
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

    /// Reads a graph written by `save(to:)` over this one (node counts and held rows must match).
    public func load(from r: inout StateReader) throws(StateReader.Failure) {
        let newOffsets = Column<UInt64>(count: rows.count + 1, repeating: 0)
        try r.read(into: newOffsets)
        for i in 0..<rows.count where newOffsets[i] > newOffsets[i + 1] {
            throw StateReader.Failure(description: "follow graph: row \(rows.lowerBound + i) ends before it starts")
        }
        guard newOffsets[0] == 0, newOffsets[rows.count] <= UInt64(r.remainingBytes / MemoryLayout<UInt32>.stride) else {
            throw StateReader.Failure(description: "follow graph: \(newOffsets[rows.count]) followers do not fit the state")
        }
        let out = Column<UInt32>(uninitializedCount: Int(newOffsets[rows.count]))
        try r.read(into: out)
        offsets = newOffsets
        followerIDs = out
    }
}
