import AgoraCore
import Foundation

/// One question for the LLM: the `index`-th asked at `tick`.
public struct LLMAsk: Sendable {
    public var tick: Int
    public var index: Int
    public var request: ChatRequest
    /// The request's identity: a hash of the endpoint and the exact request body. Cache key, and
    /// what a replay checks its questions against.
    public var key: Int64
    /// Who asks: the agents that share this question (its archetype's askers, lowest first) and
    /// the archetype's name. Not part of the request or its key; for those who watch the questions
    /// (`agora export trajectories`).
    public var members: [Int] = []
    public var archetype = ""

    public init(tick: Int, index: Int, request: ChatRequest, endpoint: String) {
        self.tick = tick
        self.index = index
        self.request = request
        key = textHash(endpoint + "\n" + request.body.rendered)
    }
}

/// How a question was answered: the parsed answer or why there is none, and where it came from.
public struct LLMReply: Sendable, Hashable {
    /// Where the answer came from; a replay keeps the original's.
    public enum Source: Int, Sendable {
        case endpoint = 0, cache = 1, none = 3
    }
    public var answer: ChatAnswer?
    /// Why there is no answer ("timeout", "http 500", "malformed: …", "no endpoint").
    public var failure: String?
    /// The response body as received: what is recorded and cached, and re-read on replay.
    public var raw: String
    public var attempts: Int
    public var milliseconds: Int
    public var source: Source

    public init(answer: ChatAnswer?, failure: String?, raw: String, attempts: Int, milliseconds: Int, source: Source) {
        self.answer = answer
        self.failure = failure
        self.raw = raw
        self.attempts = attempts
        self.milliseconds = milliseconds
        self.source = source
    }

    /// A reply rebuilt from what was recorded — the raw body is parsed again — keeping the source,
    /// attempts and time of the original, so a replay records the same event.
    public static func recorded(raw: String, failure: String?, attempts: Int, milliseconds: Int, source: Source) -> LLMReply {
        let answer = failure == nil && source != .none ? try? ChatAnswer.parse(Data(raw.utf8)) : nil
        return LLMReply(answer: answer, failure: failure ?? (answer == nil && source != .none ? "malformed" : nil), raw: raw,
                        attempts: attempts, milliseconds: milliseconds, source: source)
    }
}

/// Stored answers to identical requests (the run catalog keeps them).
public protocol ResponseCache: AnyObject, Sendable {
    func lookup(_ key: Int64) -> String?
    func store(_ key: Int64, request: String, response: String)
}

/// Where answers come from: a live endpoint (with its cache), a run's recording, or nowhere.
/// Questions are asked at one tick and their answers collected at a later one, in order.
/// Implementations guard their state with a lock: answers arrive on the client's threads.
public protocol AnswerSource: AnyObject, Sendable {
    /// Starts answering `asks` (all asked at one tick).
    func ask(_ asks: [LLMAsk])
    /// The answers to the questions asked at `tick`, in the order asked; waits for them.
    func answers(askedAt tick: Int) -> [LLMReply]
    /// One line for the run's summary: where answers come from.
    var label: String { get }
    /// Counts of the endpoint client (nil when there is none).
    var clientStats: LLMClientStats? { get }
    /// Whether answers are a recording played back.
    var isReplay: Bool { get }
    /// Told, once the answer to the `index`-th question asked at `tick` has been applied, which of
    /// its members took it (the others followed their rules). Sources ignore it; a watching source
    /// keeps it for the trajectory export.
    func applied(askedAt tick: Int, index: Int, takers: [Int])
}

extension AnswerSource {
    public var isReplay: Bool { false }
    public func applied(askedAt tick: Int, index: Int, takers: [Int]) {}
}

/// No endpoint configured: every question gets "no endpoint" at once, and the rule policies decide.
public final class NoEndpoint: AnswerSource, @unchecked Sendable {
    let reason: String?
    public init(reason: String? = nil) { self.reason = reason }
    private let lock = NSLock()
    private var pending: [Int: Int] = [:]
    public func ask(_ asks: [LLMAsk]) {
        guard let t = asks.first?.tick else { return }
        lock.withLock { pending[t, default: 0] += asks.count }
    }
    public func answers(askedAt tick: Int) -> [LLMReply] {
        let n = lock.withLock { pending.removeValue(forKey: tick) ?? 0 }
        return Array(repeating: LLMReply(answer: nil, failure: "no endpoint", raw: "", attempts: 0, milliseconds: 0, source: .none), count: n)
    }
    public var label: String { (reason ?? "no endpoint configured") + ": escalated agents follow their rule policies" }
    public var clientStats: LLMClientStats? { nil }
}

