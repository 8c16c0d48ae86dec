@testable import AgoraLLM
import Foundation
import LLMFixture
import Testing

/// The client against a real HTTP server on loopback, in each of the ways an endpoint misbehaves.
@Suite struct ClientTests {
    static let key = "sk-test-0123456789abcdef"

    static func settings(_ server: LoopbackServer, retries: Int = 3, timeout: Double = 10) -> EndpointSettings {
        var s = EndpointSettings(baseURL: server.baseURL, model: "fixture-model", apiKey: Secret(key))
        s.maxRetries = retries
        s.timeoutSeconds = timeout
        s.backoffBaseSeconds = 0.01
        s.backoffMaxSeconds = 0.05
        return s
    }

    static let hold = ToolSpec(name: "hold", description: "Do nothing this time.", parameters: ["type": "object", "properties": [:]])

    static func request(_ text: String = "What now?") -> ChatRequest {
        ChatRequest(model: "fixture-model", messages: [ChatMessage(.system, "You trade."), ChatMessage(.user, text)], tools: [hold],
                    sampling: Sampling(temperature: 0.2, maxTokens: 64, seed: 7))
    }

    @Test func aToolCallComesBackWithItsTokensAndTheRequestSaysWhatItShould() throws {
        let server = try LoopbackServer { _ in .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}")) }
        defer { server.stop() }
        let client = LLMClient(settings: Self.settings(server))
        let outcome = client.run([Self.request()])[0]
        let answer = try #require(outcome.answer)
        #expect(answer.toolCalls == [ToolCall(id: "call_1", name: "hold", arguments: "{}")])
        #expect(answer.promptTokens == 120 && answer.completionTokens == 18 && outcome.attempts == 1)
        let seen = try #require(server.requests.first)
        #expect(seen.method == "POST" && seen.path == "/v1/chat/completions")
        #expect(seen.headers["authorization"] == "Bearer \(Self.key)")
        let body = try #require(OpenAIFixture.body(seen))
        #expect(body["model"] == "fixture-model" && body["tool_choice"] == "auto" && body["seed"] == 7)
        #expect(body["messages"]?.array?.count == 2 && body["tools"]?.array?.first?["function"]?["name"] == "hold")
        let stats = client.stats
        #expect(stats.requests == 1 && stats.succeeded == 1 && stats.promptTokens == 120 && stats.completionTokens == 18)
    }

    @Test func aSlowServerTimesOutAndIsRetriedThenGivenUp() throws {
        let server = try LoopbackServer { _ in .respond(status: 200, body: OpenAIFixture.prose("late"), delay: 3) }
        defer { server.stop() }
        let outcome = LLMClient(settings: Self.settings(server, retries: 1, timeout: 0.3)).run([Self.request()])[0]
        #expect(outcome.answer == nil && outcome.failure == .timeout && outcome.attempts == 2)
    }

    @Test func retryAfterIsHonouredOn429() throws {
        let calls = CallCounter()
        let server = try LoopbackServer { _ in
            calls.next() == 1 ? .respond(status: 429, headers: ["Retry-After": "1"], body: Data("{\"error\": \"slow down\"}".utf8))
                              : .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
        }
        defer { server.stop() }
        let client = LLMClient(settings: Self.settings(server))
        let start = Date()
        let outcome = client.run([Self.request()])[0]
        #expect(outcome.answer != nil && outcome.attempts == 2)
        #expect(Date().timeIntervalSince(start) >= 0.95, "the retry waited for Retry-After")
        #expect(client.stats.rateLimited == 1 && client.stats.retries == 1)
    }

    @Test func serverErrorsAndDroppedConnectionsAreRetried() throws {
        let calls = CallCounter()
        let server = try LoopbackServer { _ in
            switch calls.next() {
            case 1: return .respond(status: 500, body: Data("oops".utf8))
            case 2: return .drop
            default: return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
            }
        }
        defer { server.stop() }
        let client = LLMClient(settings: Self.settings(server))
        let outcome = client.run([Self.request()])[0]
        #expect(outcome.answer != nil && outcome.attempts == 3 && client.stats.retries == 2)
    }

