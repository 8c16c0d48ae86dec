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
    /// The names of emotion and attitude codes in the log.
    static let emotionNames = ["calm", "moderate", "intense"]
    static let attitudeNames: [Int64: String] = [-1: "negative", 0: "neutral", 1: "positive"]
    public static let postEvent = EventKind(id: 5, name: "post", columns: ["origin", "origin_tick", "parent", "parent_tick", "attitude", "emotion"])
        .labelled("attitude", attitudeNames).labelled("emotion", emotionNames)
    public static let stateEvent = EventKind(id: 6, name: "state", columns: ["emotion", "attitude", "aware"])
        .labelled("attitude", attitudeNames).labelled("emotion", emotionNames)
    public static let followEvent = EventKind(id: 7, name: "follow", columns: ["followee", "follow"])
        .labelled("follow", ["unfollow", "follow"])
    public static let likeEvent = EventKind(id: 8, name: "like", columns: ["author"])
    /// A post an LLM user wrote: its text and topic (string ids), and the emotion and attitude it
    /// carries; the `post` event of the same tick and author is the post itself.
    public static let llmPostEvent = EventKind(id: 11, name: "llm_post", columns: ["text", "topic", "emotion", "attitude"],
                                               types: ["text", "text", "i64", "i64"])
        .labelled("attitude", attitudeNames).labelled("emotion", emotionNames)

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
    var batch: [FollowGraph.Change] = []
    /// Likes of each person's latest post, and the tick of that post (−1: none). A like travels as
    /// a `Post` whose `origin` is `UInt32.max` and whose `tick` is that of the post liked; likes
    /// of an older post are dropped. Written in propagate only, so decide may read anyone's.
    let likes: Column<UInt32>
    let lastPostTick: Column<Int32>
    /// Whose post each person liked this tick (UInt32.max: none), for the record phase.
    let liked: Column<UInt32>
    let seeds: Set<Int>
    var last: [Double] = []
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
    /// How many follow each person, kept whole on every process (every process applies every
    /// tick's follow requests to it): what prompts, recommenders and the paradox read. (How many
    /// a person follows is its row of `following`, on its host.)
    let followerCount: Column<UInt32>
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
        for v in graph.rows {
            followerCount[v] = UInt32(graph.degree(v))
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
}
