import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraSocial
import Foundation

/// News spreading through a social network, after S3: people read the posts of those they follow,
/// feel and take sides, and post or repost; emotion and attitude spread with the news.
///
/// Each person has an emotion (0 calm, 1 moderate, 2 intense), an attitude (−1, 0, +1) toward the
/// news, and whether and when they heard it. A tick:
///
/// - decide: a person reads the posts that reached their feed last tick. Hearing of the news makes
///   them aware. With probability `contagion` × (the mean emotion of what they read) ÷ 2 their
///   emotion rises one step, else it falls one step with probability `decay`. With probability `conformity`
///   their attitude moves one step toward the mean attitude of what they read. With probability
///   `like_probability` they like the newest post read unless it takes the other side (the like
///   goes to its author). Then an aware person posts with probability `post_probability` (more
///   when intense: ×(1 + emotion)), or reposts the post at the head of their feed with probability
///   `repost_probability` (the newest, or with `feed_ranking: engagement` the most liked). A post
///   goes to every follower as a message. Who follows whom starts as the network (mutual following along
///   every edge) and changes: when the post at the head of their feed takes the opposite side, a
///   person unfollows its author with probability `unfollow_probability`; when it is a repost, they
///   follow its original author with probability `follow_probability`. Follows and unfollows land
///   together at the end of the tick.
/// - propagate: each person files the posts that reached them, in canonical order, into a feed of
///   the last `feed_size` posts, and counts the likes of their latest post.
/// - record: every post (kind 5 `post`), every change of emotion or attitude (kind 6 `state`) and
///   every follow or unfollow (kind 7 `follow`), and every like (kind 8 `like`).
///
/// People start calm, with an attitude drawn from the seed: negative with `prior_negative`,
/// positive with `prior_positive`, else neutral. At `news_tick`, `seed_count` people (drawn from the
/// seed) hear the news first: aware, intense, with attitude `news_attitude`, and they post it.
/// Random stream `NewsModel.stream`.
///
/// With an `llm` section, some people think through an LLM (`NewsModel+LLM`): in match(t) those whose
/// triggers fired ask, and in tick t + latency they do what the answer said — post a text of their
/// own, repost, like, follow, unfollow or nothing — and feel as it said, instead of their rules.
/// Their posts travel like any other; their texts are kind 11 `llm_post` events.
public final class NewsModel: Model, @unchecked Sendable {
    /// A post as it travels and sits in feeds.
    public struct Post: BitwiseCopyable, Sendable, Hashable {
        public var author: UInt32
        /// The author of the original post (== author for an original).
        public var origin: UInt32
        /// The tick of the original post (mod 2¹⁶): with `origin` it names the cascade a repost belongs to.
        public var originTick: UInt16
        public var tick: UInt16
        public var attitude: Int8
        public var emotion: UInt8
    }
    public typealias Message = Post

    /// Which post of a feed a person acts on (reposts, follows or unfollows its author): the newest;
    /// the one with the most likes; the hottest (likes ÷ (age + 2)^1.5, after Hacker News); one at
    /// random; or the one whose author's persona is most like one's own (`interest`). Ties go to
    /// the newest.
    public enum FeedRanking: String, Sendable, CaseIterable { case recency, engagement, hot, random, interest }

    /// The model's parameters; each default comes from its declaration (`News+Descriptor.swift`).
    public struct Parameters: Sendable, Hashable {
        public var newsTick = Self.newsTickParameter.defaultValue
        public var seedCount = Self.seedCountParameter.defaultValue
        public var newsAttitude: Int8 = Self.attitudes[Self.newsAttitudeParameter.defaultValue] ?? -1
        public var feedSize = Self.feedSizeParameter.defaultValue
        public var postProbability = Self.postParameter.defaultValue
        public var repostProbability = Self.repostParameter.defaultValue
        public var contagion = Self.contagionParameter.defaultValue
        public var decay = Self.decayParameter.defaultValue
        public var conformity = Self.conformityParameter.defaultValue
        /// Shares of people who start negative and positive about the subject (the rest neutral).
        public var priorNegative = Self.priorNegativeParameter.defaultValue
        public var priorPositive = Self.priorPositiveParameter.defaultValue
        /// Chances, per tick, to unfollow the author of a post one disagrees with and to follow the
        /// original author of a repost one reads.
        public var unfollowProbability = Self.unfollowParameter.defaultValue
        public var followProbability = Self.followParameter.defaultValue
        /// Chance to like the newest post read when its attitude is not the opposite of one's own.
        public var likeProbability = Self.likeParameter.defaultValue
        public var ranking = FeedRanking(rawValue: Self.rankingParameter.defaultValue) ?? .recency
        /// Who is shown to an LLM user as someone to follow, and how many.
        public var recommender = FollowRecommender(rawValue: Self.recommenderParameter.defaultValue) ?? .popularity
        public var candidateCount = Self.candidateCountParameter.defaultValue
        /// Chance per tick that a rule user follows someone new, drawn by preferential attachment.
        public var attachProbability = Self.attachParameter.defaultValue
        public var attachBy = AttachBy(rawValue: Self.attachByParameter.defaultValue) ?? .followers
        /// Measure the follow network's friendship paradox every tick.
        public var paradoxMetrics = Self.paradoxParameter.defaultValue
        public init() {}
    }

