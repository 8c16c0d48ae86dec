@testable import AgoraLLM
import Foundation
import LLMFixture
import Testing

@Suite struct ActionModuleTests {
    static func answer(_ tool: String, _ arguments: String) -> ChatAnswer {
        ChatAnswer(content: nil, toolCalls: [ToolCall(id: "c", name: tool, arguments: arguments)], finishReason: "tool_calls",
                   promptTokens: 1, completionTokens: 1)
    }

    static func decide(_ tool: String, _ arguments: String, social: Bool = true) -> Result<TraderDecision, ToolRejection> {
        TraderTools.decision(from: answer(tool, arguments), offered: TraderTools.offered(social: social))
    }

    @Test func wellFormedCallsBecomeDecisions() throws {
        #expect(try Self.decide("place_order", #"{"side": "buy", "order_type": "limit", "price": 9950, "quantity": 10}"#).get()
                == .order(buy: true, limit: 9950, quantity: 10))
        #expect(try Self.decide("place_order", #"{"side": "sell", "order_type": "market", "quantity": 3}"#).get()
                == .order(buy: false, limit: nil, quantity: 3))
        #expect(try Self.decide("hold", "").get() == .hold)
        #expect(try Self.decide("cancel_orders", "{}").get() == .cancel)
        #expect(try Self.decide("post", #"{"stance": "bearish", "text": "rates!"}"#).get() == .post(bullish: false))
        #expect(try Self.decide("follow", #"{"agent": 42}"#).get() == .follow(agent: 42))
    }

    @Test func everythingElseFallsBackWithAReason() {
        func reason(_ r: Result<TraderDecision, ToolRejection>) -> Fallback? {
            if case .failure(let e) = r { return e.reason }
            return nil
        }
        #expect(reason(Self.decide("buy_everything", "{}")) == .unknownTool)
        #expect(reason(Self.decide("post", #"{"stance": "bullish"}"#, social: false)) == .unknownTool, "no posting without a network")
        #expect(reason(Self.decide("place_order", #"{"side": "buy""#)) == .invalidArguments)
        #expect(reason(Self.decide("place_order", #"{"side": "long", "order_type": "limit", "price": 1, "quantity": 1}"#)) == .invalidArguments)
        #expect(reason(Self.decide("place_order", #"{"side": "buy", "order_type": "limit", "quantity": 1}"#)) == .invalidArguments)
        #expect(reason(Self.decide("place_order", #"{"side": "buy", "order_type": "market", "quantity": 0}"#)) == .invalidArguments)
        #expect(reason(Self.decide("place_order", #"{"side": "buy", "order_type": "market", "quantity": "ten"}"#)) == .invalidArguments)
        #expect(reason(Self.decide("hold", #"{"why": "because"}"#)) == .invalidArguments)
        let prose = ChatAnswer(content: "I'd buy.", toolCalls: [], finishReason: "stop", promptTokens: 1, completionTokens: 1)
        #expect(reason(TraderTools.decision(from: prose, offered: TraderTools.offered(social: false))) == .noToolCall)
    }

    @Test func schemaProblemsNameThePath() {
        let problems = SchemaCheck.problems(try! JSON.parse(#"{"side": 3, "extra": 1}"#), against: TraderTools.placeOrder.parameters)
        #expect(problems.contains("arguments.side: expected string, got an integer"))
        #expect(problems.contains("arguments.extra: not a parameter of this tool"))
        #expect(problems.contains("arguments.quantity: missing"))
    }
}

/// The network users' tools: each one's schema, and every way an answer to them is wrong.
@Suite struct UserToolTests {
    static func decide(_ tool: String, _ arguments: String, maxText: Int = 20, offered: [ToolSpec] = UserTools.all(maxText: 20))
        -> Result<UserDecision, ToolRejection> {
        UserTools.decision(from: ActionModuleTests.answer(tool, arguments), offered: offered, maxText: maxText)
    }

    static func reason(_ r: Result<UserDecision, ToolRejection>) -> Fallback? {
        if case .failure(let e) = r { return e.reason }
        return nil
    }

    @Test func everyToolTakesItsArgumentsAndTheUsersFeelings() throws {
        let feel = #""emotion": "intense", "attitude": -1"#
        #expect(try Self.decide("create_post", #"{"text": "hello", "topic": "rates", "#  + feel + "}").get()
                == UserDecision(action: .post(text: "hello", topic: "rates"), emotion: 2, attitude: -1))
        #expect(try Self.decide("create_post", #"{"text": "hi", "emotion": "calm", "attitude": 0}"#).get().action == .post(text: "hi", topic: ""))
        #expect(try Self.decide("repost", #"{"post_id": 4812, "#  + feel + "}").get().action == .repost(post: 4812))
        #expect(try Self.decide("like", #"{"post_id": 7, "emotion": "moderate", "attitude": 1}"#).get()
                == UserDecision(action: .like(post: 7), emotion: 1, attitude: 1))
        #expect(try Self.decide("follow", #"{"user_id": 12, "#  + feel + "}").get().action == .follow(user: 12))
        #expect(try Self.decide("unfollow", #"{"user_id": 3, "#  + feel + "}").get().action == .unfollow(user: 3))
        #expect(try Self.decide("do_nothing", "{" + feel + "}").get().action == .nothing)
        // Each tool's schema asks for the feelings, and nothing else besides its own parameters.
        for tool in UserTools.all() {
            let required = tool.parameters["required"]?.array?.compactMap(\.string) ?? []
            #expect(required.contains("emotion") && required.contains("attitude"), "\(tool.name)")
            #expect(tool.parameters["additionalProperties"] == .bool(false))
        }
        #expect(UserTools.all(maxText: 77)[0].parameters["properties"]?["text"]?["maxLength"] == .int(77))
    }

    @Test func everythingElseFallsBackWithItsReason() {
        let feel = #", "emotion": "calm", "attitude": 0}"#
        #expect(Self.reason(Self.decide("create_post", #"{"text": "twenty-one characters""# + feel)) == .tooLong)
        #expect(Self.reason(Self.decide("create_post", #"{"text": "twenty characters!!!""# + feel)) == nil)
        #expect(Self.reason(Self.decide("create_post", #"{"text": """# + feel)) == .invalidArguments, "an empty post")
        #expect(Self.reason(Self.decide("do_nothing", #"{"emotion": "furious", "attitude": 0}"#)) == .invalidArguments)
        #expect(Self.reason(Self.decide("do_nothing", #"{"emotion": "calm", "attitude": 2}"#)) == .invalidArguments)
        #expect(Self.reason(Self.decide("do_nothing", #"{"emotion": "calm"}"#)) == .invalidArguments, "attitude missing")
        #expect(Self.reason(Self.decide("like", #"{"post_id": "the first""# + feel)) == .invalidArguments)
        #expect(Self.reason(Self.decide("follow", #"{"user_id": -4""# + feel)) == .invalidArguments)
        #expect(Self.reason(Self.decide("follow", #"{"user_id": 4, "why": "x""# + feel)) == .invalidArguments)
        #expect(Self.reason(Self.decide("place_order", "{}")) == .unknownTool)
        #expect(Self.reason(Self.decide("repost", #"{"post_id": 1""# + feel, offered: [UserTools.like])) == .unknownTool, "not offered")
        let prose = ChatAnswer(content: "Maybe later.", toolCalls: [], finishReason: "stop", promptTokens: 1, completionTokens: 1)
        #expect(Self.reason(UserTools.decision(from: prose, offered: UserTools.all(), maxText: 10)) == .noToolCall)
    }
}

