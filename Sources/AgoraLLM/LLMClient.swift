import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An OpenAI-compatible chat completions client over URLSession, built to keep a long run alive:
/// bounded concurrency, a request-rate limit, 429 with Retry-After honoured (up to a cap), a total
/// deadline per attempt and per question, retries with exponential backoff and jitter, a circuit
/// breaker, a size limit on what is read, and no redirects. Every request ends in an
/// `LLMOutcome`; nothing here throws at the caller or stops a run. What it hands back has passed
/// through a `Redactor`: no body or failure text holds the key, whatever the endpoint echoed.
public final class LLMClient: @unchecked Sendable {
    public let settings: EndpointSettings
    /// Scrubs the key and key-shaped text from everything the endpoint sent.
    public let redactor: Redactor
    private let session: URLSession
    private let transport = Transport()
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
    /// The last real error seen: what a question the open breaker stops is told.
    private var lastError: String?
    /// The `tool_choice` the server took after refusing `required` (nil: nothing learned).
    private var learnedChoice: String?
    /// Adaptive concurrency: requests allowed in flight now, the most the endpoint was found to
    /// take, and the fastest answer seen (its unloaded latency).
    private var limit = 1
    private var ceiling: Int?
    private var fastest = Double.infinity
    /// Answers that came back fast since the limit last changed: it rises once `limit` have.
    private var fastSinceChange = 0
    private var random = SystemRandomNumberGenerator()

    public init(settings: EndpointSettings) {
        precondition(settings.maxConcurrency >= 1 && settings.maxRetries >= 0 && settings.maxResponseBytes >= 1
                     && settings.timeoutSeconds > 0 && settings.questionDeadlineSeconds > 0 && settings.retryAfterMaxSeconds >= 0,
                     "bad endpoint settings")
        self.settings = settings
        redactor = Redactor(secrets: settings.apiKey.map { [$0] } ?? [])
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = settings.timeoutSeconds
        config.timeoutIntervalForResource = settings.timeoutSeconds
        config.httpMaximumConnectionsPerHost = settings.maxConcurrency
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.httpShouldSetCookies = false
        config.httpCookieAcceptPolicy = .never
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: config, delegate: transport, delegateQueue: queue)
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

    /// One question's attempts: its request, the `tool_choice` it is sent with now, when it
    /// started, by when it must end, and the first real error it met.
    private struct Question: Sendable {
        var request: ChatRequest
        var started: Date
        var deadline: Date
        var firstError: String?
        /// Whether the server refused the `tool_choice` the question was asked with, and it is
        /// being asked with another.
        var choiceRefused = false

        var body: Data { Data(request.body.rendered.utf8) }
    }

    /// Starts waiting requests while there is room.
    private func pump() {
        while true {
            let next: (ChatRequest, @Sendable (LLMOutcome) -> Void)? = lock.withLock {
                guard inFlight < min(limit, settings.maxConcurrency), !waiting.isEmpty else { return nil }
                inFlight += 1
                return waiting.removeFirst()
            }
            guard let (request, done) = next else { return }
            let now = Date()
            var asked = request
            if asked.toolChoice == "required", let learned = lock.withLock({ learnedChoice }) { asked.toolChoice = learned }
            let question = Question(request: asked, started: now, deadline: now.addingTimeInterval(settings.questionDeadlineSeconds))
            attempt(question, number: 1) { [weak self] outcome in
                guard let self else { return done(outcome) }
                self.lock.withLock {
                    self.inFlight -= 1
                    self.adapt(to: outcome)
                    self.counters.latencies.append(outcome.seconds)
                    if let a = outcome.answer {
                        self.counters.succeeded += 1
                        self.counters.promptTokens = self.counters.promptTokens.addingSaturated(a.promptTokens)
                        self.counters.completionTokens = self.counters.completionTokens.addingSaturated(a.completionTokens)
                    } else if let f = outcome.failure {
                        self.counters.failures[f.kind, default: 0] += 1
                    }
                }
                done(outcome)
                self.pump()
            }
        }
    }