    public static let stream: UInt64 = 0x5E55_0001
    public static let postEvent = EventKind(id: 5, name: "post", columns: ["origin", "origin_tick", "parent", "parent_tick", "attitude", "emotion"])
    public static let stateEvent = EventKind(id: 6, name: "state", columns: ["emotion", "attitude", "aware"])
    public static let followEvent = EventKind(id: 7, name: "follow", columns: ["followee", "follow"])
    public static let likeEvent = EventKind(id: 8, name: "like", columns: ["author"])
    /// A post an LLM user wrote: its text and topic (string ids), and the emotion and attitude it
    /// carries; the `post` event of the same tick and author is the post itself.
    public static let llmPostEvent = EventKind(id: 11, name: "llm_post", columns: ["text", "topic", "emotion", "attitude"],
                                               types: ["text", "text", "i64", "i64"])

    /// The network: whole, or spread over processes the rows of this process's people.
    public internal(set) var graph: CSRGraph
    /// Who follows whom now; posts reach the author's followers. Spread over processes, the
    /// followers of this process's people.
    public internal(set) var follows: FollowGraph
    /// Spread over processes, whom each of this process's people follows (rows by follower): what
    /// "does v follow this author" asks when the author's followers are on another process.
    var following: FollowGraph?
    public let params: Parameters
    public let seed: UInt64
    public let random: RandomStream
    public let emotion: Column<UInt8>
    public let attitude: Column<Int8>
    /// The tick a person heard the news (−1: not yet).
    public let heardAt: Column<Int32>
    /// Posts and reposts each person has made: their activity, for the generalized friendship paradox.
    public let activity: Column<UInt32>
    /// Each person's feed: `feedSize` slots, a ring; `feedCount` posts ever filed.
    let feed: Column<Post>
    let feedCount: Column<UInt32>
    /// Posts received last tick, not yet read: where they start in the ring and how many.
    let unread: Column<UInt16>
    /// What each person posted this tick (author == UInt32.max: nothing), and whether their state
    /// changed, for the record phase.
    let posted: Column<Post>
    let changed: Column<UInt8>
    /// For a repost made this tick, the post reposted: its author and tick (not sent with the post).
    let parent: Column<UInt32>
    let parentTick: Column<UInt16>
    /// The follow or unfollow each person asked for this tick (followee == UInt32.max: none).
    let request: Column<FollowGraph.Change>
    private var batch: [FollowGraph.Change] = []
    /// Likes of each person's latest post, and the tick of that post (−1: none). A like travels as
    /// a `Post` whose `origin` is `UInt32.max` and whose `tick` is that of the post liked; likes
    /// of an older post are dropped. Written in propagate only, so decide may read anyone's.
    let likes: Column<UInt32>
    let lastPostTick: Column<Int32>
    /// Whose post each person liked this tick (UInt32.max: none), for the record phase.
    let liked: Column<UInt32>
    let seeds: Set<Int>
    private var last: [Double] = []
    /// Cascades: reposts of each original post so far, keyed by its origin << 16 | origin tick, one
    /// table per shard (each filled by its own reposters in record, summed when read); and how
    /// many original posts there have been.
    var cascadeParts: [CountTable] = []
    var originals = 0
    /// Spread over processes: the processes, and the agents of other processes whose follow
    /// requests the last absorb set (cleared at the next).
    var group: (any ProcessGroup)?
    var foreignRequests: [Int] = []
    /// Every per-person column, declared once: what the memory figure counts, what a checkpoint
    /// saves (in this order), and what the processes share (`share` adds the follow requests and
    /// the cascades, which are not columns).
    let columns: StateColumns
    /// The LLM side (nil without an `llm` section).
    let llm: UserEscalation?
    /// How many follow each person and how many each follows, kept whole on every process (every
    /// process applies every tick's follow requests to them): what prompts and recommenders read.
    let followerCount: Column<UInt32>
    let followingCount: Column<UInt32>
    /// The texts LLM users wrote, in the order written, and which post each belongs to (by
    /// `postKey` of its author and full tick); per person, the text (index + 1) of the post it
    /// writes this tick (0: none).
    var texts: [(text: String, topic: String)] = []
    /// Posts LLM users have made (reposts not counted), and the feeds posts reached: all, and
    /// those of posts (or reposts of posts) an LLM wrote.
    var llmPosts = 0
    var deliveries = 0
    var llmDeliveries = 0
    /// Per person, the feeds its post of this tick reached (bit 31: the post's text is an LLM's).
    let delivered: Column<UInt32>
    static let llmOrigin: UInt32 = 1 << 31
    var textOfPost: [UInt64: Int32] = [:]
    let wrote: Column<Int32>
    /// What the LLM side reads of each escalated person this tick (`match`).
    var views: [Int: UserView] = [:]
    /// The people whose columns this process keeps up to date (all, unless the run is spread).
    var hosted: Range<Int>
    var currentTick = 0
    /// Likes each person has received, ever.
    let likesReceived: Column<UInt32>
    /// Preferential attachment: running sums of the weights (empty unless it is used), and their total.
    let attachSums: Column<UInt64>
    var attachTotal: UInt64 = 0
    /// The friendship paradox measured in decide, summed in record: per person, bit 0 it follows
    /// anyone, bits 1–3 its friends have more followers, activity, likes; and the mean followers of
    /// its friends × 1000.
    let paradoxFlags: Column<UInt8>
    let friendFollowers: Column<UInt32>
    /// Persona codes for the `interest` ranking (empty otherwise).
    let interests: Column<UInt64>