@Suite struct PersonaTests {
    static let personas = Personas(attributes: [
        ("age", .uniform(min: 20, max: 70, integer: true)),
        ("risk", .choice(["low", "medium", "high"], weights: [0.2, 0.5, 0.3])),
        ("wealth", .lognormal(mu: 11, sigma: 0.5)),
    ], template: "You are {age}, with {risk} risk appetite and {wealth} in savings.", seed: 9)

    @Test func attributesFollowTheirDistributionsAndTheSeed() {
        let ages = (0..<20_000).map { Int(Self.personas.value(agent: $0, "age")!)! }
        #expect(ages.min()! == 20 && ages.max()! == 70)
        let risks = (0..<20_000).map { Self.personas.value(agent: $0, "risk")! }
        let medium = Double(risks.filter { $0 == "medium" }.count) / 20_000
        #expect(abs(medium - 0.5) < 0.02)
        let profile = Self.personas.profile(agent: 7)
        #expect(profile.hasPrefix("You are ") && !profile.contains("{") && profile == Self.personas.profile(agent: 7))
        let other = Personas(attributes: Self.personas.attributes, template: Self.personas.template, seed: 10)
        #expect((0..<50).contains { other.profile(agent: $0) != Self.personas.profile(agent: $0) }, "another seed, other people")
        #expect(Personas.placeholders(Self.personas.template) == ["age", "risk", "wealth"])
    }

