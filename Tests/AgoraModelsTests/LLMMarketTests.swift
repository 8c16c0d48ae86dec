import AgoraCore
import AgoraEngine
import AgoraExchange
import AgoraLLM
@testable import AgoraModels
import Foundation
import LLMFixture
import Testing

/// LLM-escalated traders against a real endpoint on loopback: asking, archetypes, fallbacks,
/// budgets, and replay from the recorded answers.
@Suite struct LLMMarketTests {
    static func settings(_ server: LoopbackServer?) -> LLMSettings {
        var s = LLMSettings()
        if let server {
            var e = EndpointSettings(baseURL: server.baseURL, model: "fixture")
            e.backoffBaseSeconds = 0.01
            e.backoffMaxSeconds = 0.02
            e.maxRetries = 1
            s.endpoint = e
        }
        s.latency = 2
        s.escalation.fraction = 0.05
        s.escalation.every = 10
        s.escalation.onNews = true
        s.escalation.cooldown = 3
        s.personas = Personas(attributes: [("risk", .choice(["low", "high"], weights: [])), ("age", .uniform(min: 20, max: 80, integer: true))],
                              template: "You are {age} with {risk} risk appetite.", seed: 3)
        s.archetypes.by = ["risk"]
        return s
    }

    /// Answers by what the prompt says: sellers when news was heard, else in turn a good order,
    /// prose, bad arguments, a refused price, or a failure.
    static func server() throws -> LoopbackServer {
        try LoopbackServer { request in
            let body = OpenAIFixture.body(request)
            let user = body?["messages"]?.array?.last?["content"]?.string ?? ""
            let h = textHash(user) & 0x7FFF_FFFF
            if user.contains("falls") {
                return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "sell", "order_type": "market", "quantity": 5}"#))
            }
            switch h % 5 {
            case 0: return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "buy", "order_type": "limit", "price": 9990, "quantity": 3}"#))
            case 1: return .respond(status: 200, body: OpenAIFixture.prose("Buy low, sell high."))
            case 2: return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "buy", "quantity": "lots"}"#))
            case 3: return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "buy", "order_type": "limit", "price": 1, "quantity": 3}"#))
            default: return .respond(status: 500, body: Data())
            }
        }
    }

    static func model(_ settings: LLMSettings, answers: (any AnswerSource)? = nil) -> MarketModel {
        MarketModel(spec: marketSpec(), populations: NetworkedMarketTests.traders, seed: 17, llm: settings, answers: answers)
    }

    /// Runs and returns the digest, the model and every `llm` event row (agent, values…).
    static func run(_ model: MarketModel, shards: Int = 2, ticks: Int = 90) -> (String, [[Int64]], [Int64: String]) {
        let sim = Simulation(model: model, shards: shards, threads: 2, logPolicy: .defaults(for: model.eventKinds, seed: 1))
        var rows: [[Int64]] = []
        var strings: [Int64: String] = [:]
        sim.run(ticks: ticks) { r in
            sim.loggedRows(.all) { kind, buffer, width in
                guard kind.id == MarketModel.llmEvent.id else { return }
                for row in stride(from: 0, to: buffer.count, by: width) {
                    let values = Array(buffer[row..<(row + width)])
                    rows.append([Int64(r.tick)] + values)
                    for c in 7...11 { strings[values[c]] = sim.loggedString(values[c]) }
                }
            }
        }
        return (sim.digest.hex, rows, strings)
    }

    @Test func escalatedTradersAskTheirQuestionsAndFallBackWhenTheAnswerIsNoGood() throws {
        let server = try Self.server()
        defer { server.stop() }
        let model = Self.model(Self.settings(server))
        let llm = try #require(model.llm)
        let (_, rows, strings) = Self.run(model)
        let a = llm.accounting
        #expect(llm.escalated.count > 20 && a.questions > 10, "\(llm.escalated.count) escalated, \(a.questions) questions")
        // Columns: tick, agent, asked, index, members, status, source, request, tool, arguments, failure, answer, prompt, …
        let statuses = rows.map { $0[5] }
        func count(_ f: Fallback?) -> Int { statuses.filter { $0 == LLMTraders.statusCode(f) }.count }
        #expect(count(nil) > 0 && count(.noToolCall) > 0 && count(.invalidArguments) > 0 && count(.refused) > 0 && count(.failed) > 0)
        #expect(rows.count == a.questions, "one event per question")
        // Every question was sent, or stopped before it could be, or answered from the cache; only
        // those that came back with a body count as calls, and only their latencies are kept.
        #expect(a.sent + a.neverSent + a.cacheHits == a.questions && server.requests.count >= a.sent)
        #expect(a.calls < a.sent && a.calls == rows.filter { $0[5] != LLMTraders.statusCode(.failed) }.count, "the failed questions are no calls")
        #expect(a.latencies.count == a.calls)
        // The archetype's members: each answer stands for all of them.
        #expect(rows.allSatisfy { $0[4] >= 1 } && rows.contains { $0[4] > 1 })
        #expect(a.decisions == rows.filter { $0[5] == 0 }.reduce(0) { $0 + Int($1[4]) })
        // Answers are applied `latency` ticks after they are asked, and the raw answer is kept.
        #expect(rows.allSatisfy { $0[0] == $0[2] + 1 })
        let refused = try #require(rows.first { $0[5] == LLMTraders.statusCode(.refused) })
        #expect(strings[refused[10]].map { ["band", "tick size", "lot size"].contains(where: $0.contains) } == true, "\(refused)")
        let prose = try #require(rows.first { $0[5] == LLMTraders.statusCode(.noToolCall) })
        #expect(strings[prose[11]]?.contains("Buy low, sell high.") == true)
        #expect(strings[rows[0][12]]?.contains("You are ") == true)
        // In continuous trading a trader sees the best quotes; in a call, where the book may be
        // crossed, the price it would uncross at.
        let prompts = rows.compactMap { strings[$0[12]] ?? nil }
        let calls = prompts.filter { $0.contains("call auction.") }, continuous = prompts.filter { $0.contains("trading continuously") }
        #expect(!continuous.isEmpty && continuous.allSatisfy { $0.contains("Best bid") && !$0.contains("auction price") })
        #expect(calls.allSatisfy { !$0.contains("Best bid") && $0.contains("auction price") }, "\(calls.first ?? "")")
        #expect(a.latencies.count == a.calls && a.tokensIn > 0)
    }

    /// A live run, and its answers as the run log holds them: per tick asked, in order.
    static func recording() throws -> (digest: String, book: [Int: [(key: Int64, reply: LLMReply)]], settings: LLMSettings) {
        let server = try Self.server()
        let settings = Self.settings(server)
        let (digest, rows, strings) = Self.run(Self.model(settings), shards: 3)
        server.stop()
        var book: [Int: [(key: Int64, reply: LLMReply)]] = [:]
        for row in rows.sorted(by: { ($0[2], $0[3]) < ($1[2], $1[3]) }) where row[3] >= 0 {
            let failure = strings[row[10]] ?? ""
            let source = LLMReply.Source(rawValue: Int(row[6]))!
            let reply = LLMReply.recorded(raw: strings[row[11]] ?? "", failure: row[5] == LLMTraders.statusCode(.failed) ? failure : nil,
                                          attempts: Int(row[15]), milliseconds: Int(row[16]), source: source)
            book[Int(row[2]), default: []].append((row[7], reply))
        }
        return (digest, book, settings)
    }

    @Test func replayFromTheRecordingNeedsNoServerAndGivesTheSameDigest() throws {
        let (digest, book, settings) = try Self.recording()
        let recorded = RecordedAnswers(book)
        // The same scenario (its endpoint is gone: nothing is sent).
        let model = Self.model(settings, answers: recorded)
        let replayed = Self.run(model, shards: 1)
        #expect(recorded.mismatches == 0)
        #expect(replayed.0 == digest, "the replay is the run, bit for bit")
        let a = model.llm!.accounting
        #expect(a.replayed == a.sent + a.neverSent + a.cacheHits && a.calls <= a.sent)
    }

    @Test(arguments: [5, 11, 51])
    func aCheckpointHoldsTheQuestionsInFlight(cut: Int) throws {
        let (_, book, settings) = try Self.recording()
        let (a, b) = try checkpointRoundTrip(total: 90, cut: cut, make: {
            Self.model(settings, answers: RecordedAnswers(book))
        }, shards: (2, 3))
        #expect(a == b)
    }

    @Test func withNoEndpointTheRulesDecideAndTheRunSaysSo() throws {
        let model = Self.model(Self.settings(nil))
        let (_, rows, _) = Self.run(model)
        let a = try #require(model.llm).accounting
        #expect(a.questions > 0 && a.calls == 0 && a.decisions == 0)
        #expect(a.fallbacks[.noEndpoint] == rows.reduce(0) { $0 + Int($1[4]) })
        #expect(model.notes.first?.contains("no endpoint") == true)
    }

    @Test func capsAndBudgetsAreKeptAndRecorded() throws {
        var s = Self.settings(nil)
        s.budget.perTick = 1
        s.budget.calls = 4
        let model = Self.model(s)
        let (_, rows, _) = Self.run(model)
        let asked = Dictionary(grouping: rows.filter { $0[3] >= 0 }, by: { $0[2] })
        #expect(asked.values.allSatisfy { $0.count <= 1 } && asked.values.reduce(0) { $0 + $1.count } == 4)
        let a = try #require(model.llm).accounting
        #expect((a.fallbacks[.capped] ?? 0) > 0 && (a.fallbacks[.budget] ?? 0) > 0)
    }
}