    @Test func malformedJSONProseAndBadArgumentsAreAnswersOrFailuresNotCrashes() throws {
        let server = try LoopbackServer { request in
            let text = OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? ""
            switch text {
            case "malformed": return .respond(status: 200, body: Data("{\"choices\": [".utf8))
            case "prose": return .respond(status: 200, body: OpenAIFixture.prose("I would buy, probably."))
            case "bad": return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: "{\"side\": 12"))
            default: return .respond(status: 401, body: Data("{\"error\": \"bad key\"}".utf8))
            }
        }
        defer { server.stop() }
        let client = LLMClient(settings: Self.settings(server))
        let out = client.run(["malformed", "prose", "bad", "unauthorized"].map { Self.request($0) })
        if case .malformed? = out[0].failure {} else { Issue.record("malformed: \(String(describing: out[0].failure))") }
        #expect(out[0].attempts == 1 && out[0].rawBody == "{\"choices\": [")
        #expect(out[1].answer?.content == "I would buy, probably." && out[1].answer?.toolCalls.isEmpty == true)
        #expect(out[2].answer?.toolCalls.first?.arguments == "{\"side\": 12")
        #expect(out[3].failure == .http(status: 401) && out[3].attempts == 1, "a refused request is not retried")
        #expect(client.stats.failures == ["malformed": 1, "http": 1] && client.stats.succeeded == 2)
    }

    @Test func theBreakerStopsCallingADeadEndpoint() throws {
        let server = try LoopbackServer { _ in .respond(status: 503, body: Data()) }
        defer { server.stop() }
        // A generous timeout: on a machine loaded by the rest of the suite an answer can be slow,
        // and a timeout is not the 503 this test counts.
        var settings = Self.settings(server, retries: 0, timeout: 120)
        settings.maxConcurrency = 1
        settings.breakerThreshold = 3
        settings.breakerCooldownSeconds = 60
        let client = LLMClient(settings: settings)
        let out = client.run((0..<10).map { Self.request("\($0)") })
        #expect(out.prefix(3).allSatisfy { $0.failure == .http(status: 503) }, "\(out.prefix(3).map { $0.failureText ?? "answered" })")
        #expect(out.dropFirst(3).allSatisfy { $0.failure == .breakerOpen && $0.attempts == 0 })
        #expect(server.requests.count == 3 && client.stats.breakerOpenings == 1)
    }

    /// A server that answers `hold` after `seconds`; `gauge` sees how many requests it holds at
    /// once. With `oneAtATime`, requests wait for each other, as in a single-slot server.
    static func slowServer(_ seconds: Double, oneAtATime: Bool = false, gauge: Gauge) throws -> LoopbackServer {
        let one = NSLock()
        return try LoopbackServer { _ in
            func serve() {
                gauge.enter()
                Thread.sleep(forTimeInterval: seconds)
                gauge.leave()
            }
            if oneAtATime { one.withLock(serve) } else { serve() }
            return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
        }
    }

    /// `questions` questions at once through a client allowed `maxConcurrency` in flight.
    static func ask(_ server: LoopbackServer, questions: Int, maxConcurrency: Int) -> (LLMClient, [LLMOutcome]) {
        var settings = Self.settings(server)
        settings.maxConcurrency = maxConcurrency
        let client = LLMClient(settings: settings)
        return (client, client.run((0..<questions).map { Self.request("\($0)") }))
    }

    @Test func concurrencyIsBounded() throws {
        let gauge = Gauge()
        let server = try Self.slowServer(0.05, gauge: gauge)
        defer { server.stop() }
        let (_, out) = Self.ask(server, questions: 24, maxConcurrency: 3)
        #expect(out.allSatisfy { $0.answer != nil })
        #expect(gauge.peak <= 3 && gauge.peak >= 1)
    }

    @Test func concurrencySettlesAtOneAgainstAServerThatAnswersOneAtATime() throws {
        let gauge = Gauge()
        let server = try Self.slowServer(0.3, oneAtATime: true, gauge: gauge)
        defer { server.stop() }
        let (client, out) = Self.ask(server, questions: 12, maxConcurrency: 8)
        #expect(out.allSatisfy { $0.answer != nil })
        #expect(client.stats.concurrency == 1 && client.stats.concurrencyCeiling == 1, "\(client.stats.concurrency), \(String(describing: client.stats.concurrencyCeiling))")
        // At most one request waited behind another before the client learned.
        let slow = client.stats.latencies.filter { $0 > 0.45 }.count
        #expect(slow <= 2, "\(client.stats.latencies)")
        #expect(gauge.peak == 1, "the server held one request at a time")
    }

    @Test func concurrencyClimbsAgainstAServerWithSlotsToSpare() throws {
        let gauge = Gauge()
        let server = try Self.slowServer(0.1, gauge: gauge)
        defer { server.stop() }
        let (client, out) = Self.ask(server, questions: 40, maxConcurrency: 6)
        #expect(out.allSatisfy { $0.answer != nil })
        #expect(client.stats.concurrency == 6 && client.stats.concurrencyCeiling == nil && gauge.peak >= 4, "\(client.stats.concurrency), peak \(gauge.peak)")
    }

    @Test func theKeyIsNeverPrinted() {
        let s = EndpointSettings(baseURL: URL(string: "http://127.0.0.1:1/v1")!, model: "m", apiKey: Secret(Self.key))
        for text in ["\(s)", String(describing: s), String(reflecting: s), "\(s.apiKey!)"] {
            #expect(!text.contains(Self.key) && !text.contains("0123456789abcdef"), "\(text)")
        }
        var dumped = ""
        dump(s, to: &dumped)
        #expect(!dumped.contains(Self.key))
    }

    @Test func retryAfterReadsSecondsAndDates() {
        #expect(LLMClient.retryAfter("3") == 3 && LLMClient.retryAfter(" 0 ") == 0 && LLMClient.retryAfter("99999") == 99_999, "as asked: the cap is the caller's")
        #expect(LLMClient.retryAfter("-3") == nil && LLMClient.retryAfter("inf") == nil && LLMClient.retryAfter("1e999") == nil)
        #expect(LLMClient.retryAfter("soon") == nil && LLMClient.retryAfter(nil) == nil)
        #expect(LLMClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == 0, "a date in the past: no wait")
    }
}

