/// What an LLM-escalated user of a social network does, once its tool call has been checked.
public enum UserAction: Sendable, Hashable {
    /// A new post: its text and, if given, its topic.
    case post(text: String, topic: String)
    /// Repost or like a post of the user's feed, by the id its prompt showed.
    case repost(post: Int64)
    case like(post: Int64)
    case follow(user: Int)
    case unfollow(user: Int)
    case nothing
}

/// A user's answer: what it does, and how it feels about the news (S3's emotion and attitude),
/// which every tool call carries.
public struct UserDecision: Sendable, Hashable {
    public var action: UserAction
    /// 0 calm, 1 moderate, 2 intense.
    public var emotion: UInt8
    /// −1, 0, +1.
    public var attitude: Int8

    public init(action: UserAction, emotion: UInt8, attitude: Int8) {
        self.action = action
        self.emotion = emotion
        self.attitude = attitude
    }

    /// The tool the decision came from, for the log and counters.
    public var tool: String {
        switch action {
        case .post: return UserTools.createPostName
        case .repost: return UserTools.repost.name
        case .like: return UserTools.like.name
        case .follow: return UserTools.follow.name
        case .unfollow: return UserTools.unfollow.name
        case .nothing: return UserTools.doNothing.name
        }
    }
}

/// The tools of a network user, after OASIS's actions and S3's states: post, repost, like, follow,
/// unfollow or do nothing — each with the user's emotion and attitude in the same call.
public enum UserTools {
    /// S3's emotion levels, in order (their index is the model's emotion).
    public static let emotions = ["calm", "moderate", "intense"]

    /// The parameters every user tool takes besides its own.
    static func parameters(_ own: [(String, JSON)], required: [String]) -> JSON {
        let feeling: [(String, JSON)] = [
            ("emotion", ["type": "string", "enum": .array(emotions.map { .string($0) }),
                         "description": "How stirred you are by what you read now."]),
            ("attitude", ["type": "integer", "enum": [-1, 0, 1],
                          "description": "Your attitude to the news now: -1 against, 0 neutral, +1 for."]),
        ]
        return [
            "type": "object",
            "properties": .object(own + feeling),
            "required": .array((required + ["emotion", "attitude"]).map { .string($0) }),
            "additionalProperties": false,
        ]
    }

    /// `maxText`: the longest post text allowed, in characters (the schema says so).
    public static func createPost(maxText: Int) -> ToolSpec {
        ToolSpec(name: createPostName, description: "Write a post; everyone who follows you will see it.",
                 parameters: parameters([("text", ["type": "string", "minLength": 1, "maxLength": .int(Int64(maxText))]),
                                         ("topic", ["type": "string", "maxLength": 80])], required: ["text"]))
    }
    /// `create_post`: its schema carries the scenario's text limit, so it is made per limit.
    public static let createPostName = "create_post"
    public static let repost = ToolSpec(
        name: "repost", description: "Share a post of your feed, by its id, with the people who follow you.",
        parameters: parameters([("post_id", ["type": "integer", "minimum": 0])], required: ["post_id"]))
    public static let like = ToolSpec(
        name: "like", description: "Like a post of your feed, by its id.",
        parameters: parameters([("post_id", ["type": "integer", "minimum": 0])], required: ["post_id"]))
    public static let follow = ToolSpec(
        name: "follow", description: "Follow a user, by id, to see their posts.",
        parameters: parameters([("user_id", ["type": "integer", "minimum": 0])], required: ["user_id"]))
    public static let unfollow = ToolSpec(
        name: "unfollow", description: "Stop following a user, by id.",
        parameters: parameters([("user_id", ["type": "integer", "minimum": 0])], required: ["user_id"]))
    public static let doNothing = ToolSpec(
        name: "do_nothing", description: "Do nothing this time.", parameters: parameters([], required: []))

    /// Every user tool, in the order offered; `create_post` with the scenario's text limit.
    public static func all(maxText: Int = 1_000) -> [ToolSpec] {
        [createPost(maxText: maxText), repost, like, follow, unfollow, doNothing]
    }

    /// Reads the answer's first tool call into a decision: the tool must be offered, the arguments
    /// must fit its schema, and a post's text must be at most `maxText` characters (else the
    /// fallback `too_long`). Whether the ids name a post of the feed or a user that exists is the
    /// caller's to check.
    public static func decision(from answer: ChatAnswer, offered: [ToolSpec], maxText: Int) -> Result<UserDecision, ToolRejection> {
        func precheck(_ tool: ToolSpec, _ args: JSON) -> ToolRejection? {
            guard tool.name == createPostName, let text = args["text"]?.string, text.count > maxText else { return nil }
            return ToolRejection(.tooLong, "arguments.text: \(text.count) characters, more than the \(maxText) allowed")
        }
        let tool: ToolSpec, args: JSON
        switch ToolAnswers.call(in: answer, offered: offered, precheck: precheck) {
        case .success(let c): (tool, args) = c
        case .failure(let r): return .failure(r)
        }
        let emotion = UInt8(emotions.firstIndex(of: args["emotion"]?.string ?? "") ?? 0)
        let attitude = Int8(args["attitude"]?.integer ?? 0)
        let action: UserAction
        switch tool.name {
        case createPostName: action = .post(text: args["text"]?.string ?? "", topic: args["topic"]?.string ?? "")
        case repost.name: action = .repost(post: args["post_id"]?.integer ?? 0)
        case like.name: action = .like(post: args["post_id"]?.integer ?? 0)
        case follow.name: action = .follow(user: Int(clamping: args["user_id"]?.integer ?? 0))
        case unfollow.name: action = .unfollow(user: Int(clamping: args["user_id"]?.integer ?? 0))
        default: action = .nothing
        }
        return .success(UserDecision(action: action, emotion: emotion, attitude: attitude))
    }
}