    public var agentCount: Int { graph.nodeCount }

    /// `llm`: who thinks through an LLM, and `answers` where the answers come from (nil: the
    /// settings' endpoint, or none); `hosted`: spread over processes, this process's people.
    public init(graph: CSRGraph, params: Parameters, seeds: [Int], seed: UInt64, llm: LLMSettings? = nil,
                answers: (any AnswerSource)? = nil, hosted: Range<Int>? = nil) {
        precondition(params.feedSize >= 1 && params.feedSize <= 256, "feeds hold 1 to 256 posts")
        self.graph = graph
        follows = FollowGraph(graph)
        self.params = params
        self.seed = seed
        random = RandomStream(seed: seed, stream: Self.stream)
        let n = graph.nodeCount
        emotion = Column(count: n, repeating: 0)
        attitude = Column(count: n, repeating: 0)
        heardAt = Column(count: n, repeating: -1)
        activity = Column(count: n, repeating: 0)
        let none = Post(author: .max, origin: .max, originTick: 0, tick: 0, attitude: 0, emotion: 0)
        feed = Column(count: n * params.feedSize, repeating: none)
        feedCount = Column(count: n, repeating: 0)
        unread = Column(count: n, repeating: 0)
        posted = Column(count: n, repeating: none)
        parent = Column(count: n, repeating: .max)
        parentTick = Column(count: n, repeating: 0)
        changed = Column(count: n, repeating: 0)
        request = Column(count: n, repeating: FollowGraph.Change(followee: .max, follower: .max, follow: false))
        likes = Column(count: n, repeating: 0)
        lastPostTick = Column(count: n, repeating: -1)
        liked = Column(count: n, repeating: .max)
        followerCount = Column(count: n, repeating: 0)
        followingCount = Column(count: n, repeating: 0)
        for v in graph.rows {
            followerCount[v] = UInt32(graph.degree(v))
            followingCount[v] = UInt32(graph.degree(v))
        }
        wrote = Column(count: n, repeating: 0)
        delivered = Column(count: llm == nil ? 0 : n, repeating: 0)
        self.hosted = hosted ?? 0..<n
        likesReceived = Column(count: n, repeating: 0)
        let attaching = params.attachProbability > 0 || params.recommender == .preferential
        attachSums = Column(count: attaching ? n : 0, repeating: 0)
        paradoxFlags = Column(count: params.paradoxMetrics ? n : 0, repeating: 0)
        friendFollowers = Column(count: params.paradoxMetrics ? n : 0, repeating: 0)
        interests = params.ranking == .interest ? llm?.personas.map { Self.interests($0, count: n) } ?? Column(count: n, repeating: 0)
                                                : Column(count: 0, repeating: 0)
        // Whom each person follows, when something walks it (the paradox, the LLM side's candidates).
        if params.paradoxMetrics || llm != nil { following = FollowGraph(graph) }
        if let llm {
            let source = answers ?? (llm.endpoint == nil ? NoEndpoint(reason: llm.noEndpointReason)
                                                         : LiveEndpoint(client: LLMClient(settings: llm.endpoint!), cache: nil))
            self.llm = UserEscalation(settings: llm, source: source, tools: UserTools.all(maxText: llm.maxText), event: Self.llmEvent,
                                      stream: Self.escalationStream, agentCount: n, held: self.hosted, seed: seed, eligible: { _ in true })
        } else {
            self.llm = nil
        }
        var c = StateColumns()
        c.add("emotion", emotion)
        c.add("attitude", attitude, shared: [.beforeSummary])
        c.add("followers", followerCount)
        c.add("following", followingCount)
        // Read across people in decide by the paradox's likes figure.
        c.add("likes_received", likesReceived, shared: params.paradoxMetrics ? [.afterPropagate] : [])
        c.add("heard_at", heardAt)
        // Recommenders show LLM users others' activity.
        let activityRead = llm != nil || params.paradoxMetrics || (attaching && params.attachBy == .activity)
        c.add("activity", activity, shared: activityRead ? [.afterRecord, .beforeSummary] : [.beforeSummary])
        c.add("feed", feed)
        c.add("feed_count", feedCount)
        c.add("unread", unread)
        c.add("likes", likes, shared: [.afterPropagate])
        c.add("last_post_tick", lastPostTick, shared: [.afterPropagate])
        // Scratch space of a tick: rebuilt every tick, never saved.
        for (name, column) in [("posted", posted), ("parent", parent), ("parent_tick", parentTick), ("changed", changed), ("request", request),
                               ("liked", liked), ("wrote", wrote), ("delivered", delivered), ("attach_sums", attachSums), ("paradox_flags", paradoxFlags),
                               ("friend_followers", friendFollowers), ("interests", interests)] as [(String, any AnyStateColumn)] {
            c.add(name, column, checkpoint: false)
        }
        columns = c
        self.seeds = Set(seeds)
        let setup = random.tick(-1)
        for v in 0..<n {
            var r = setup.agent(v)
            let u = r.unit()
            attitude[v] = u < params.priorNegative ? -1 : u < params.priorNegative + params.priorPositive ? 1 : 0
        }
    }

