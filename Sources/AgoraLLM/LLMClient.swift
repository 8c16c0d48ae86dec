import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An API key. It prints as `<redacted>` everywhere — string interpolation, `dump`, errors — so it
/// can travel through settings without ever reaching a log, the catalog or the terminal.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
    public var isEmpty: Bool { value.isEmpty }
}

/// Where and how to reach an OpenAI-compatible endpoint, and how hard to try.
public struct EndpointSettings: Sendable, Hashable {
    /// The API root, e.g. `http://127.0.0.1:8000/v1`; requests go to `<base>/chat/completions`.
    public var baseURL: URL
    public var model: String
    public var apiKey: Secret?
    /// Seconds before one attempt is abandoned.
    public var timeoutSeconds: Double = 60
    /// Requests in flight at once.
    public var maxConcurrency: Int = 8
    /// Attempts after the first, for timeouts, dropped connections, 429 and 5xx.
    public var maxRetries: Int = 4
    /// Backoff before retry k (from 1): uniform in [½, 1] × min(max, base × 2^(k−1)) seconds.
    public var backoffBaseSeconds: Double = 0.5
    public var backoffMaxSeconds: Double = 30
    /// Starts at most this many attempts a minute (nil: no limit).
    public var requestsPerMinute: Double?
    /// After this many failed attempts in a row the breaker opens: requests fail at once, without
    /// a call, until `breakerCooldownSeconds` have passed; then one attempt probes the endpoint.
    public var breakerThreshold: Int = 8
    public var breakerCooldownSeconds: Double = 30

    public init(baseURL: URL, model: String, apiKey: Secret? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    var completionsURL: URL { baseURL.appendingPathComponent("chat").appendingPathComponent("completions") }
}

/// Why a request produced no usable answer.
public enum LLMFailure: Sendable, Hashable, CustomStringConvertible {
    /// An HTTP status that is not retried (4xx other than 429), or the last of the retried ones.
    case http(status: Int)
    /// The connection failed or was dropped.
    case transport(String)
    case timeout
    /// A 200 whose body is not a chat completion.
    case malformed(String)
    /// The circuit breaker was open: no call was made.
    case breakerOpen

    public var description: String {
        switch self {
        case .http(let s): return "HTTP \(s)"
        case .transport(let m): return "connection: \(m)"
        case .timeout: return "timed out"
        case .malformed(let m): return "malformed response: \(m)"
        case .breakerOpen: return "endpoint unavailable (circuit breaker open)"
        }
    }

    /// A short stable name, for counters.
    public var kind: String {
        switch self {
        case .http: return "http"
        case .transport: return "transport"
        case .timeout: return "timeout"
        case .malformed: return "malformed"
        case .breakerOpen: return "breaker_open"
        }
    }
}

/// The end of one request: an answer or a failure, after how many attempts and how long.
public struct LLMOutcome: Sendable {
    public var answer: ChatAnswer?
    public var failure: LLMFailure?
    /// The response body of the last attempt, as received (for the record; may be empty).
    public var rawBody: String
    public var attempts: Int
    public var seconds: Double

    public init(answer: ChatAnswer?, failure: LLMFailure?, rawBody: String, attempts: Int, seconds: Double) {
        self.answer = answer
        self.failure = failure
        self.rawBody = rawBody
        self.attempts = attempts
        self.seconds = seconds
    }
}

/// Counts of what the client did, for a run's accounting.
public struct LLMClientStats: Sendable, Hashable {
    public var requests = 0
    public var attempts = 0
    public var retries = 0
    public var rateLimited = 0
    public var succeeded = 0
    public var failures: [String: Int] = [:]
    public var breakerOpenings = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// Seconds per finished request, in the order they finished.
    public var latencies: [Double] = []

    public init() {}
}

/// An OpenAI-compatible chat completions client over URLSession, built to keep a long run alive:
/// bounded concurrency, a request-rate limit, 429 with Retry-After honoured, timeouts, retries
/// with exponential backoff and jitter, and a circuit breaker. Every request ends in an
/// `LLMOutcome`; nothing here throws at the caller or stops a run.
public final class LLMClient: @unchecked Sendable {
    public let settings: EndpointSettings
    private let session: URLSession
    private let lock = NSLock()
    // Guarded by `lock`.
    private var waiting: [(ChatRequest, @Sendable (LLMOutcome) -> Void)] = []
    private var inFlight = 0
    /// No attempt starts before this (a 429's Retry-After, the rate limit).
    private var notBefore = Date.distantPast
    private var nextSlot = Date.distantPast
    private var consecutiveFailures = 0
    private var breakerOpenUntil: Date?
    private var probing = false
    private var counters = LLMClientStats()
    private var random = SystemRandomNumberGenerator()

