import AgoraCore
import AgoraEngine
import AgoraLLM

extension NewsModel.Parameters {
    public static let newsTickParameter = Parameter<Int>("news_tick", .integer(min: 0, max: Int(UInt16.max)), default: 5, "When the news breaks.")
    public static let seedCountParameter = Parameter<Int>("seed_count", .integer(min: 1, max: Int(Int32.max)), default: 20,
                                                          "How many people hear it first.")
    public static let newsAttitudeParameter = Parameter<String>("news_attitude", .choice(["negative", "neutral", "positive"]), default: "negative",
                                                                "The attitude the news carries.")
    public static let feedSizeParameter = Parameter<Int>("feed_size", .integer(min: 1, max: 256), default: 8, "Posts kept in a feed (the most recent).")
    public static let postParameter = Parameter<Double>("post_probability", .probability, default: 0.05,
                                                        "Chance an aware person posts in a tick (×2 when moderate, ×3 when intense).")
    public static let repostParameter = Parameter<Double>("repost_probability", .probability, default: 0.1,
                                                          "Chance to repost the latest post of one's feed instead.")
    public static let contagionParameter = Parameter<Double>("contagion", .probability, default: 0.6,
                                                             "Emotion rises one step with this × the mean emotion of the posts read ÷ 2.")
    public static let decayParameter = Parameter<Double>("decay", .probability, default: 0.2, "Chance that emotion calms one step otherwise.")
    public static let conformityParameter = Parameter<Double>("conformity", .probability, default: 0.3,
                                                              "Chance to move one step toward the attitude of what one read.")
    public static let priorNegativeParameter = Parameter<Double>("prior_negative", .probability, default: 0.3, "Share of people who start negative.")
    public static let priorPositiveParameter = Parameter<Double>("prior_positive", .probability, default: 0.3, "Share of people who start positive.")
    public static let unfollowParameter = Parameter<Double>(
        "unfollow_probability", .probability, default: 0,
        "Chance to unfollow the author of the post at the head of one's feed when it carries the opposite attitude.")
    public static let followParameter = Parameter<Double>(
        "follow_probability", .probability, default: 0,
        "Chance to follow the original author of the post at the head of one's feed when it is a repost.")
    public static let likeParameter = Parameter<Double>("like_probability", .probability, default: 0,
                                                        "Chance to like the newest post read unless it carries the opposite attitude.")
    public static let rankingParameter = Parameter<String>(
        "feed_ranking", .choice(NewsModel.FeedRanking.allCases.map(\.rawValue)), default: "recency",
        "Which post heads a feed (is reposted, followed, unfollowed): the newest, the most liked, the hottest (likes with time decay), "
            + "one at random, or the one whose author's persona is most like one's own (interest; needs llm.personas).")
    public static let recommenderParameter = Parameter<String>(
        "follow_recommender", .choice(FollowRecommender.allCases.map(\.rawValue)), default: "popularity",
        "Whom an LLM user is shown as someone to follow: the most followed, people at random, or nobody.")
    public static let candidateCountParameter = Parameter<Int>("candidates", .integer(min: 0, max: 50), default: 5,
                                                               "How many people to follow an LLM user is shown.")
    public static let attachParameter = Parameter<Double>(
        "attach_probability", .probability, default: 0,
        "Chance per tick to follow someone new, drawn by preferential attachment (attach_by).")
    public static let attachByParameter = Parameter<String>(
        "attach_by", .choice(NewsModel.AttachBy.allCases.map(\.rawValue)), default: "followers",
        "What preferential attachment weighs: followers + 1, or activity (posts made) + 1.")
    public static let paradoxParameter = Parameter<Bool>(
        "paradox_metrics", .flag, default: false,
        "Measure the follow network's friendship paradox every tick (a pass over the follows each tick).")

