@testable import AgoraLLM
import Foundation
import LLMFixture
import Testing

/// The client against loopback servers that try to leak the key, stall the run or exhaust memory.
@Suite struct HostileEndpointTests {
    static let key = "sk-hostile-5d2e8a01c9f7b364"

    static func settings(_ server: LoopbackServer, retries: Int = 0, timeout: Double = 10) -> EndpointSettings {
        var s = ClientTests.settings(server, retries: retries, timeout: timeout)
        s.apiKey = Secret(key)
        return s
    }

    /// Every text of an outcome that reaches the log, the cache or the notes.
    static func texts(_ o: LLMOutcome) -> [String] {
        [o.rawBody, o.failure?.description ?? "", o.answer?.content ?? ""] + (o.answer?.toolCalls.flatMap { [$0.name, $0.arguments, $0.id] } ?? [])
    }

    @Test func aKeyTheEndpointEchoesIsScrubbedFromEveryTextItSends() throws {
        let server = try LoopbackServer { request in
            let auth = request.headers["authorization"] ?? ""
            let echo = ["X-Echo": auth, "Retry-After": auth, "WWW-Authenticate": auth]
            switch OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? "" {
            case "401":
                return .respond(status: 401, headers: echo, body: Data(#"{"error": {"message": "Incorrect API key provided: \#(auth)"}}"#.utf8))
            case "200 error":
                return .respond(status: 200, headers: echo, body: Data(#"{"error": {"message": "invalid key \#(Self.key)", "api_key": "\#(Self.key)"}}"#.utf8))
            case "429":
                return .respond(status: 429, headers: echo, body: Data(auth.utf8))
            case "arguments":
                return .respond(status: 200, headers: echo, body: OpenAIFixture.toolCall("hold", arguments: #"{"why": "\#(auth)", "k": "\#(Self.key)"}"#))
            default:
                return .respond(status: 200, headers: echo, body: OpenAIFixture.prose("You sent \(auth); api_key=\(Self.key)"))
            }
        }
        defer { server.stop() }
        let client = LLMClient(settings: Self.settings(server))
        let out = client.run(["401", "200 error", "429", "arguments", "prose"].map { ClientTests.request($0) })
        #expect(server.requests.count == 5 && server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.key)" })
        for (i, o) in out.enumerated() {
            for text in Self.texts(o) {
                #expect(!text.contains(Self.key) && !text.contains("5d2e8a01c9f7b364"), "outcome \(i): \(text)")
            }
        }
        #expect(out[0].failure == .http(status: 401) && out[0].rawBody.contains("Incorrect API key provided: Bearer [redacted]"))
        if case .malformed? = out[1].failure {} else { Issue.record("a 200 that is an error: \(String(describing: out[1].failure))") }
        #expect(out[2].failure == .http(status: 429), "a key for Retry-After is no number: the backoff applies")
        // A scrubbed answer still parses: the tool call and the prose come through, without the key.
        #expect(out[3].answer?.toolCalls.first?.name == "hold" && out[3].answer?.toolCalls.first?.arguments.contains("[redacted]") == true)
        #expect(out[4].answer?.content == "You sent Bearer [redacted]; api_key=[redacted]")
    }

    @Test func aRedirectToAnotherHostIsNotFollowedAndTheKeyNeverGoesThere() throws {
        let target = try LoopbackServer(host: "127.0.0.2") { _ in .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}")) }
        defer { target.stop() }
        let server = try LoopbackServer { request in
            let status = OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string == "307" ? 307 : 302
            return .respond(status: status, headers: ["Location": "http://127.0.0.2:\(target.port)/v1/chat/completions"], body: Data())
        }
        defer { server.stop() }
        let client = LLMClient(settings: Self.settings(server, retries: 2))
        let out = client.run(["302", "307", "302 again"].map { ClientTests.request($0) })
        for o in out {
            #expect(o.answer == nil && o.attempts == 1, "a redirect is a failure, not retried")
            if case .redirect(_, let to)? = o.failure { #expect(to == "http://127.0.0.2:\(target.port)") } else {
                Issue.record("not a redirect failure: \(String(describing: o.failure))")
            }
        }
        #expect(target.requests.isEmpty, "the target received \(target.requests.count) requests")
        #expect(client.stats.failures == ["redirect": 3] && server.requests.count == 3)
    }

    @Test func aServerThatTricklesBytesIsCutOffAtTheAttemptsDeadline() throws {
        let server = try LoopbackServer { _ in .trickle(status: 200, body: OpenAIFixture.prose("slowly"), interval: 0.25) }
        defer { server.stop() }
        let client = LLMClient(settings: Self.settings(server, retries: 1, timeout: 0.5))
        let outcome = client.run([ClientTests.request()])[0]
        #expect(outcome.answer == nil && outcome.failure == .timeout && outcome.attempts == 2, "\(outcome)")
        #expect(client.stats.failures == ["timeout": 1])
    }

    @Test func aQuestionEndsAtItsDeadlineWhateverRetriesRemain() throws {
        let server = try LoopbackServer { _ in .respond(status: 503, body: Data()) }
        defer { server.stop() }
        var settings = Self.settings(server, retries: 1_000)
        settings.backoffBaseSeconds = 0.1
        settings.backoffMaxSeconds = 0.1
        settings.breakerThreshold = 1_000_000
        settings.questionDeadlineSeconds = 0.6
        let client = LLMClient(settings: settings)
        let outcome = client.run([ClientTests.request()])[0]
        #expect(outcome.failure == .deadline && outcome.attempts >= 1 && outcome.attempts < 1_000, "\(outcome)")
        #expect(client.stats.failures == ["deadline": 1])
    }

    @Test func aLongRetryAfterIsCutToItsCapAndCounted() throws {
        let calls = CallCounter()
        let server = try LoopbackServer { _ in
            calls.next() == 1 ? .respond(status: 429, headers: ["Retry-After": "600"], body: Data())
                              : .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
        }
        defer { server.stop() }
        var settings = Self.settings(server, retries: 2)
        settings.retryAfterMaxSeconds = 0.2
        let client = LLMClient(settings: settings)
        let outcome = client.run([ClientTests.request()])[0]
        #expect(outcome.answer != nil && outcome.attempts == 2)
        #expect(client.stats.retryAfterCapped == 1 && client.stats.rateLimited == 1)
        // A Retry-After beyond what the question has left ends it at once.
        let never = try LoopbackServer { _ in .respond(status: 429, headers: ["Retry-After": "600"], body: Data()) }
        defer { never.stop() }
        var patient = Self.settings(never, retries: 5)
        patient.retryAfterMaxSeconds = 600
        patient.questionDeadlineSeconds = 5
        let stalled = LLMClient(settings: patient).run([ClientTests.request()])[0]
        #expect(stalled.failure == .deadline && stalled.attempts == 1)
    }

    @Test func aBodyLargerThanTheLimitIsNotReadWithOrWithoutALength() throws {
        let big = Data(repeating: UInt8(ascii: "x"), count: 3 << 20)
        let server = try LoopbackServer { request in
            OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string == "sized"
                ? .respond(status: 200, body: big) : .unsized(status: 200, body: big)
        }
        defer { server.stop() }
        var settings = Self.settings(server, retries: 2)
        settings.maxResponseBytes = 1 << 20
        let client = LLMClient(settings: settings)
        let out = client.run([ClientTests.request("sized"), ClientTests.request("unsized")])
        for o in out {
            #expect(o.failure == .tooLarge(limit: 1 << 20) && o.rawBody.isEmpty && o.attempts == 1, "\(o.failure.map { "\($0)" } ?? "answer")")
        }
        #expect(client.stats.failures == ["too_large": 2])
        // Within the limit, the same body without a length is read whole.
        let small = try LoopbackServer { _ in .unsized(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}")) }
        defer { small.stop() }
        #expect(LLMClient(settings: Self.settings(small)).run([ClientTests.request()])[0].answer?.toolCalls.first?.name == "hold")
    }

    @Test func absurdTokenCountsAreHeldToTheirRange() throws {
        let body = #"{"choices": [{"message": {"role": "assistant", "content": "hi"}}], "usage": {"prompt_tokens": -1e18, "completion_tokens": 1e300}}"#
        let server = try LoopbackServer { _ in .respond(status: 200, body: Data(body.utf8)) }
        defer { server.stop() }
        let client = LLMClient(settings: Self.settings(server))
        let out = client.run((0..<4).map { ClientTests.request("\($0)") })
        #expect(out.allSatisfy { $0.answer?.promptTokens == 0 && $0.answer?.completionTokens == ChatAnswer.maxTokenCount })
        #expect(client.stats.promptTokens == 0 && client.stats.completionTokens == 4 * ChatAnswer.maxTokenCount)
        let nan = try ChatAnswer.parse(Data(#"{"choices": [{"message": {}}], "usage": {"prompt_tokens": "many", "completion_tokens": 12.7}}"#.utf8))
        #expect(nan.promptTokens == 0 && nan.completionTokens == 12)
        #expect(Int.max.addingSaturated(1) == .max && Int.min.addingSaturated(-1) == .min && 2.addingSaturated(3) == 5)
    }
}

/// The redactor on its own: what it takes out, and what it leaves alone.
@Suite struct RedactorTests {
    @Test func keysAndKeyShapedTokensAreTakenOutAndJSONStillParses() throws {
        let r = Redactor(secrets: [Secret("my-own-secret-value")])
        #expect(r.scrub("x my-own-secret-value y") == "x [redacted] y")
        #expect(r.scrub("Authorization: Bearer abc.DEF-123_xyz") == "Authorization: Bearer [redacted]")
        #expect(r.scrub("key sk-proj-AbC123dEf456") == "key [redacted]")
        #expect(r.scrub("?api_key=hunter22&x=1") == "?api_key=[redacted]&x=1")
        #expect(r.scrub("x-api-key: zzzz9999") == "x-api-key: [redacted]")
        let json = #"{"api_key": "abcd1234", "m": "Bearer sk-live-0000aaaa", "n": 3}"#
        let scrubbed = r.scrub(json)
        #expect(!scrubbed.contains("abcd1234") && !scrubbed.contains("0000aaaa"))
        #expect(try JSON.parse(scrubbed)["n"] == 3, "\(scrubbed)")
        // Prose and prices are left as they are, and scrubbing twice changes nothing more.
        for plain in ["buy 20 at 10_050", "the risk-free rate", "sk-8", "desk-top", "{\"side\": \"buy\"}", "sk-learning",
                      "llm.endpoint.api_key: keys do not belong in scenario files", "Bearer tokens", "--set x.api_key=<redacted>"] { #expect(r.scrub(plain) == plain) }
        #expect(r.scrub(scrubbed) == scrubbed)
        #expect(Redactor().finds(in: "Bearer abcdef12") && !Redactor().finds(in: "nothing here"))
    }
}