    /// Adaptive concurrency, after each finished question (under the lock). The client starts
    /// with one request in flight. Once `limit` answers in a row came back, on their first
    /// attempt, about as fast as the fastest seen (within 1.25× and 20 ms: the server is not
    /// queueing), it allows one more. An answer more than 1.6× as slow (and 50 ms) means
    /// requests now wait at the server: the limit goes back one and stays there (the ceiling). A
    /// timeout halves it. Against a server that answers one request at a time this settles at
    /// 1; against one with slots to spare it climbs to `max_concurrency`.
    private func adapt(to outcome: LLMOutcome) {
        switch outcome.failure {
        case .timeout?, .deadline?:
            limit = max(1, limit / 2)
            ceiling = limit
            fastSinceChange = 0
        case nil where outcome.answer != nil && outcome.attempts == 1:
            let latency = outcome.seconds
            fastest = min(fastest, latency)
            if latency <= fastest * 1.25 + 0.02 {
                fastSinceChange += 1
                if fastSinceChange >= limit, limit < min(settings.maxConcurrency, ceiling ?? .max) {
                    limit += 1
                    fastSinceChange = 0
                }
            } else if latency > fastest * 1.6 + 0.05, limit > 1 {
                limit -= 1
                ceiling = limit
                fastSinceChange = 0
            }
        default:
            break
        }
        counters.concurrency = limit
        counters.concurrencyCeiling = ceiling
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

    private func attempt(_ q: Question, number: Int, finish: @escaping @Sendable (LLMOutcome) -> Void) {
        guard let start = reserveStart() else {
            let opened = lock.withLock { lastError }
            return finish(LLMOutcome(answer: nil, failure: .breakerOpen, rawBody: "", attempts: number - 1,
                                     seconds: Date().timeIntervalSince(q.started), firstError: q.firstError ?? opened.map { "the breaker opened after " + $0 }))
        }
        guard start < q.deadline else {
            lock.withLock { probing = false }
            return finish(LLMOutcome(answer: nil, failure: .deadline, rawBody: "", attempts: number - 1,
                                     seconds: Date().timeIntervalSince(q.started), firstError: q.firstError))
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
            urlRequest.httpBody = q.body
            self.lock.withLock { self.counters.attempts += 1 }
            let seconds = min(self.settings.timeoutSeconds, q.deadline.timeIntervalSinceNow)
            let url = self.settings.completionsURL
            if url.scheme?.lowercased() == "http" {
                // A plain-HTTP endpoint (a local server): a blocked thread waits, not a busy one.
                var headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
                if let key = self.settings.apiKey, !key.isEmpty { headers.append(("Authorization", "Bearer " + key.value)) }
                PlainHTTP.start(url: url, headers: headers, body: q.body, maxBytes: self.settings.maxResponseBytes, seconds: seconds) { result in
                    self.handle(result, q, number: number, finish: finish)
                }
                return
            }
            self.transport.start(urlRequest, on: self.session, maxBytes: self.settings.maxResponseBytes, seconds: seconds) { result in
                self.handle(result, q, number: number, finish: finish)
            }
        }
        if delay > 0.0005 {
            DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: send)
        } else {
            send()
        }
    }