/// A live OpenAI-compatible endpoint, through `LLMClient`, with an optional response cache.
public final class LiveEndpoint: AnswerSource, @unchecked Sendable {
    public let client: LLMClient
    let cache: (any ResponseCache)?
    private let lock = NSLock()
    private var pending: [Int: (group: DispatchGroup, slots: [LLMReply?], asks: [LLMAsk])] = [:]

    public init(client: LLMClient, cache: (any ResponseCache)?) {
        self.client = client
        self.cache = cache
    }

    /// The endpoint's URL without any user or password in it, and the model.
    public var label: String {
        var url = URLComponents(url: client.settings.baseURL, resolvingAgainstBaseURL: false)
        url?.user = nil
        url?.password = nil
        let shown = url?.string ?? client.settings.baseURL.absoluteString
        return client.redactor.scrub("endpoint \(shown), model \(client.settings.model)")
    }
    public var clientStats: LLMClientStats? { client.stats }

    public func ask(_ asks: [LLMAsk]) {
        guard let tick = asks.first?.tick else { return }
        let group = DispatchGroup()
        lock.withLock { pending[tick] = (group, Array(repeating: nil, count: asks.count), asks) }
        for (i, a) in asks.enumerated() {
            if let body = cache?.lookup(a.key).map(client.redactor.scrub), let answer = try? ChatAnswer.parse(Data(body.utf8)) {
                set(tick, i, LLMReply(answer: answer, failure: nil, raw: body, attempts: 0, milliseconds: 0, source: .cache))
                continue
            }
            group.enter()
            client.submit(a.request) { [weak self] outcome in
                let reply = LLMReply(answer: outcome.answer, failure: outcome.failureText, raw: outcome.rawBody,
                                     attempts: outcome.attempts, milliseconds: Int((outcome.seconds * 1000).rounded()), source: .endpoint)
                self?.set(tick, i, reply)
                group.leave()
            }
        }
    }

    private func set(_ tick: Int, _ i: Int, _ reply: LLMReply) {
        lock.withLock { pending[tick]?.slots[i] = reply }
    }

    public func answers(askedAt tick: Int) -> [LLMReply] {
        guard let group = lock.withLock({ pending[tick]?.group }) else { return [] }
        group.wait()
        let (slots, asks) = lock.withLock { () -> ([LLMReply?], [LLMAsk]) in
            let p = pending.removeValue(forKey: tick)!
            return (p.slots, p.asks)
        }
        let replies = slots.map { $0! }
        if let cache {
            for (a, r) in zip(asks, replies) where r.source == .endpoint && r.answer != nil {
                cache.store(a.key, request: a.request.body.rendered, response: r.raw)
            }
        }
        return replies
    }
}

/// The answers a run recorded, served again: replay needs no network.
public final class RecordedAnswers: AnswerSource, @unchecked Sendable {
    /// Per tick asked, in order: the request key recorded with each answer, and the answer.
    private let recorded: [Int: [(key: Int64, reply: LLMReply)]]
    private let lock = NSLock()
    private var asked: [Int: [LLMAsk]] = [:]
    /// Questions the recording did not hold, or held for another request: the run has diverged.
    public private(set) var mismatches = 0

    public init(_ recorded: [Int: [(key: Int64, reply: LLMReply)]]) {
        self.recorded = recorded
    }

    public var label: String { "answers replayed from the run's log (no network)" }
    /// True: accounting counts these answers as replayed.
    public var isReplay: Bool { true }
    public var clientStats: LLMClientStats? { nil }

    public func ask(_ asks: [LLMAsk]) {
        guard let t = asks.first?.tick else { return }
        lock.withLock { asked[t] = asks }
    }

    public func answers(askedAt tick: Int) -> [LLMReply] {
        let asks = lock.withLock { asked.removeValue(forKey: tick) ?? [] }
        let book = recorded[tick] ?? []
        return asks.enumerated().map { i, a in
            if i < book.count, book[i].key == a.key { return book[i].reply }
            lock.withLock { mismatches += 1 }
            return LLMReply(answer: nil, failure: "not in the recording", raw: "", attempts: 0, milliseconds: 0, source: .endpoint)
        }
    }
}
