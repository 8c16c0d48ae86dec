import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraSocial

/// The LLM-escalated people of a news network.
typealias UserEscalation = Escalation<NewsModel>

/// Who is shown to an LLM user as someone to follow (OASIS's follow recommendation).
public enum FollowRecommender: String, Sendable, CaseIterable {
    /// The most followed people.
    case popularity
    /// People drawn at random, from the seed.
    case random
    /// People drawn in proportion to their followers + 1 (or activity + 1: `attach_by`).
    case preferential
    /// The people most followed by those one follows (friends of friends), most shared first.
    case sharedNeighbors = "shared_neighbors"
    /// Nobody: the prompt lists no candidates.
    case none
}

extension NewsModel {
    static let escalationStream: UInt64 = 0x5E55_0005
    public static let llmEvent = UserEscalation.event(id: 10)
    /// Posts of its feed an LLM user is shown, newest first, and the characters of an LLM post's
    /// text quoted in a prompt.
    static let feedShown = 8
    static let quotedCharacters = 500

    /// What the LLM side reads of an escalated person: made by its host in match, shared with the
    /// other processes of a spread run, so every process asks the same questions.
    struct UserView: Sendable {
        var emotion: UInt8 = 0
        var attitude: Int8 = 0
        var heardAt: Int32 = -1
        var feedCount: UInt32 = 0
        /// How many it follows.
        var following: UInt32 = 0
        /// The head of its feed, newest first.
        var feed: [Post] = []
        /// People it might follow (none it follows already, not itself).
        var candidates: [UInt32] = []
        /// Whom it follows, for the `shared_neighbors` recommender (empty for the others).
        var followees: [UInt32] = []

        func write(to w: inout StateWriter) {
            w.write(Int(emotion)); w.write(Int(attitude)); w.write(Int(heardAt)); w.write(Int(feedCount)); w.write(Int(following))
            w.write(feed.count)
            for p in feed {
                w.write(Int(p.author)); w.write(Int(p.origin)); w.write(Int(p.originTick)); w.write(Int(p.tick))
                w.write(Int(p.attitude)); w.write(Int(p.emotion))
            }
            w.write(candidates.map(Int64.init))
            w.write(followees.map(Int64.init))
        }

        init() {}

        init(from r: inout StateReader) throws(StateReader.Failure) {
            emotion = UInt8(truncatingIfNeeded: try r.int()); attitude = Int8(truncatingIfNeeded: try r.int())
            heardAt = Int32(truncatingIfNeeded: try r.int()); feedCount = UInt32(truncatingIfNeeded: try r.int())
            following = UInt32(truncatingIfNeeded: try r.int())
            let n = try r.int()
            guard n >= 0 && n <= NewsModel.feedShown else { throw StateReader.Failure(description: "a user's view holds \(n) posts") }
            for _ in 0..<n {
                let author = UInt32(truncatingIfNeeded: try r.int()), origin = UInt32(truncatingIfNeeded: try r.int())
                let originTick = UInt16(truncatingIfNeeded: try r.int()), tick = UInt16(truncatingIfNeeded: try r.int())
                feed.append(Post(author: author, origin: origin, originTick: originTick, tick: tick,
                                 attitude: Int8(truncatingIfNeeded: try r.int()), emotion: UInt8(truncatingIfNeeded: try r.int())))
            }
            candidates = try r.int64s().map { UInt32(truncatingIfNeeded: $0) }
            followees = try r.int64s().map { UInt32(truncatingIfNeeded: $0) }
        }
    }

    /// A post's full tick, from the 16 bits a post keeps: the latest tick at or before `now` with them.
    static func fullTick(_ t: UInt16, now: Int) -> Int { now - Int(UInt16(truncatingIfNeeded: now) &- t) }

    /// The key of a post by `author` at (full) `tick`, for `textOfPost`.
    static func postKey(author: UInt32, tick: Int) -> UInt64 { UInt64(tick) << 32 | UInt64(author) }

    /// Whether `p` (an original or a repost) carries a text an LLM wrote.
    @inline(__always) func writtenByLLM(_ p: Post, now: Int) -> Bool {
        !textOfPost.isEmpty && textOfPost[Self.postKey(author: p.origin, tick: Self.fullTick(p.originTick, now: now))] != nil
    }

    /// The id a prompt shows for a post: its tick times the number of people, plus its author.
    func postID(_ p: Post, now: Int) -> Int64 { Int64(Self.fullTick(p.tick, now: now)) * Int64(agentCount) + Int64(p.author) }

    /// The serial hook of a run with LLM users: each host makes the views of its escalated people,
    /// the processes share them, and the escalation asks and collects.
    public func match(tick: Tick) {
        guard let llm else { return }
        currentTick = tick
        let pool = candidatePool()
        views.removeAll(keepingCapacity: true)
        for v in llm.escalated where hosted.contains(v) { views[v] = view(of: v, pool: pool, tick: tick) }
        if let group, group.size > 1 {
            var w = StateWriter()
            let mine = llm.escalated.filter { hosted.contains($0) }
            w.write(mine.count)
            for v in mine { w.write(v); views[v]!.write(to: &w) }
            for (p, bytes) in group.allGather(w.bytes).enumerated() where p != group.rank {
                var r = StateReader(bytes)
                do {
                    for _ in 0..<(try r.int()) {
                        let v = try r.int()
                        views[v] = try UserView(from: &r)
                    }
                } catch {
                    preconditionFailure("the LLM users' views from process \(p) do not read: \(error)")
                }
            }
        }
        if params.recommender == .sharedNeighbors { recommendFriendsOfFriends() }
        llm.step(tick: tick, side: self)
    }