/// Each way an endpoint misbehaves: the run completes, and every agent-decision is accounted for.
@Suite struct LLMEndpointFailureTests {
    enum Mode: String, CaseIterable { case slow, rateLimited, serverError, dropped, malformed, invalidArguments, prose }

    static func handler(_ mode: Mode) -> @Sendable (LoopbackServer.Request) -> LoopbackServer.Reply {
        let seen = SeenBodies()
        return { request in
            switch mode {
            case .slow: return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"), delay: 2)
            case .rateLimited:
                // The first attempt of each request is refused, the retry answered.
                return seen.firstTime(request.body) ? .respond(status: 429, headers: ["Retry-After": "0"], body: Data())
                                                    : .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
            case .serverError: return .respond(status: 500, body: Data("{}".utf8))
            case .dropped: return .drop
            case .malformed: return .respond(status: 200, body: Data("{\"choices\": [{\"message\": ".utf8))
            case .invalidArguments: return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": 1}"#))
            case .prose: return .respond(status: 200, body: OpenAIFixture.prose("Hold, I think."))
            }
        }
    }

    @Test(arguments: Mode.allCases)
    func theRunCompletesWithTheRightCounts(mode: Mode) throws {
        let server = try LoopbackServer(handler: Self.handler(mode))
        defer { server.stop() }
        var settings = LLMMarketTests.settings(server)
        // Only the slow server outlasts the timeout (by far: it answers after 2 s).
        settings.endpoint!.timeoutSeconds = mode == .slow ? 0.3 : 30
        settings.endpoint!.maxRetries = mode == .rateLimited ? 2 : 0
        settings.endpoint!.breakerThreshold = 1_000
        settings.latency = 1
        let model = LLMMarketTests.model(settings)
        let sim = Simulation(model: model, shards: 2, threads: 2)
        sim.run(ticks: 45)
        #expect(sim.tick == 45)
        let a = try #require(model.llm).accounting
        let answered = a.decisions + (a.fallbacks[.mixed] ?? 0)
        let byReason = Fallback.allCases.filter { $0 != .capped && $0 != .budget && $0 != .mixed }.reduce(0) { $0 + (a.fallbacks[$1] ?? 0) }
        #expect(a.questions > 0 && answered + byReason == a.covered, "every member of every question is accounted for")
        switch mode {
        case .rateLimited:
            #expect(a.decisions > 0 && a.failures == 0 && a.retries == a.questions, "each question retried once after its 429")
        case .slow, .serverError, .dropped, .malformed:
            #expect(a.failures == a.questions && a.fallbacks[.failed] == a.covered && a.decisions == 0)
        case .invalidArguments:
            #expect(a.fallbacks[.invalidArguments] == a.covered && a.tokensIn > 0)
        case .prose:
            #expect(a.fallbacks[.noToolCall] == a.covered)
        }
    }
}