    public var phases: Phases { llm == nil ? [.decide, .propagate, .record] : [.decide, .match, .propagate, .record] }
    public var metricNames: [String] {
        ["aware", "posts", "calm", "moderate", "intense", "negative", "neutral", "positive", "follows", "unfollows", "likes", "polarization"]
            + (llm == nil ? [] : ["llm_posts", "llm_post_share", "llm_users_emotion", "llm_users_attitude", "rule_users_emotion",
                                  "rule_users_attitude", "deliveries", "llm_deliveries"]) + (params.paradoxMetrics ? Self.paradoxMetricNames : [])
    }
    public var counterCount: Int { paradoxCounters + (params.paradoxMetrics ? Self.paradoxCounterCount : 0) }
    /// Where the paradox's counters start: after the base ones and, with LLM users, the sums of
    /// their emotion and attitude.
    var paradoxCounters: Int { 13 + (llm == nil ? 0 : 4) }

    public func prepare(layout: ShardLayout) {
        precondition(cascadeParts.isEmpty, "prepared once")
        cascadeParts = (0..<layout.shardCount).map { _ in CountTable() }
        rebuildAttachment()
    }

    /// Reposts per original post that has any, over all shards.
    /// The first shard this process runs (0 unless the run is spread over processes), where a
    /// checkpoint's cascade counts go back.
    var firstLocalShard: Int {
        guard let group else { return 0 }
        return ShardLayout.shards(ofProcess: group.rank, processes: group.size, shardCount: cascadeParts.count).lowerBound
    }

    func cascades() -> CountTable {
        let all = CountTable()
        for part in cascadeParts { all.merge(part) }
        return all
    }
    public var eventKinds: [EventKind] {
        [Self.postEvent, Self.stateEvent, Self.followEvent, Self.likeEvent] + (llm == nil ? [] : [Self.llmEvent, Self.llmPostEvent])
    }
    public var stateBytes: Int {
        columns.byteCount + graph.byteCount + follows.byteCount + (following?.byteCount ?? 0) + (llm?.pendingFlag.byteCount ?? 0)
    }

