import AgoraCore
import AgoraEngine
import AgoraLLM

/// What makes a network user an `EscalationSide`: its triggers (news reaching it, new posts in its
/// feed), its prompt (its state, the head of its feed, the news, its followers, people to follow),
/// its tools (`UserTools`), and the checks an answer must pass against what the user was shown.
extension NewsModel: EscalationSide {
    /// A checked answer of a network user, resolved against what it was shown.
    struct Choice: Hashable, Sendable {
        enum Act: Hashable, Sendable {
            /// A post with the text `texts[text]`.
            case post(text: Int32)
            case repost(Post)
            case like(author: UInt32, tick: UInt16)
            case follow(UInt32)
            case unfollow(UInt32)
            case nothing
        }
        var act: Act
        var emotion: UInt8
        var attitude: Int8
    }

    /// What a user's triggers remember: whether it had heard the news, and its feed's count of posts.
    struct Triggers: Sendable {
        var heard = false
        var feedCount: UInt32 = 0
    }
    static var noTriggers: Triggers { Triggers() }
    static var defaultInstructions: String {
        "You are a user of a social network. Decide what to do now by calling exactly one of the tools; "
            + "every tool also asks how you feel (emotion) and where you stand on the news (attitude)."
    }

    func context(of agent: Int) -> Int { 0 }

    func fires(agent: Int, triggers t: inout Triggers, tick: Int, rules: EscalationRules) -> Bool {
        guard let u = views[agent] else { preconditionFailure("no view of escalated user \(agent) this tick") }
        var fire = false
        if rules.onNews, u.heardAt >= 0, !t.heard { fire = true }
        t.heard = u.heardAt >= 0
        if rules.onFollowedPost, u.feedCount != t.feedCount { fire = true }
        t.feedCount = u.feedCount
        return fire
    }

    static let attitudeWords: [Int8: String] = [-1: "against", 0: "neutral", 1: "for"]

    /// What user `v` is shown at the end of `tick`; its bucket is its attitude and whether it has
    /// heard the news.
    func observe(agent v: Int, tick: Int, settings: LLMSettings) -> EscalationObservation {
        let u = views[v]!
        var lines: [String] = []
        lines.append("Tick \(tick). You are user \(v).")
        if u.heardAt >= 0 {
            let side = Self.attitudeWords[params.newsAttitude] ?? "neutral"
            lines.append("You heard the news at tick \(u.heardAt); it came with a \(side) attitude (\(params.newsAttitude)).")
        } else {
            lines.append("You have not heard the news.")
        }
        lines.append("You feel \(UserTools.emotions[Int(min(2, u.emotion))]); your attitude to the news is \(u.attitude) "
                     + "(\(Self.attitudeWords[u.attitude] ?? "neutral")). \(followerCount[v]) users follow you; you follow "
                     + "\(u.following); you have posted \(activity[v]) times.")
        if u.feed.isEmpty {
            lines.append("Your feed is empty.")
        } else {
            lines.append("Your feed, newest first:")
            for p in u.feed { lines.append("- " + describe(p, now: tick)) }
        }
        if !u.candidates.isEmpty {
            let who = u.candidates.map { c -> String in
                var s = "user \(c) (\(followerCount[Int(c)]) followers, \(activity[Int(c)]) posts"
                if let personas = settings.personas, !personas.attributes.isEmpty {
                    s += "; " + personas.attributes(of: Int(c)).map { "\($0.name) \($0.value)" }.joined(separator: ", ")
                }
                return s + ")"
            }
            lines.append("Users you might follow: " + who.joined(separator: "; ") + ".")
        }
        lines.append("Call exactly one tool.")
        let bucket = "\(u.attitude)/" + (u.heardAt >= 0 ? "heard" : "unaware")
        return EscalationObservation(text: lines.joined(separator: "\n"), bucket: bucket)
    }

    /// One post of a feed as a prompt shows it: its id, author, tick, likes, what it reposts, its text.
    func describe(_ p: Post, now: Int) -> String {
        let tick = Self.fullTick(p.tick, now: now)
        var s = "post \(postID(p, now: now)) by user \(p.author) at tick \(tick)"
        if Int(lastPostTick[Int(p.author)]) == tick { s += " (\(likes[Int(p.author)]) likes)" }
        let originTick = Self.fullTick(p.originTick, now: now)
        let original = p.origin == p.author && originTick == tick
        if !original { s += ", reposting user \(p.origin)'s post of tick \(originTick)" }
        if let k = textOfPost[Self.postKey(author: p.origin, tick: originTick)] {
            let text = texts[Int(k)].text
            let quoted = text.count > Self.quotedCharacters ? String(text.prefix(Self.quotedCharacters)) + "…" : text
            s += ": \"" + quoted + "\""
        } else {
            s += ": about the news, attitude \(p.attitude), \(UserTools.emotions[Int(min(2, p.emotion))])"
        }
        return s
    }