    public init(settings: EndpointSettings) {
        precondition(settings.maxConcurrency >= 1 && settings.maxRetries >= 0, "bad endpoint settings")
        self.settings = settings
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = settings.timeoutSeconds
        config.timeoutIntervalForResource = settings.timeoutSeconds
        config.httpMaximumConnectionsPerHost = settings.maxConcurrency
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: config)
    }

    deinit {
        // The last release may come from one of the session's own callbacks: invalidate elsewhere.
        let session = self.session
        DispatchQueue.global().async { session.finishTasksAndInvalidate() }
    }

    public var stats: LLMClientStats { lock.withLock { counters } }

    /// Starts `request`; `done` is called once, on some other thread, with its outcome.
    public func submit(_ request: ChatRequest, done: @escaping @Sendable (LLMOutcome) -> Void) {
        lock.withLock {
            counters.requests += 1
            waiting.append((request, done))
        }
        pump()
    }

    /// Runs `requests` and waits for all of them; outcomes in request order.
    public func run(_ requests: [ChatRequest]) -> [LLMOutcome] {
        let results = OutcomeSlots(count: requests.count)
        let group = DispatchGroup()
        for (i, r) in requests.enumerated() {
            group.enter()
            submit(r) { outcome in
                results.set(i, outcome)
                group.leave()
            }
        }
        group.wait()
        return results.all
    }

    /// Starts waiting requests while there is room.
    private func pump() {
        while true {
            let next: (ChatRequest, @Sendable (LLMOutcome) -> Void)? = lock.withLock {
                guard inFlight < settings.maxConcurrency, !waiting.isEmpty else { return nil }
                inFlight += 1
                return waiting.removeFirst()
            }
            guard let (request, done) = next else { return }
            let body = Data(request.body.rendered.utf8)
            attempt(body, number: 1, started: Date()) { [weak self] outcome in
                guard let self else { return done(outcome) }
                self.lock.withLock {
                    self.inFlight -= 1
                    self.counters.latencies.append(outcome.seconds)
                    if let a = outcome.answer {
                        self.counters.succeeded += 1
                        self.counters.promptTokens += a.promptTokens
                        self.counters.completionTokens += a.completionTokens
                    } else if let f = outcome.failure {
                        self.counters.failures[f.kind, default: 0] += 1
                    }
                }
                done(outcome)
                self.pump()
            }
        }
    }

    /// When the next attempt may start, reserving its rate-limit slot; nil when the breaker is open.
    private func reserveStart() -> Date? {
        lock.withLock {
            let now = Date()
            if let until = breakerOpenUntil {
                if now < until || probing { return nil }
                probing = true  // half-open: this attempt probes
            }
            var start = max(now, notBefore)
            if let rpm = settings.requestsPerMinute, rpm > 0 {
                start = max(start, nextSlot)
                nextSlot = start.addingTimeInterval(60 / rpm)
            }
            return start
        }
    }