    @Test func theArticleBeforeAPlaceholderFollowsItsValue() {
        let p = Personas(attributes: [("risk", .choice(["aggressive", "cautious", "unique", "honest", "one-off"], weights: [])),
                                      ("age", .uniform(min: 8, max: 90, integer: true))],
                         template: "A {risk} trader, a {age}-year-old with an {risk} streak; {unknown} stays; data {risk}.", seed: 3)
        var seen: Set<String> = []
        for agent in 0..<400 {
            let text = p.profile(agent: agent)
            let risk = p.value(agent: agent, "risk")!, age = p.value(agent: agent, "age")!
            let an = ["aggressive", "honest"].contains(risk)
            let anAge = age.hasPrefix("8") || age == "11" || age == "18"
            #expect(text == "\(an ? "An" : "A") \(risk) trader, \(anAge ? "an" : "a") \(age)-year-old with \(an ? "an" : "a") \(risk) streak; "
                    + "{unknown} stays; data \(risk).", "\(text)")
            seen.insert(risk)
        }
        #expect(seen.count == 5)
    }
}

@Suite struct AnswerSourceTests {
    final class MemoryCache: ResponseCache, @unchecked Sendable {
        let lock = NSLock()
        var stored: [Int64: String] = [:]
        func lookup(_ key: Int64) -> String? { lock.withLock { stored[key] } }
        func store(_ key: Int64, request: String, response: String) { lock.withLock { stored[key] = response } }
    }

    static func asks(_ tick: Int, _ texts: [String], endpoint: String = "e") -> [LLMAsk] {
        texts.enumerated().map { LLMAsk(tick: tick, index: $0, request: ClientTests.request($1), endpoint: endpoint) }
    }

    @Test func aLiveEndpointAnswersInOrderAndTheCacheAnswersRepeats() throws {
        let server = try LoopbackServer { request in
            let text = OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? ""
            return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}", promptTokens: text.count), delay: text == "a" ? 0.2 : 0)
        }
        defer { server.stop() }
        let cache = MemoryCache()
        let live = LiveEndpoint(client: LLMClient(settings: ClientTests.settings(server)), cache: cache)
        live.ask(Self.asks(3, ["a", "bb", "ccc"]))
        live.ask(Self.asks(4, ["dddd"]))
        let third = live.answers(askedAt: 3)
        #expect(third.map { $0.answer?.promptTokens } == [1, 2, 3], "answers come back in the order asked")
        #expect(third.allSatisfy { $0.source == .endpoint && $0.attempts == 1 })
        #expect(live.answers(askedAt: 4).first?.answer?.promptTokens == 4)
        #expect(cache.stored.count == 4)
        live.ask(Self.asks(5, ["bb", "new"]))
        let fifth = live.answers(askedAt: 5)
        #expect(fifth.map(\.source) == [.cache, .endpoint] && server.requests.count == 5)
    }

    @Test func recordedAnswersNeedNoNetworkAndNoticeADivergence() {
        let asks = Self.asks(2, ["x", "y"])
        let body = String(decoding: OpenAIFixture.toolCall("hold", arguments: "{}"), as: UTF8.self)
        let source = RecordedAnswers([2: [(asks[0].key, .recorded(raw: body, failure: nil, attempts: 1, milliseconds: 12, source: .endpoint)),
                                          (asks[1].key, .recorded(raw: "", failure: "timed out", attempts: 5, milliseconds: 3000, source: .endpoint))]])
        source.ask(asks)
        let replies = source.answers(askedAt: 2)
        #expect(replies[0].answer?.toolCalls.first?.name == "hold" && replies[0].milliseconds == 12)
        #expect(replies[1].answer == nil && replies[1].failure == "timed out" && source.mismatches == 0)
        source.ask(Self.asks(2, ["x", "z"]))
        let diverged = source.answers(askedAt: 2)
        #expect(diverged[1].failure == "not in the recording" && source.mismatches == 1)
    }

    @Test func withNoEndpointEveryQuestionIsAnsweredAtOnceWithNothing() {
        let none = NoEndpoint()
        none.ask(Self.asks(1, ["a", "b"]))
        #expect(none.answers(askedAt: 1).map(\.failure) == ["no endpoint", "no endpoint"])
        #expect(none.answers(askedAt: 1).isEmpty)
    }
}