    func decision(from answer: ChatAnswer, offered: [ToolSpec], asker: Int, context: Int, settings: LLMSettings)
        -> Result<Choice, ToolRejection> {
        let d: UserDecision
        switch UserTools.decision(from: answer, offered: offered, maxText: settings.maxText) {
        case .success(let x): d = x
        case .failure(let r): return .failure(r)
        }
        let shown = views[asker]?.feed ?? []
        func post(_ id: Int64) -> Post? { shown.first { postID($0, now: currentTick) == id } }
        func user(_ id: Int) -> ToolRejection? {
            id < agentCount ? nil : ToolRejection(.unknownTarget, "there is no user \(id) (users 0..<\(agentCount))")
        }
        let act: Choice.Act
        switch d.action {
        case .post(let text, let topic):
            texts.append((text, topic))
            act = .post(text: Int32(texts.count - 1))
        case .repost(let id):
            guard let p = post(id) else { return .failure(ToolRejection(.unknownTarget, "post \(id) is not in your feed")) }
            act = .repost(p)
        case .like(let id):
            guard let p = post(id) else { return .failure(ToolRejection(.unknownTarget, "post \(id) is not in your feed")) }
            guard Int(p.author) != asker else { return .failure(ToolRejection(.refused, "post \(id) is your own")) }
            act = .like(author: p.author, tick: p.tick)
        case .follow(let id):
            if let r = user(id) { return .failure(r) }
            guard id != asker else { return .failure(ToolRejection(.refused, "you cannot follow yourself")) }
            act = .follow(UInt32(id))
        case .unfollow(let id):
            if let r = user(id) { return .failure(r) }
            act = .unfollow(UInt32(id))
        case .nothing:
            act = .nothing
        }
        return .success(Choice(act: act, emotion: d.emotion, attitude: d.attitude))
    }

    /// A member that posts a text posts it in the coming tick: the text is filed under that post.
    func apply(_ decision: Choice, member m: Int) {
        if case .post(let text) = decision.act { textOfPost[Self.postKey(author: UInt32(m), tick: currentTick + 1)] = text }
    }

    static func save(_ triggers: [Triggers], to w: inout StateWriter) {
        w.write(triggers.map { $0.heard ? Int64(1) : 0 })
        w.write(triggers.map { Int64($0.feedCount) })
    }

    static func loadTriggers(count: Int, from r: inout StateReader) throws(StateReader.Failure) -> [Triggers] {
        let heard = try r.int64s(), feed = try r.int64s()
        guard heard.count == count, feed.count == count else {
            throw StateReader.Failure(description: "LLM state: triggers of \(heard.count) users where \(count) were expected")
        }
        return (0..<count).map { Triggers(heard: heard[$0] != 0, feedCount: UInt32(truncatingIfNeeded: feed[$0])) }
    }

    static func write(_ d: Choice, to w: inout StateWriter) {
        w.write(Int(d.emotion)); w.write(Int(d.attitude))
        switch d.act {
        case .post(let text): w.write(0); w.write(Int(text))
        case .repost(let p):
            w.write(1)
            for x in [Int(p.author), Int(p.origin), Int(p.originTick), Int(p.tick), Int(p.attitude), Int(p.emotion)] { w.write(x) }
        case .like(let author, let tick): w.write(2); w.write(Int(author)); w.write(Int(tick))
        case .follow(let u): w.write(3); w.write(Int(u))
        case .unfollow(let u): w.write(4); w.write(Int(u))
        case .nothing: w.write(5)
        }
    }

    static func readDecision(from r: inout StateReader) throws(StateReader.Failure) -> Choice {
        let emotion = UInt8(truncatingIfNeeded: try r.int()), attitude = Int8(truncatingIfNeeded: try r.int())
        let act: Choice.Act
        switch try r.int() {
        case 0: act = .post(text: Int32(truncatingIfNeeded: try r.int()))
        case 1:
            let x = try (0..<6).map { _ throws(StateReader.Failure) in try r.int() }
            act = .repost(Post(author: UInt32(truncatingIfNeeded: x[0]), origin: UInt32(truncatingIfNeeded: x[1]),
                               originTick: UInt16(truncatingIfNeeded: x[2]), tick: UInt16(truncatingIfNeeded: x[3]),
                               attitude: Int8(truncatingIfNeeded: x[4]), emotion: UInt8(truncatingIfNeeded: x[5])))
        case 2: act = .like(author: UInt32(truncatingIfNeeded: try r.int()), tick: UInt16(truncatingIfNeeded: try r.int()))
        case 3: act = .follow(UInt32(truncatingIfNeeded: try r.int()))
        case 4: act = .unfollow(UInt32(truncatingIfNeeded: try r.int()))
        case 5: act = .nothing
        case let k: throw StateReader.Failure(description: "LLM state: unknown user decision \(k)")
        }
        guard emotion <= 2, (-1...1).contains(attitude) else { throw StateReader.Failure(description: "LLM state: a user decision feels \(emotion), \(attitude)") }
        return Choice(act: act, emotion: emotion, attitude: attitude)
    }
}