    /// The tick's `llm` events: one per question, after the shards' rows.
    public func recordSerial(_ tick: Tick, into recorder: inout ShardRecorder) {
        llm?.record(into: &recorder)
    }

    public var notes: [String] { llm?.notes ?? [] }

    /// The most followed people, most first (ties: lower id first): enough that each asker has
    /// `candidateCount` left once those it follows are taken out. Empty for other recommenders.
    func candidatePool() -> [UInt32] {
        guard params.recommender == .popularity, params.candidateCount > 0 else { return [] }
        let k = min(agentCount, 4 * params.candidateCount + 1)
        var top: [(count: UInt32, id: UInt32)] = []
        top.reserveCapacity(k + 1)
        let fc = followerCount.pointer
        for v in 0..<agentCount {
            let c = fc[v]
            if top.count == k, let last = top.last, c <= last.count { continue }
            let at = top.firstIndex { c > $0.count } ?? top.count
            top.insert((c, UInt32(v)), at: at)
            if top.count > k { top.removeLast() }
        }
        return top.map(\.id)
    }

    /// Whether `v` follows `author` now (on `v`'s host).
    func follows(_ v: Int, _ author: Int) -> Bool {
        if let following { return following.follows(author, v) }
        return follows.follows(v, author)
    }

    /// Escalated person `v` as its host's columns hold it.
    func view(of v: Int, pool: [UInt32], tick: Int) -> UserView {
        var u = UserView()
        u.emotion = emotion[v]
        u.attitude = attitude[v]
        u.heardAt = heardAt[v]
        u.feedCount = feedCount[v]
        // Whom each person follows is kept whenever there is an LLM side (init, join).
        u.following = UInt32(following!.followerCount(v))
        let k = params.feedSize
        for j in 0..<min(Int(feedCount[v]), k, Self.feedShown) {
            u.feed.append(feed[v * k + Int((feedCount[v] &- 1 &- UInt32(j)) % UInt32(k))])
        }
        let wanted = params.candidateCount
        func consider(_ c: UInt32) {
            if u.candidates.count < wanted, Int(c) != v, !u.candidates.contains(c), !follows(v, Int(c)) { u.candidates.append(c) }
        }
        switch params.recommender {
        case .popularity:
            for c in pool { consider(c) }
        case .random:
            var r = RandomStream(seed: seed, stream: Self.escalationStream ^ 0xC4).tick(tick).agent(v)
            for _ in 0..<(4 * wanted) where agentCount > 1 { consider(UInt32(r.index(below: agentCount))) }
        case .preferential:
            var r = RandomStream(seed: seed, stream: Self.escalationStream ^ 0xC5).tick(tick).agent(v)
            for _ in 0..<(4 * wanted) where agentCount > 1 { consider(UInt32(attachTarget(UInt64(r.index(below: Int(attachTotal)))))) }
        case .sharedNeighbors:
            // Filled in once every process has every view (`recommendFriendsOfFriends`).
            if let following { u.followees = Array(following.followers(of: v)).sorted() }
        case .none:
            break
        }
        return u
    }

    /// `shared_neighbors`: for each escalated person, those most followed by the people it follows
    /// (most shared first, then the lower id), neither itself nor anyone it follows. Spread over
    /// processes, the rows of whom its friends follow are on their hosts: every process sends those
    /// it holds of the friends any escalated person has, so all choose alike.
    func recommendFriendsOfFriends() {
        guard let following else { return }
        let friends = Set(views.values.flatMap(\.followees)).sorted()
        var rows: [UInt32: [UInt32]] = [:]
        for u in friends where following.rows.contains(Int(u)) { rows[u] = Array(following.followers(of: Int(u))) }
        if let group, group.size > 1 {
            var w = StateWriter()
            let mine = friends.filter { rows[$0] != nil }
            w.write(mine.count)
            for u in mine { w.write(Int(u)); w.write(rows[u]!.map(Int64.init)) }
            for (p, bytes) in group.allGather(w.bytes).enumerated() where p != group.rank {
                var r = StateReader(bytes)
                do {
                    for _ in 0..<(try r.int()) {
                        let u = UInt32(truncatingIfNeeded: try r.int())
                        rows[u] = try r.int64s().map { UInt32(truncatingIfNeeded: $0) }
                    }
                } catch {
                    preconditionFailure("the follow rows from process \(p) do not read: \(error)")
                }
            }
        }
        for v in views.keys {
            let mine = Set(views[v]!.followees)
            var shared: [UInt32: Int] = [:]
            for u in views[v]!.followees {
                for w in rows[u] ?? [] where Int(w) != v && !mine.contains(w) { shared[w, default: 0] += 1 }
            }
            let best = shared.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            views[v]!.candidates = best.prefix(params.candidateCount).map(\.key)
        }
    }
}