    public func decide(_ ctx: ShardContext, outbox: Outbox<Post>) {
        let k = params.feedSize
        let em = emotion.pointer, at = attitude.pointer, heard = heardAt.pointer
        let fd = feed.pointer, fc = feedCount.pointer, un = unread.pointer, out = posted.pointer, ch = changed.pointer
        let rq = request.pointer, lk = liked.pointer, likeCount = likes.pointer, lastTick = lastPostTick.pointer
        let followers = follows.held, followees = following?.held
        /// Whether v follows `author` now: from the author's followers, or spread, from v's followees.
        func isFollowing(_ v: Int, _ author: Int) -> Bool {
            if let followees { return followees.follows(author, v) }
            return followers.follows(v, author)
        }
        let likeChance = params.likeProbability, ranking = params.ranking
        let codes = interests.pointer, pick = RandomStream(seed: seed, stream: Self.stream ^ 0x4A).tick(ctx.tick)
        /// The post at the head of v's feed under the ranking.
        func head(_ v: Int) -> Post {
            let newest = fd[v * k + Int((fc[v] &- 1) % UInt32(k))]
            let held = min(Int(fc[v]), k)
            switch ranking {
            case .recency:
                return newest
            case .random:
                var r = pick.agent(v)
                return fd[v * k + Int((fc[v] &- 1 &- UInt32(r.index(below: held))) % UInt32(k))]
            case .engagement, .hot, .interest:
                var best = newest, bestScore = -1.0
                for j in 0..<held {
                    let p = fd[v * k + Int((fc[v] &- 1 &- UInt32(j)) % UInt32(k))]
                    let a = Int(p.author)
                    let likes = UInt16(truncatingIfNeeded: lastTick[a]) == p.tick && lastTick[a] >= 0 ? Double(likeCount[a]) : 0
                    let score: Double
                    switch ranking {
                    case .engagement: score = likes
                    case .hot: score = likes / pow(Double(Int(UInt16(truncatingIfNeeded: ctx.tick) &- p.tick)) + 2, 1.5)
                    default: score = Double(Self.similarity(codes[v], codes[a]))
                    }
                    if score > bestScore { best = p; bestScore = score }
                }
                return best
            }
        }
        let unfollowChance = params.unfollowProbability, followChance = params.followProbability
        let draws = random.tick(ctx.tick)
        let tick = ctx.tick
        let contagion = params.contagion, decay = Probability(params.decay), conformity = Probability(params.conformity)
        let thinking = llm?.pendingFlag.pointer, wr = wrote.pointer, dl = delivered.pointer, counting = llm != nil
        let attachChance = params.attachProbability, attachTotal = attachTotal
        let measuring = params.paradoxMetrics, flags = paradoxFlags.pointer, friends = friendFollowers.pointer
        let fcount = followerCount.pointer, act = activity.pointer, received = likesReceived.pointer
        for v in ctx.agents {
            var r = draws.agent(v)
            // The follow network as this tick found it: do v's friends have more than v?
            if measuring, let followees {
                let row = followees.followers(of: v)
                var f = 0, a = 0, l = 0
                for u in row { f += Int(fcount[Int(u)]); a += Int(act[Int(u)]); l += Int(received[Int(u)]) }
                let n = row.count
                flags[v] = n == 0 ? 0 : 1 | (f > Int(fcount[v]) * n ? 2 : 0) | (a > Int(act[v]) * n ? 4 : 0) | (l > Int(received[v]) * n ? 8 : 0)
                friends[v] = n == 0 ? 0 : UInt32(clamping: f * 1000 / n)
            }
            let before = (em[v], at[v], heard[v] >= 0)
            out[v].author = .max
            rq[v].followee = .max
            lk[v] = .max
            // Read last tick's arrivals: the newest `unread` posts of the ring.
            let fresh = Int(un[v])
            un[v] = 0
            // An LLM user does what its answer said, and feels as it said, instead of its rules.
            if let thinking, thinking[v] != 0, let choice = llm?.decisions[v] {
                if fresh > 0 && heard[v] < 0 { heard[v] = Int32(tick) }
                em[v] = choice.emotion
                at[v] = choice.attitude
                if (em[v], at[v], heard[v] >= 0) != before { ch[v] = 1 }
                let now = UInt16(truncatingIfNeeded: tick)
                var post: Post?
                switch choice.act {
                case .post(let text):
                    post = Post(author: UInt32(v), origin: UInt32(v), originTick: now, tick: now, attitude: at[v], emotion: em[v])
                    wr[v] = text + 1
                case .repost(let p):
                    parent[v] = p.author
                    parentTick[v] = p.tick
                    post = Post(author: UInt32(v), origin: p.origin, originTick: p.originTick, tick: now, attitude: at[v], emotion: em[v])
                case .like(let author, let postTick):
                    if Int(author) != v {
                        lk[v] = author
                        outbox.send(to: Int(author), Post(author: UInt32(v), origin: .max, originTick: 0, tick: postTick, attitude: 0, emotion: 0))
                    }
                case .follow(let whom):
                    if Int(whom) != v && !isFollowing(v, Int(whom)) { rq[v] = FollowGraph.Change(followee: whom, follower: UInt32(v), follow: true) }
                case .unfollow(let whom):
                    if Int(whom) != v && isFollowing(v, Int(whom)) { rq[v] = FollowGraph.Change(followee: whom, follower: UInt32(v), follow: false) }
                case .nothing:
                    break
                }
                if let p = post {
                    out[v] = p
                    let audience = followers.followers(of: v)
                    for u in audience { outbox.send(to: Int(u), p) }
                    dl[v] = UInt32(min(audience.count, Int(Self.llmOrigin - 1))) | (writtenByLLM(p, now: tick) ? Self.llmOrigin : 0)
                }
                continue
            }
            if fresh > 0 {
                var arousal = 0, attitudeSum = 0
                for j in 0..<fresh {
                    let p = fd[v * k + Int((fc[v] &- 1 &- UInt32(j)) % UInt32(k))]
                    arousal += Int(p.emotion)
                    attitudeSum += Int(p.attitude)
                }
                if heard[v] < 0 { heard[v] = Int32(tick) }
                if r.unit() < contagion * Double(arousal) / Double(2 * fresh) {
                    em[v] = min(2, em[v] + 1)
                } else if em[v] > 0 && r.bernoulli(decay) {
                    em[v] -= 1
                }
                if r.bernoulli(conformity) {
                    let target = attitudeSum > 0 ? Int8(1) : attitudeSum < 0 ? -1 : 0
                    if target > at[v] { at[v] += 1 } else if target < at[v] { at[v] -= 1 }
                }
                // At most one follow or unfollow a tick, checked against the network as it stands
                // (it changes only between ticks), so every request takes effect.
                if unfollowChance > 0 || followChance > 0 {
                    let top = head(v)
                    if unfollowChance > 0, Int(top.attitude) * Int(at[v]) < 0, Int(top.author) != v,
                       r.unit() < unfollowChance, isFollowing(v, Int(top.author)) {
                        rq[v] = FollowGraph.Change(followee: top.author, follower: UInt32(v), follow: false)
                    } else if followChance > 0, top.origin != top.author, Int(top.origin) != v,
                              r.unit() < followChance, !isFollowing(v, Int(top.origin)) {
                        rq[v] = FollowGraph.Change(followee: top.origin, follower: UInt32(v), follow: true)
                    }
                }
                // Like the newest post read unless it takes the other side.
                if likeChance > 0 {
                    let newest = fd[v * k + Int((fc[v] &- 1) % UInt32(k))]
                    if Int(newest.attitude) * Int(at[v]) >= 0, Int(newest.author) != v, r.unit() < likeChance {
                        lk[v] = newest.author
                        outbox.send(to: Int(newest.author), Post(author: UInt32(v), origin: .max, originTick: 0, tick: newest.tick, attitude: 0, emotion: 0))
                    }
                }
            } else if em[v] > 0 && r.bernoulli(decay) {
                em[v] -= 1
            }
            // The news breaks.
            if tick == params.newsTick && seeds.contains(v) {
                heard[v] = Int32(tick)
                em[v] = 2
                at[v] = params.newsAttitude
            }
            // Someone new to follow, by preferential attachment.
            if attachChance > 0, rq[v].followee == .max, r.unit() < attachChance {
                let whom = attachTarget(UInt64(r.index(below: Int(attachTotal))))
                if whom != v && !isFollowing(v, whom) { rq[v] = FollowGraph.Change(followee: UInt32(whom), follower: UInt32(v), follow: true) }
            }
            if (em[v], at[v], heard[v] >= 0) != before { ch[v] = 1 }
            // Post or repost.
            guard heard[v] >= 0 else { continue }
            var post: Post?
            let originalChance = tick == params.newsTick && seeds.contains(v) ? 1 : params.postProbability * Double(1 + Int(em[v]))
            if r.unit() < originalChance {
                let now = UInt16(truncatingIfNeeded: tick)
                post = Post(author: UInt32(v), origin: UInt32(v), originTick: now, tick: now, attitude: at[v], emotion: em[v])
            } else if fc[v] > 0 && r.unit() < params.repostProbability {
                let latest = head(v)
                parent[v] = latest.author
                parentTick[v] = latest.tick
                post = Post(author: UInt32(v), origin: latest.origin, originTick: latest.originTick, tick: UInt16(truncatingIfNeeded: tick),
                            attitude: at[v], emotion: em[v])
            }
            guard let p = post else { continue }
            out[v] = p
            let audience = followers.followers(of: v)
            for u in audience { outbox.send(to: Int(u), p) }
            if counting { dl[v] = UInt32(min(audience.count, Int(Self.llmOrigin - 1))) | (writtenByLLM(p, now: tick) ? Self.llmOrigin : 0) }
        }
    }

