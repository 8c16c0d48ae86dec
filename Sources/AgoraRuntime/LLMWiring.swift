import AgoraCatalog
import AgoraCore
import AgoraLLM
import AgoraLog
import AgoraScenario
import Foundation

/// Where a run's LLM answers come from: the scenario's endpoint (through the catalog's response
/// cache when the scenario allows), or, for a replay, the answers its log recorded.
public enum LLMWiring {
    /// The live source for a scenario with an endpoint; nil when it has none (the model then
    /// answers every question with "no endpoint" and its agents follow their rules).
    public static func liveSource(for scenario: Scenario, catalog: Catalog?) -> (any AnswerSource)? {
        guard let llm = scenario.llm, let endpoint = llm.endpoint else { return nil }
        let cache = llm.cache ? catalog.map { CatalogResponseCache(catalog: $0, model: endpoint.model) } : nil
        return LiveEndpoint(client: LLMClient(settings: endpoint), cache: cache)
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