    /// Every parameter, in the order `agora models` lists them.
    public static var specs: [ParameterSpec] {
        [newsTickParameter.spec, seedCountParameter.spec, newsAttitudeParameter.spec, feedSizeParameter.spec, postParameter.spec,
         repostParameter.spec, contagionParameter.spec, decayParameter.spec, conformityParameter.spec, priorNegativeParameter.spec,
         priorPositiveParameter.spec, unfollowParameter.spec, followParameter.spec, likeParameter.spec, rankingParameter.spec,
         recommenderParameter.spec, candidateCountParameter.spec, attachParameter.spec, attachByParameter.spec, paradoxParameter.spec]
    }

    static let attitudes: [String: Int8] = ["negative": -1, "neutral": 0, "positive": 1]

    /// The parameters of a scenario's population (defaults filled in by the reader).
    public init(_ p: PopulationInput) {
        self.init()
        newsTick = p[Self.newsTickParameter]
        seedCount = p[Self.seedCountParameter]
        newsAttitude = Self.attitudes[p[Self.newsAttitudeParameter]] ?? -1
        feedSize = p[Self.feedSizeParameter]
        postProbability = p[Self.postParameter]
        repostProbability = p[Self.repostParameter]
        contagion = p[Self.contagionParameter]
        decay = p[Self.decayParameter]
        conformity = p[Self.conformityParameter]
        priorNegative = p[Self.priorNegativeParameter]
        priorPositive = p[Self.priorPositiveParameter]
        unfollowProbability = p[Self.unfollowParameter]
        followProbability = p[Self.followParameter]
        likeProbability = p[Self.likeParameter]
        ranking = NewsModel.FeedRanking(rawValue: p[Self.rankingParameter]) ?? .recency
        recommender = FollowRecommender(rawValue: p[Self.recommenderParameter]) ?? .popularity
        candidateCount = p[Self.candidateCountParameter]
        attachProbability = p[Self.attachParameter]
        attachBy = NewsModel.AttachBy(rawValue: p[Self.attachByParameter]) ?? .followers
        paradoxMetrics = p[Self.paradoxParameter]
    }
}

extension NewsModel {
    /// The news model as a scenario names it.
    public static let descriptor: ModelDescriptor = {
        var d = ModelDescriptor(
        name: "news",
        summary: "News spreading on a social network with emotion and attitude, after S3: posts, reposts, feeds.",
        agentKinds: [AgentKindDescriptor(name: "person", summary: "A user with an emotion, an attitude and a feed.", parameters: Parameters.specs)],
        maxPopulations: 1, network: .required, usesExchange: false, usesLLM: true, keepsOwnAgents: true,
        events: [NewsModel.postEvent, NewsModel.stateEvent, NewsModel.followEvent, NewsModel.likeEvent, NewsModel.llmEvent,
                 NewsModel.llmPostEvent],
        build: { (inputs) throws(ModelBuildError) -> any Model in
            let graph = try ModelCatalog.networkOf(inputs)
            let p = Parameters(inputs.population)
            guard p.priorNegative + p.priorPositive <= 1 else {
                throw ModelBuildError(parameter: "prior_positive", "prior_negative + prior_positive must not exceed 1")
            }
            guard p.seedCount <= graph.nodeCount else {
                throw ModelBuildError(parameter: "seed_count", "\(p.seedCount) exceeds the network's \(graph.nodeCount) nodes")
            }
            if p.ranking == .interest && inputs.llm?.personas == nil {
                throw ModelBuildError(parameter: "feed_ranking", "interest ranks posts by how alike their authors' personas are; define llm.personas")
            }
            let seeds = ModelCatalog.sampleDistinct(p.seedCount, from: graph.nodeCount, seed: inputs.seed)
            return NewsModel(graph: graph, params: p, seeds: seeds, seed: inputs.seed, llm: inputs.llm, answers: inputs.answers,
                             hosted: inputs.placement?.agents)
        })
        d.llmTools = UserTools.all().map(\.name)
        d.llmTriggers = ["news", "followed_post"]
        // Feeds and per-person columns; the follow graph and whom each follows copy the network twice.
        d.bytesPerAgent = 200
        d.networkCopies = 3
        return d
    }()
}
