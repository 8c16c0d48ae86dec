import AgoraCore
import AgoraLLM
import Foundation

/// A network user's side of the fixture endpoint: it reads the prompt a user was shown (the post
/// ids of its feed, the people it might follow) and answers with the users' tools — well, or in
/// each of the ways an answer can be wrong.
public enum UserFixture {
    /// A completion calling user tool `tool` with `arguments` and the user's feelings.
    public static func call(_ tool: String, _ arguments: [(String, JSON)] = [], emotion: String = "moderate", attitude: Int = 0) -> Data {
        let args: JSON = .object(arguments + [("emotion", .string(emotion)), ("attitude", .int(Int64(attitude)))])
        return OpenAIFixture.toolCall(tool, arguments: args.rendered)
    }

    /// The prompt's user message.
    public static func prompt(_ request: LoopbackServer.Request) -> String {
        OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? ""
    }

    /// The ids of the posts of the prompt's feed, newest first.
    public static func postIDs(in prompt: String) -> [Int64] {
        prompt.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("- post ") else { return nil }
            return Int64(line.dropFirst(7).prefix { $0.isNumber })
        }
    }

    /// The id of the user the prompt was written for.
    public static func user(in prompt: String) -> Int? {
        guard let r = prompt.range(of: "You are user ") else { return nil }
        return Int(prompt[r.upperBound...].prefix { $0.isNumber })
    }

    /// The people the prompt suggests following.
    public static func candidates(in prompt: String) -> [Int] {
        guard let line = prompt.split(separator: "\n").first(where: { $0.hasPrefix("Users you might follow: ") }) else { return [] }
        return line.components(separatedBy: "user ").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    /// Text with everything a page or a log must survive: markup, quotes, a backslash, control
    /// characters, a tab, a newline and non-ASCII.
    public static let hostileText = "<script>alert('x')</script> & \"quoted\" \\ \u{1}\u{7}\t\nnaïve — 💥 </p>"

    /// What the scripted user does, by the prompt's hash (`kinds` of them, in this order).
    public enum Behaviour: Int, CaseIterable, Sendable {
        case post, repost, like, follow, unfollowNobody, likeAPostNotInTheFeed, tooLong, badEmotion, prose, nothing
    }

    /// A handler answering every user prompt by its behaviour; `maxText` is the scenario's limit.
    public static func handler(maxText: Int = 1_000) -> @Sendable (LoopbackServer.Request) -> LoopbackServer.Reply {
        { request in .respond(status: 200, body: answer(prompt(request), maxText: maxText)) }
    }

    public static func behaviour(of prompt: String) -> Behaviour {
        Behaviour(rawValue: Int(UInt64(bitPattern: textHash(prompt)) % UInt64(Behaviour.allCases.count)))!
    }

    public static func answer(_ prompt: String, maxText: Int) -> Data {
        let posts = postIDs(in: prompt), people = candidates(in: prompt)
        switch behaviour(of: prompt) {
        case .post: return call("create_post", [("text", .string(hostileText)), ("topic", "news")], emotion: "intense", attitude: -1)
        case .repost:
            guard let p = posts.first else { return call("do_nothing") }
            return call("repost", [("post_id", .int(p))], attitude: 1)
        case .like:
            guard let p = posts.last else { return call("do_nothing") }
            return call("like", [("post_id", .int(p))], emotion: "calm", attitude: 1)
        case .follow:
            guard let c = people.first else { return call("do_nothing") }
            return call("follow", [("user_id", .int(Int64(c)))])
        case .unfollowNobody: return call("unfollow", [("user_id", 99_999_999)])
        case .likeAPostNotInTheFeed: return call("like", [("post_id", 7)])
        case .tooLong: return call("create_post", [("text", .string(String(repeating: "a", count: maxText + 1)))])
        case .badEmotion: return call("do_nothing", emotion: "furious")
        case .prose: return OpenAIFixture.prose("I would rather not say.")
        case .nothing: return call("do_nothing", emotion: "calm")
        }
    }
}
