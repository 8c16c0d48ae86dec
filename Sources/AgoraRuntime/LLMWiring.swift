import AgoraCatalog
import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraLog
import AgoraScenario
import Foundation

/// Where a run's LLM answers come from: the scenario's endpoint (through the catalog's response
/// cache when the scenario allows), or, for a replay, the answers its log recorded.
public enum LLMWiring {
    /// The live source for a scenario with an endpoint; nil when it has none (the model then
    /// answers every question with "no endpoint" and its agents follow their rules).
    /// Spread over processes (`group`), process 0 alone asks the endpoint and passes the answers to
    /// the others, so that every process applies the same ones and the endpoint sees each question once.
    public static func liveSource(for scenario: Scenario, catalog: Catalog?, group: (any ProcessGroup)? = nil) -> (any AnswerSource)? {
        guard let llm = scenario.llm, let endpoint = llm.endpoint else { return nil }
        let lead = (group?.rank ?? 0) == 0
        let cache = llm.cache && lead ? catalog.map { CatalogResponseCache(catalog: $0, model: endpoint.model) } : nil
        let live = lead ? LiveEndpoint(client: LLMClient(settings: endpoint), cache: cache) : nil
        if let group, group.size > 1 { return SharedAnswers(lead: live, group: group) }
        return live
    }

    /// The answers recorded in a run's log (`llm` events), per tick asked and in order.
    public static func recordedAnswers(logPath: String) throws(LogError) -> RecordedAnswers {
        let reader = try LogReader(path: logPath)
        guard let kind = reader.schema.kind(named: "llm") else { return RecordedAnswers([:]) }
        func column(_ name: String) -> Int { kind.columns.firstIndex(of: name) ?? -1 }
        let asked = column("asked"), index = column("index"), status = column("status"), source = column("source")
        let request = column("request"), failure = column("failure"), answer = column("answer")
        let attempts = column("attempts"), ms = column("milliseconds")
        guard [asked, index, status, source, request, failure, answer, attempts, ms].allSatisfy({ $0 >= 0 }) else {
            return RecordedAnswers([:])
        }
        let failed = Int64(Fallback.allCases.firstIndex(of: .failed)! + 1)
        var rows: [(tick: Int, index: Int, key: Int64, reply: LLMReply)] = []
        _ = reader.forEachChunk(kinds: [kind.id]) { c in
            for i in 0..<c.count where c.columns[index][i] >= 0 {
                let src = LLMReply.Source(rawValue: Int(c.columns[source][i])) ?? .endpoint
                // The failure column holds why a request failed (or that there was no endpoint) —
                // or why an answer was refused, which the replay works out again from the answer.
                let why = c.columns[status][i] == failed || src == .none ? reader.string(c.columns[failure][i]) : nil
                let reply = LLMReply.recorded(raw: reader.string(c.columns[answer][i]) ?? "", failure: why,
                                              attempts: Int(c.columns[attempts][i]), milliseconds: Int(c.columns[ms][i]), source: src)
                rows.append((Int(c.columns[asked][i]), Int(c.columns[index][i]), c.columns[request][i], reply))
            }
        }
        var book: [Int: [(key: Int64, reply: LLMReply)]] = [:]
        for r in rows.sorted(by: { ($0.tick, $0.index) < ($1.tick, $1.index) }) { book[r.tick, default: []].append((r.key, r.reply)) }
        return RecordedAnswers(book)
    }
}

/// The answers of process 0's source, on every process of a run spread over processes: process 0
/// asks, and when the model collects the answers to a tick's questions (at the same point of the
/// same tick everywhere) it sends them to the others. Every process — process 0 included — applies
/// the replies as rebuilt from what was sent, so all apply the very same ones.
final class SharedAnswers: AnswerSource, @unchecked Sendable {
    let lead: (any AnswerSource)?
    let group: any ProcessGroup

    init(lead: (any AnswerSource)?, group: any ProcessGroup) {
        precondition((group.rank == 0) == (lead != nil), "process 0, and only it, has the source")
        self.lead = lead
        self.group = group
    }

    func ask(_ asks: [LLMAsk]) { lead?.ask(asks) }

    func answers(askedAt tick: Int) -> [LLMReply] {
        var w = StateWriter()
        if let lead {
            let replies = lead.answers(askedAt: tick)
            w.write(replies.count)
            for r in replies {
                w.write(r.raw)
                w.write(r.failure != nil)
                w.write(r.failure ?? "")
                w.write(r.attempts)
                w.write(r.milliseconds)
                w.write(r.source.rawValue)
            }
        }
        var r = StateReader(group.fromProcessZero(w.bytes))
        do {
            return try (0..<r.int()).map { _ throws(StateReader.Failure) in
                let raw = try r.string(), failed = try r.bool(), failure = try r.string()
                let attempts = try r.int(), ms = try r.int(), source = LLMReply.Source(rawValue: try r.int()) ?? .endpoint
                return LLMReply.recorded(raw: raw, failure: failed ? failure : nil, attempts: attempts, milliseconds: ms, source: source)
            }
        } catch {
            preconditionFailure("the LLM answers from process 0 do not read: \(error)")
        }
    }

    var label: String { lead?.label ?? "the answers process 0 collected" }
    var clientStats: LLMClientStats? { lead?.clientStats }
    var isReplay: Bool { lead?.isReplay ?? false }
}

/// The LLM response cache in the run catalog, keyed by the request's hash.
final class CatalogResponseCache: ResponseCache, @unchecked Sendable {
    let catalog: Catalog
    let model: String
    let lock = NSLock()

    init(catalog: Catalog, model: String) {
        self.catalog = catalog
        self.model = model
    }

    static func key(_ k: Int64) -> String { String(UInt64(bitPattern: k), radix: 16) }

    func lookup(_ key: Int64) -> String? {
        lock.withLock { (try? catalog.cachedResponse(key: Self.key(key))) ?? nil }
    }

    func store(_ key: Int64, request: String, response body: String) {
        let answer = try? ChatAnswer.parse(Data(body.utf8))
        lock.withLock {
            try? catalog.storeResponse(key: Self.key(key), model: model, request: request, response: body,
                                       tokensIn: answer?.promptTokens ?? 0, tokensOut: answer?.completionTokens ?? 0,
                                       createdAt: ISO8601DateFormatter().string(from: Date()))
        }
    }
}