    public func propagate(_ ctx: ShardContext, inbox: Inbox<Post>) {
        let k = UInt32(params.feedSize)
        let fd = feed.pointer, fc = feedCount.pointer, un = unread.pointer
        let out = posted.pointer, likeCount = likes.pointer, lastTick = lastPostTick.pointer, received = likesReceived.pointer
        // A new post starts with no likes.
        for v in ctx.agents where out[v].author != .max {
            lastTick[v] = Int32(ctx.tick)
            likeCount[v] = 0
        }
        for segment in inbox.segments {
            for env in segment {
                let v = Int(env.to)
                if env.message.origin == .max {
                    received[v] &+= 1
                    if lastTick[v] >= 0 && UInt16(truncatingIfNeeded: lastTick[v]) == env.message.tick { likeCount[v] += 1 }
                    continue
                }
                fd[v * Int(k) + Int(fc[v] % k)] = env.message
                fc[v] &+= 1
                un[v] = min(UInt16(k), un[v] + 1)
            }
        }
    }

    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        let em = emotion.pointer, at = attitude.pointer, heard = heardAt.pointer, out = posted.pointer, ch = changed.pointer
        let rq = request.pointer, lk = liked.pointer, act = activity.pointer, wr = wrote.pointer
        let cascades = cascadeParts[ctx.shard]
        var c = [Int64](repeating: 0, count: counterCount)
        let measuring = params.paradoxMetrics, flags = paradoxFlags.pointer, friends = friendFollowers.pointer, fcount = followerCount.pointer
        // One buffer per event shape, filled per event: no array is made per post.
        var postRow = [Int64](repeating: 0, count: Self.postEvent.columns.count)
        var stateRow = [Int64](repeating: 0, count: Self.stateEvent.columns.count)
        for v in ctx.agents {
            if heard[v] >= 0 { c[0] += 1 }
            if out[v].author != .max {
                // Counted here, not in decide, so that between ticks every process's count of
                // anyone's activity is the same (the LLM side reads it in match).
                act[v] += 1
                c[1] += 1
                let p = out[v]
                let original = p.origin == p.author && p.originTick == p.tick
                if original {
                    c[11] += 1
                } else {
                    cascades.add(UInt64(p.origin) << 16 | UInt64(p.originTick))
                }
                postRow[0] = Int64(p.origin); postRow[1] = Int64(p.originTick)
                postRow[2] = original ? -1 : Int64(parent[v]); postRow[3] = original ? -1 : Int64(parentTick[v])
                postRow[4] = Int64(p.attitude); postRow[5] = Int64(p.emotion)
                postRow.withUnsafeBufferPointer { recorder.record(kind: 5, agent: v, values: $0) }
            }
            c[2 + Int(em[v])] += 1
            c[6 + Int(at[v])] += 1
            if ch[v] != 0 {
                ch[v] = 0
                stateRow[0] = Int64(em[v]); stateRow[1] = Int64(at[v]); stateRow[2] = heard[v] >= 0 ? 1 : 0
                stateRow.withUnsafeBufferPointer { recorder.record(kind: 6, agent: v, values: $0) }
            }
            if rq[v].followee != .max {
                c[rq[v].follow ? 8 : 9] += 1
                recorder.record(kind: 7, agent: v, Int64(rq[v].followee), rq[v].follow ? 1 : 0)
            }
            if lk[v] != .max {
                c[10] += 1
                recorder.record(kind: 8, agent: v, Int64(lk[v]))
            }
            if wr[v] != 0 {
                c[12] += 1
                let written = texts[Int(wr[v]) - 1]
                wr[v] = 0
                recorder.record(kind: Self.llmPostEvent.id, agent: v,
                                values: [recorder.text(written.text), recorder.text(written.topic), Int64(em[v]), Int64(at[v])])
            }
        }
        if measuring {
            for v in ctx.agents {
                let f = flags[v], k = Int64(fcount[v])
                let b = paradoxCounters
                c[b] += Int64(f & 1); c[b + 1] += Int64(f >> 1 & 1); c[b + 2] += Int64(f >> 2 & 1); c[b + 3] += Int64(f >> 3 & 1)
                c[b + 4] += Int64(friends[v]); c[b + 5] += k; c[b + 6] += k * k
            }
        }
        if let llm {
            // The LLM users' feelings, for their curves beside the rule users'.
            for v in llm.escalated[llm.escalatedRange(ctx.agents)] { c[13] += Int64(em[v]); c[14] += Int64(at[v]) }
            // How many feeds the tick's posts reached, and those of the LLM users' texts.
            let dl = delivered.pointer
            for v in ctx.agents where dl[v] != 0 {
                let n = Int64(dl[v] & (Self.llmOrigin - 1))
                c[15] += n
                if dl[v] & Self.llmOrigin != 0 { c[16] += n }
                dl[v] = 0
            }
        }
        for i in c.indices { recorder.counters[i] += c[i] }
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        let n = Double(max(1, agentCount))
        last = [Double(counters[0]) / n, Double(counters[1])] + counters[2..<8].map { Double($0) / n } + counters[8..<11].map { Double($0) }
        // 1 when people split evenly between the two sides, 0 when nobody takes the other side.
        last.append(4 * last[5] * last[7])
        if llm != nil {
            llmPosts += Int(counters[12])
            last += [Double(counters[12]), counters[1] > 0 ? Double(counters[12]) / Double(counters[1]) : 0]
            // Mean emotion (0…2) and attitude (−1…+1) of the LLM users and of the others.
            let thinkers = Double(llm!.escalated.count), others = n - thinkers
            let emotionSum = Double(counters[3] + 2 * counters[4]), attitudeSum = Double(counters[7] - counters[5])
            last += [thinkers > 0 ? Double(counters[13]) / thinkers : 0, thinkers > 0 ? Double(counters[14]) / thinkers : 0,
                     others > 0 ? (emotionSum - Double(counters[13])) / others : 0, others > 0 ? (attitudeSum - Double(counters[14])) / others : 0,
                     Double(counters[15]), Double(counters[16])]
            deliveries += Int(counters[15])
            llmDeliveries += Int(counters[16])
        }
        if params.paradoxMetrics { last += paradoxFigures(counters, from: paradoxCounters) }
        originals += Int(counters[11])
        // The tick's follows and unfollows land together, in agent order.
        if counters[8] + counters[9] > 0 {
            batch.removeAll(keepingCapacity: true)
            let rq = request.pointer
            for v in 0..<agentCount where rq[v].followee != .max { batch.append(rq[v]) }
            if let following {
                // Whom the askers follow: the same changes by follower, each process its own rows.
                var byFollower = batch.map { FollowGraph.Change(followee: $0.follower, follower: $0.followee, follow: $0.follow) }
                _ = following.apply(&byFollower)
            }
            for change in batch {
                if change.follow {
                    followerCount[Int(change.followee)] += 1
                    followingCount[Int(change.follower)] += 1
                } else {
                    followerCount[Int(change.followee)] -= 1
                    followingCount[Int(change.follower)] -= 1
                }
            }
            let result = follows.apply(&batch)
            assert(follows.rows.count < agentCount || (result.added == Int(counters[8]) && result.removed == Int(counters[9])),
                   "every request takes effect")
        }
        rebuildAttachment()
        return last
    }

    /// The last tick's metrics; the cascades: `original_posts`, `reposted_share`,
    /// `mean_cascade_size` (reposts per original) and `max_cascade_size`; then the generalized friendship paradox for activity (posts and
    /// reposts over the run): `mean_activity`, `neighbor_activity` (the mean over people of their
    /// neighbours' mean), `activity_paradox_share` (the share of people whose neighbours are on
    /// average more active than they are) and `activity_degree_correlation`; then the echo chamber:
    /// `follow_links` and `agreeing_follow_links`, the share of follow links whose two ends share
    /// an attitude.
    public func summary() -> [(name: String, value: Double)] {
        guard !last.isEmpty else { return [] }
        // Sums over this process's rows (all of them, unless spread), added over the processes.
        let act = activity.pointer, at = attitude.pointer
        var sums = AttributeParadox.Sums(graph) { Int64(act[$0]) }
        var same = 0, links = follows.edgeCount
        for v in follows.rows {
            for u in follows.followers(of: v) where at[Int(u)] == at[v] { same += 1 }
        }
        if let group, group.size > 1 {
            var w = StateWriter()
            sums.write(to: &w); w.write(same); w.write(links)
            sums = .init(); same = 0; links = 0
            for part in group.allGather(w.bytes) {
                var r = StateReader(part)
                do {
                    sums.add(try AttributeParadox.Sums(from: &r))
                    same += try r.int(); links += try r.int()
                } catch {
                    preconditionFailure("a process's summary sums do not read: \(error)")
                }
            }
        }
        let paradox = AttributeParadox(sums)
        let cascades = cascades()
        var reposts = 0, largest: UInt32 = 0
        cascades.forEach { reposts += Int($1); largest = max(largest, $1) }
        return zip(metricNames, last).map { ($0, $1) } + [
            ("original_posts", Double(originals)), ("reposted_share", Double(cascades.count) / Double(max(1, originals))),
            ("mean_cascade_size", Double(reposts) / Double(max(1, originals))), ("max_cascade_size", Double(largest)),
            ("mean_activity", paradox.meanValue), ("neighbor_activity", paradox.meanNeighborValue),
            ("activity_paradox_share", paradox.shareBelowNeighbors),
            ("activity_degree_correlation", paradox.degreeCorrelation),
            ("follow_links", Double(links)), ("agreeing_follow_links", Double(same) / Double(max(1, links))),
        ] + (llm.map { llm in
            // Feeds reached per original post, its reposts' included: the LLM users' texts and the rest.
            let ruleOriginals = max(1, originals - llmPosts)
            return [("llm_posts_total", Double(llmPosts)), ("llm_post_reach", Double(llmDeliveries) / Double(max(1, llmPosts))),
                    ("rule_post_reach", Double(deliveries - llmDeliveries) / Double(ruleOriginals))] + llm.summary()
        } ?? [])
    }
}