    private func handle(_ result: TransferResult, _ q: Question, number: Int, finish: @escaping @Sendable (LLMOutcome) -> Void) {
        let raw = redactor.scrub(String(decoding: result.body, as: UTF8.self))
        var q = q
        /// Keeps the question's first real error, and the endpoint's last.
        func remember(_ error: String) {
            if q.firstError == nil { q.firstError = error }
            lock.withLock {
                lastError = error
                if counters.firstError == nil { counters.firstError = error }
            }
        }
        func done(_ answer: ChatAnswer?, _ failure: LLMFailure?) {
            finish(LLMOutcome(answer: answer, failure: failure.map(scrubbed), rawBody: raw, attempts: number,
                              seconds: Date().timeIntervalSince(q.started), firstError: q.firstError))
        }
        /// Retries after `wait` seconds if attempts and time remain, else ends with `failure`.
        func retry(_ failure: LLMFailure, after wait: Double? = nil, countsAgainstEndpoint: Bool = true) {
            // An HTTP error is remembered with its body where it is met; a 429 is the server pacing us.
            if case .http = failure {} else { remember(scrubbed(failure).description) }
            if countsAgainstEndpoint { noteFailure() } else { lock.withLock { probing = false } }
            guard number <= settings.maxRetries else { return done(nil, failure) }
            let pause = wait ?? backoff(number)
            guard Date().addingTimeInterval(pause) < q.deadline else { return done(nil, .deadline) }
            lock.withLock {
                counters.retries += 1
                // The server may still be working on the attempt given up on: counted apart.
                if case .timeout = failure { counters.timeoutRetries += 1 }
                if let wait { notBefore = max(notBefore, Date().addingTimeInterval(wait)) }
            }
            let again = q
            DispatchQueue.global().asyncAfter(deadline: .now() + (wait == nil ? pause : 0)) {
                self.attempt(again, number: number + 1, finish: finish)
            }
        }
        /// After a refusal that may be the server's of `tool_choice` `required` (a 400 or 422, or a
        /// 500 that names it): asks again at once with `auto`, then with the first tool named; true
        /// when it did.
        func askWithAnotherToolChoice(status: Int) -> Bool {
            let next: String
            switch q.request.toolChoice {
            case "required": next = "auto"
            case "auto" where q.choiceRefused && q.request.tools.first != nil: next = ChatRequest.namedPrefix + q.request.tools[0].name
            default: return false
            }
            guard Date() < q.deadline else { return false }
            remember("HTTP \(status) to tool_choice \(q.request.toolChoice): " + Self.excerpt(raw))
            noteSuccess()  // the endpoint is up; it refused the request's form
            q.request.toolChoice = next
            q.choiceRefused = true
            let tried = next == "auto" ? "auto" : "function"
            lock.withLock { counters.toolChoiceFallbacks[tried, default: 0] += 1 }
            let again = q
            DispatchQueue.global().async { self.attempt(again, number: number + 1, finish: finish) }
            return true
        }
        switch result.cut {
        case .deadline?:
            return retry(Date() < q.deadline ? .timeout : .deadline)
        case .tooLarge?:
            noteSuccess()  // the endpoint is up; asking again would bring the same body
            return done(nil, .tooLarge(limit: settings.maxResponseBytes))
        case .redirect(let status, let origin)?:
            noteSuccess()
            return done(nil, .redirect(status: status, to: origin))
        case nil:
            break
        }
        if let error = result.error {
            let timedOut = (error as? URLError)?.code == .timedOut
            return retry(timedOut ? .timeout : .transport(Self.describe(error)))
        }
        guard let http = result.response else { return retry(.transport("no HTTP response")) }
        switch http.statusCode {
        case 200..<300:
            noteSuccess()
            do {
                let answer = try ChatAnswer.parse(Data(raw.utf8))
                // The server took this form: later questions that ask for `required` use it.
                if q.choiceRefused {
                    lock.withLock {
                        if learnedChoice == nil {
                            learnedChoice = q.request.toolChoice
                            counters.settledToolChoice = q.request.toolChoice
                        }
                    }
                }
                return done(answer, nil)
            } catch {
                return done(nil, .malformed(error.description))
            }
        case 300..<400:
            noteSuccess()
            let location = http.value(forHTTPHeaderField: "Location").flatMap { URL(string: $0, relativeTo: settings.completionsURL) }
            return done(nil, .redirect(status: http.statusCode, to: location.map(Transport.origin) ?? "an unnamed place"))
        case 429:
            let asked = Self.retryAfter(http.value(forHTTPHeaderField: "Retry-After"))
            let capped = asked.map { $0 > settings.retryAfterMaxSeconds } ?? false
            lock.withLock {
                counters.rateLimited += 1
                if capped { counters.retryAfterCapped += 1 }
            }
            return retry(.http(status: 429), after: asked.map { min($0, settings.retryAfterMaxSeconds) } ?? backoff(number),
                         countsAgainstEndpoint: false)
        case 500..<600 where raw.contains("tool_choice"):
            if askWithAnotherToolChoice(status: http.statusCode) { return }
            remember("HTTP \(http.statusCode): " + Self.excerpt(raw))
            return retry(.http(status: http.statusCode))
        case 408, 500..<600:
            remember("HTTP \(http.statusCode): " + Self.excerpt(raw))
            return retry(.http(status: http.statusCode))
        default:
            if [400, 422].contains(http.statusCode), askWithAnotherToolChoice(status: http.statusCode) { return }
            remember("HTTP \(http.statusCode): " + Self.excerpt(raw))
            noteSuccess()  // the endpoint is up; the request was refused
            return done(nil, .http(status: http.statusCode))
        }
    }

    /// The start of a body an error came with, on one line (already scrubbed of the key).
    static func excerpt(_ body: String, limit: Int = 200) -> String {
        let flat = String(body.map { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) ? " " : $0 })
            .trimmingCharacters(in: .whitespaces)
        if flat.isEmpty { return "(no body)" }
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    /// `failure` with any text the endpoint sent scrubbed.
    private func scrubbed(_ failure: LLMFailure) -> LLMFailure {
        switch failure {
        case .malformed(let m): return .malformed(redactor.scrub(m))
        case .transport(let m): return .transport(redactor.scrub(m))
        case .redirect(let s, let to): return .redirect(status: s, to: redactor.scrub(to))
        default: return failure
        }
    }

    private func backoff(_ attempt: Int) -> Double {
        let cap = min(settings.backoffMaxSeconds, settings.backoffBaseSeconds * pow(2, Double(min(attempt, 60) - 1)))
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

    /// Seconds to wait from a Retry-After header: delta-seconds or an HTTP date, as asked (the
    /// caller caps it at `retryAfterMaxSeconds`); nil when the header is missing or unreadable.
    static func retryAfter(_ header: String?) -> Double? {
        guard let h = header?.trimmingCharacters(in: .whitespaces), !h.isEmpty else { return nil }
        if h.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let s = Double(h), s.isFinite { return s }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: h) else { return nil }
        return max(0, date.timeIntervalSinceNow)
    }

    static func describe(_ error: any Error) -> String {
        if let u = error as? URLError {
            switch u.code {
            case .cannotConnectToHost: return "cannot connect"
            case .networkConnectionLost: return "connection lost"
            case .badServerResponse: return "bad server response"
            case .cannotFindHost: return "unknown host"
            case .cancelled: return "cancelled"
            default: return "URL error \(u.code.rawValue)"
            }
        }
        if let f = error as? PlainHTTP.Failure { return f.description }
        return "\(type(of: error))"
    }
}

extension Int {
    /// `self + other`, held at `Int.max` or `Int.min` instead of overflowing.
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
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