/// Request bodies a server has seen.
final class SeenBodies: @unchecked Sendable {
    private let lock = NSLock()
    private var bodies: Set<Data> = []
    func firstTime(_ body: Data) -> Bool { lock.withLock { bodies.insert(body).inserted } }
}

/// LLM traders on a network: they post and follow, and a replay from the recording gives the same
/// digest for any shard count.
@Suite struct LLMNetworkTests {
    @Test func postsAndFollowsChangeTheNetworkAndReplayIsShardIndependent() throws {
        let server = try LoopbackServer { request in
            let user = OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? ""
            if let r = user.range(of: "The latest post you read: trader "), let id = Int(user[r.upperBound...].prefix { $0.isNumber }) {
                // Someone it does not follow yet, most likely.
                return .respond(status: 200, body: OpenAIFixture.toolCall("follow", arguments: "{\"agent\": \(id * 7 % 756)}"))
            }
            return .respond(status: 200, body: OpenAIFixture.toolCall("post", arguments: #"{"stance": "bullish", "text": "to the moon"}"#))
        }
        var settings = LLMMarketTests.settings(server)
        settings.escalation.onFollowedPost = true
        settings.archetypes.by = []
        func model(_ answers: (any AnswerSource)? = nil) -> MarketModel {
            var spec = marketSpec()
            spec.news = spec.news.map { var n = $0; n.seeds = 5; return n }
            return MarketModel(spec: spec, populations: NetworkedMarketTests.populations(share: 0.5), seed: 17,
                               network: NetworkedMarketTests.graph, llm: settings, answers: answers)
        }
        let live = model()
        let links = live.feeds!.follows.edgeCount
        let (digest, rows, strings) = LLMMarketTests.run(live, shards: 3, ticks: 80)
        server.stop()
        let tools = rows.filter { $0[5] == 0 }.compactMap { strings[$0[8]] }
        #expect(tools.contains("post") && tools.contains("follow"), "\(Set(tools))")
        #expect(live.feeds!.follows.edgeCount > links, "follows landed")
        var book: [Int: [(key: Int64, reply: LLMReply)]] = [:]
        for row in rows.sorted(by: { ($0[2], $0[3]) < ($1[2], $1[3]) }) where row[3] >= 0 {
            book[Int(row[2]), default: []].append((row[7], .recorded(raw: strings[row[11]] ?? "", failure: nil, attempts: Int(row[15]),
                                                                     milliseconds: Int(row[16]), source: LLMReply.Source(rawValue: Int(row[6]))!)))
        }
        for shards in [1, 4] {
            #expect(LLMMarketTests.run(model(RecordedAnswers(book)), shards: shards, ticks: 80).0 == digest, "shards \(shards)")
        }
    }
}
