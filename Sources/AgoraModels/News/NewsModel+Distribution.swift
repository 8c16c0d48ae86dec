import AgoraCore
import AgoraEngine
import AgoraSocial

extension NewsModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        columns.save(to: &w)
        follows.save(to: &w)
        following?.save(to: &w)
        w.write(originals)
        let all = cascades().sorted()
        w.write(all.count)
        for (key, size) in all { w.write(Int(key)); w.write(Int(size)) }
        if let llm {
            llm.save(to: &w)
            w.write(llmPosts); w.write(deliveries); w.write(llmDeliveries)
            w.write(texts.count)
            for t in texts { w.write(t.text); w.write(t.topic) }
            let filed = textOfPost.sorted { $0.key < $1.key }
            w.write(filed.count)
            for (key, index) in filed { w.write(Int64(bitPattern: key)); w.write(Int(index)) }
        }
    }

    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        try columns.load(from: &r)
        try follows.load(from: &r)
        try following?.load(from: &r)
        originals = try r.int()
        let count = try r.int()
        guard count >= 0 && count <= r.remainingBytes / 16 else { throw StateReader.Failure(description: "news cascades: bad count \(count)") }
        guard !cascadeParts.isEmpty else { throw StateReader.Failure(description: "news model restored before it was prepared") }
        for part in cascadeParts { part.removeAll() }
        for _ in 0..<count {
            let key = UInt64(bitPattern: Int64(try r.int())), size = try r.int()
            guard key != .max, size > 0 && size <= Int(UInt32.max) else { throw StateReader.Failure(description: "news cascades: bad entry \(key): \(size)") }
            cascadeParts[firstLocalShard].add(key, UInt32(size))
        }
        if let llm {
            try llm.load(from: &r)
            llmPosts = try r.int(); deliveries = try r.int(); llmDeliveries = try r.int()
            let n = try r.int()
            guard n >= 0 && n <= r.remainingBytes / 16 else { throw StateReader.Failure(description: "LLM posts: bad count \(n)") }
            texts = try (0..<n).map { _ throws(StateReader.Failure) in (try r.string(), try r.string()) }
            let m = try r.int()
            guard m >= 0 && m <= r.remainingBytes / 16 else { throw StateReader.Failure(description: "LLM posts: bad count \(m) of filed texts") }
            textOfPost = [:]
            for _ in 0..<m {
                let key = UInt64(bitPattern: try r.int64()), index = try r.int()
                guard index >= 0 && index < n else { throw StateReader.Failure(description: "LLM posts: text \(index) of \(n)") }
                textOfPost[key] = Int32(index)
            }
        }
        rebuildAttachment()
    }
}

/// Spread over processes. Each process keeps the network rows of its own people: their followers
/// (where their posts go) and whom they follow (to ask whether a reader follows an author). Agents
/// read the like counts of the authors in their feeds (with the engagement ranking), so each
/// process shares its agents' after propagate; every process applies the tick's follow requests to
/// its rows in endTick, so each shares its agents' requests after record; and the summary reads
/// every agent's activity and attitude and every shard's cascade counts, and adds up the processes'
/// sums over their rows.
extension NewsModel: DistributedModel {
    public func join(_ group: any ProcessGroup, agents: Range<Int>) {
        self.group = group
        graph = graph.restricted(to: agents)
        follows = follows.restricted(to: agents)
        // The network stands for mutual following: whom a person follows starts as its neighbours.
        following = FollowGraph(graph)
        hosted = agents
        // Every process keeps everyone's follower counts: each sends its people's.
        var w = StateWriter()
        w.write(agents.lowerBound)
        w.write(agents.map { Int64(followerCount[$0]) })
        for (p, bytes) in group.allGather(w.bytes).enumerated() where p != group.rank {
            var r = StateReader(bytes)
            do {
                let first = try r.int(), followers = try r.int64s()
                precondition(first >= 0 && first + followers.count <= agentCount,
                             "process \(p) sent counts for agents \(first)..<\(first + followers.count)")
                for (k, c) in followers.enumerated() { followerCount[first + k] = UInt32(truncatingIfNeeded: c) }
            } catch {
                preconditionFailure("the follower counts of process \(p) do not read: \(error)")
            }
        }
    }

    public var partitionedBytes: Int { graph.byteCount + follows.byteCount + (following?.byteCount ?? 0) }

    public var syncPoints: [SyncPoint] {
        // Likes are read by the engagement and hot rankings, and by LLM users' prompts; likes
        // received by the paradox's likes figure.
        (params.ranking == .engagement || params.ranking == .hot || llm != nil || params.paradoxMetrics ? [.afterPropagate] : [])
            + [.afterRecord, .beforeSummary]
    }

    public func share(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, into w: inout StateWriter) {
        columns.share(point, agents: agents, into: &w)
        switch point {
        case .afterPropagate:
            break
        case .afterRecord:
            // Other processes' requests of the last tick have been applied: drop them before this
            // tick's arrive (share comes first at every sync point).
            for v in foreignRequests { request[v].followee = .max }
            foreignRequests.removeAll(keepingCapacity: true)
            let rq = request.pointer
            let asking = agents.filter { rq[$0].followee != .max }
            w.write(asking.count)
            for v in asking { w.write(v); w.write(Int(rq[v].followee)); w.write(rq[v].follow) }
        default:
            for s in shards {
                let counts = cascadeParts[s].sorted()
                w.write(counts.count)
                for (key, n) in counts { w.write(key); w.write(Int(n)) }
            }
        }
    }

    public func absorb(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, from r: inout StateReader) throws(StateReader.Failure) {
        try columns.absorb(point, agents: agents, from: &r)
        switch point {
        case .afterPropagate:
            break
        case .afterRecord:
            for _ in 0..<(try r.int()) {
                let v = try r.int(), followee = UInt32(truncatingIfNeeded: try r.int()), follow = try r.bool()
                guard agents.contains(v) else { throw StateReader.Failure(description: "a follow request of agent \(v), not of \(agents)") }
                request[v] = FollowGraph.Change(followee: followee, follower: UInt32(v), follow: follow)
                foreignRequests.append(v)
            }
        default:
            for s in shards {
                for _ in 0..<(try r.int()) { cascadeParts[s].add(try r.uint64(), UInt32(clamping: try r.int())) }
            }
        }
    }
}