/// The most handlers running at once.
final class Gauge: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0
    private(set) var peak = 0
    func enter() { lock.withLock { now += 1; peak = max(peak, now) } }
    func leave() { lock.withLock { now -= 1 } }
}

/// Servers as they are: one that refuses `tool_choice: required` (llama-cpp-python answers 500),
/// one that takes only a named function, one that fails with a body saying why.
@Suite struct RealServerTests {
    static func requests(_ n: Int) -> [ChatRequest] {
        (0..<n).map {
            var r = ClientTests.request("question \($0)")
            r.toolChoice = "required"
            return r
        }
    }

    static func choice(_ request: LoopbackServer.Request) -> JSON? { OpenAIFixture.body(request)?["tool_choice"] }

    @Test func aServerThatRefusesRequiredIsAskedWithAutoAndTheClientLearns() throws {
        let server = try LoopbackServer { request in
            guard Self.choice(request) == "auto" else {
                return .respond(status: 500, body: Data(#"{"error": {"message": "tool_choice must be 'auto' or a named function"}}"#.utf8))
            }
            return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
        }
        defer { server.stop() }
        var settings = ClientTests.settings(server, retries: 0)
        settings.maxConcurrency = 1
        let client = LLMClient(settings: settings)
        let first = client.run(Self.requests(3))
        #expect(first.allSatisfy { $0.answer != nil }, "\(first.map(\.failureText))")
        #expect(first[0].attempts == 2 && first[0].firstError?.hasPrefix("HTTP 500 to tool_choice required: {\"error\"") == true)
        #expect(first[1].attempts == 1 && first[1].firstError == nil, "later questions go straight to auto")
        let stats = client.stats
        #expect(stats.toolChoiceFallbacks == ["auto": 1] && stats.settledToolChoice == "auto" && stats.failures.isEmpty)
        #expect(stats.firstError?.contains("must be 'auto' or a named function") == true)
        #expect(server.requests.map { Self.choice($0)?.string ?? "" } == ["required", "auto", "auto", "auto"])
    }

    @Test func aServerThatTakesOnlyANamedFunctionGetsOne() throws {
        let server = try LoopbackServer { request in
            guard Self.choice(request)?["function"]?["name"] == "hold" else {
                return .respond(status: 400, body: Data(#"{"error": "unsupported tool_choice"}"#.utf8))
            }
            return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
        }
        defer { server.stop() }
        let client = LLMClient(settings: ClientTests.settings(server, retries: 0))
        let outcome = client.run(Self.requests(1))[0]
        #expect(outcome.answer != nil && outcome.attempts == 3)
        #expect(client.stats.toolChoiceFallbacks == ["auto": 1, "function": 1] && client.stats.settledToolChoice == "function:hold")
    }

    @Test func aFailureSaysWhatTheServerSaidAndTheBreakerSaysWhyItOpened() throws {
        let server = try LoopbackServer { _ in .respond(status: 500, body: Data("{\"detail\": \"model\ncrashed\"}".utf8)) }
        defer { server.stop() }
        var settings = ClientTests.settings(server, retries: 1)
        settings.breakerThreshold = 2
        settings.maxConcurrency = 1
        let client = LLMClient(settings: settings)
        let outcomes = client.run(Self.requests(3))
        #expect(outcomes[0].failure == .http(status: 500))
        #expect(outcomes[0].failureText == "HTTP 500; first error: HTTP 500: {\"detail\": \"model crashed\"}")
        #expect(outcomes[2].failure == .breakerOpen && outcomes[2].attempts == 0)
        #expect(outcomes[2].failureText?.hasSuffix("first error: the breaker opened after HTTP 500: {\"detail\": \"model crashed\"}") == true,
                "\(outcomes[2].failureText ?? "")")
        #expect(client.stats.firstError == "HTTP 500: {\"detail\": \"model crashed\"}" && client.stats.toolChoiceFallbacks.isEmpty)
    }
}