    private func attempt(_ body: Data, number: Int, started: Date, finish: @escaping @Sendable (LLMOutcome) -> Void) {
        guard let start = reserveStart() else {
            return finish(LLMOutcome(answer: nil, failure: .breakerOpen, rawBody: "", attempts: number - 1,
                                     seconds: Date().timeIntervalSince(started)))
        }
        let delay = start.timeIntervalSinceNow
        let send: @Sendable () -> Void = { [weak self] in
            guard let self else { return }
            var urlRequest = URLRequest(url: self.settings.completionsURL)
            urlRequest.httpMethod = "POST"
            urlRequest.timeoutInterval = self.settings.timeoutSeconds
            urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
            if let key = self.settings.apiKey, !key.isEmpty {
                urlRequest.setValue("Bearer " + key.value, forHTTPHeaderField: "Authorization")
            }
            urlRequest.httpBody = body
            self.lock.withLock { self.counters.attempts += 1 }
            let task = self.session.dataTask(with: urlRequest) { data, response, error in
                self.handle(data: data, response: response, error: error, body: body, number: number, started: started, finish: finish)
            }
            task.resume()
        }
        if delay > 0.0005 {
            DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: send)
        } else {
            send()
        }
    }

    private func handle(data: Data?, response: URLResponse?, error: (any Error)?, body: Data, number: Int, started: Date,
                        finish: @escaping @Sendable (LLMOutcome) -> Void) {
        let raw = data.map { String(decoding: $0, as: UTF8.self) } ?? ""
        func done(_ answer: ChatAnswer?, _ failure: LLMFailure?) {
            finish(LLMOutcome(answer: answer, failure: failure, rawBody: raw, attempts: number, seconds: Date().timeIntervalSince(started)))
        }
        /// Retries after `wait` seconds if attempts remain, else ends with `failure`.
        func retry(_ failure: LLMFailure, after wait: Double? = nil, countsAgainstEndpoint: Bool = true) {
            if countsAgainstEndpoint { noteFailure() } else { lock.withLock { probing = false } }
            guard number <= settings.maxRetries else { return done(nil, failure) }
            let pause = wait ?? backoff(number)
            lock.withLock {
                counters.retries += 1
                if let wait { notBefore = max(notBefore, Date().addingTimeInterval(wait)) }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + (wait == nil ? pause : 0)) {
                self.attempt(body, number: number + 1, started: started, finish: finish)
            }
        }
        if let error {
            let timedOut = (error as? URLError)?.code == .timedOut
            return retry(timedOut ? .timeout : .transport(Self.describe(error)))
        }
        guard let http = response as? HTTPURLResponse else { return retry(.transport("no HTTP response")) }
        switch http.statusCode {
        case 200..<300:
            noteSuccess()
            do {
                return done(try ChatAnswer.parse(data ?? Data()), nil)
            } catch {
                return done(nil, .malformed(error.description))
            }
        case 429:
            lock.withLock { counters.rateLimited += 1 }
            let header = http.value(forHTTPHeaderField: "Retry-After")
            return retry(.http(status: 429), after: Self.retryAfter(header) ?? backoff(number), countsAgainstEndpoint: false)
        case 408, 500..<600:
            return retry(.http(status: http.statusCode))
        default:
            noteSuccess()  // the endpoint is up; the request was refused
            return done(nil, .http(status: http.statusCode))
        }
    }

    private func backoff(_ attempt: Int) -> Double {
        let cap = min(settings.backoffMaxSeconds, settings.backoffBaseSeconds * pow(2, Double(attempt - 1)))
        let u = lock.withLock { Double.random(in: 0.5...1, using: &random) }
        return cap * u
    }

    private func noteSuccess() {
        lock.withLock {
            consecutiveFailures = 0
            breakerOpenUntil = nil
            probing = false
        }
    }

    private func noteFailure() {
        lock.withLock {
            consecutiveFailures += 1
            let wasProbing = probing
            probing = false
            if wasProbing || (breakerOpenUntil == nil && consecutiveFailures >= settings.breakerThreshold) {
                breakerOpenUntil = Date().addingTimeInterval(settings.breakerCooldownSeconds)
                counters.breakerOpenings += 1
            }
        }
    }

    /// Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; at most 10 minutes.
    static func retryAfter(_ header: String?) -> Double? {
        guard let h = header?.trimmingCharacters(in: .whitespaces), !h.isEmpty else { return nil }
        if let s = Double(h), s >= 0 { return min(s, 600) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: h) else { return nil }
        return min(max(0, date.timeIntervalSinceNow), 600)
    }

    static func describe(_ error: any Error) -> String {
        if let u = error as? URLError {
            switch u.code {
            case .cannotConnectToHost: return "cannot connect"
            case .networkConnectionLost: return "connection lost"
            case .badServerResponse: return "bad server response"
            case .cannotFindHost: return "unknown host"
            default: return "URL error \(u.code.rawValue)"
            }
        }
        return "\(type(of: error))"
    }
}

/// Outcomes filled in from several threads, one slot each.
private final class OutcomeSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [LLMOutcome?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ o: LLMOutcome) { lock.withLock { slots[i] = o } }
    var all: [LLMOutcome] { lock.withLock { slots.map { $0! } } }
}
