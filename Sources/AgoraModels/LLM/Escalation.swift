import AgoraCore
import AgoraEngine
import AgoraLLM
import Foundation

/// LLM escalation, one mechanism for every kind of agent that can think (`EscalationSide`): which
/// agents ask an LLM, when, and how the answers become their decisions.
///
/// Escalated agents are a sampled fraction of the eligible ones plus named agents. In a serial
/// hook of tick t, every escalated agent whose trigger fired (the side's, or the cadence `every`)
/// and that is not cooling down asks — up to the per-tick cap and the run's budget; the rest follow
/// their rule and the run records why. Askers that share an archetype (persona attributes, the
/// side's context, optionally an observation bucket) share one question, built from the
/// observation of their lowest-numbered member. Answers to questions asked at t are collected in
/// the hook of t + latency − 1 — the run waits there for any still on their way — and applied in
/// tick t + latency: each member takes the answer with probability `mix`, else its own rule. Every
/// question, answered or not, is an `llm` event; replay reads the answers back from the log.
final class Escalation<Side: EscalationSide>: @unchecked Sendable {
    /// One row per question: the agent column is its representative (lowest-numbered member).
    static func event(id: UInt16) -> EventKind {
        EventKind(id: id, name: "llm", columns: [
            "asked", "index", "members", "status", "source", "request", "tool", "arguments", "failure", "answer", "prompt",
            "prompt_tokens", "completion_tokens", "attempts", "milliseconds",
        ], types: ["i64", "i64", "i64", "i64", "i64", "i64", "text", "text", "text", "text", "text", "i64", "i64", "i64", "i64"])
        .labelled("status", ["applied"] + Fallback.allCases.map(\.rawValue))
        .labelled("source", [Int64(LLMReply.Source.endpoint.rawValue): "endpoint", Int64(LLMReply.Source.cache.rawValue): "cache",
                             Int64(LLMReply.Source.none.rawValue): "none"])
    }

    /// `status` of an `llm` event: 0 the answer was applied, else the fallback's code.
    static func statusCode(_ f: Fallback?) -> Int64 {
        guard let f else { return 0 }
        return Int64(Fallback.allCases.firstIndex(of: f)! + 1)
    }

    let settings: LLMSettings
    /// The random stream escalation draws from (who is escalated, the cap's order, the mix).
    let stream: UInt64
    let event: EventKind
    let seed: UInt64
    let source: any AnswerSource
    let endpointName: String
    let tools: [ToolSpec]
    /// Escalated agents, ascending, and per escalated agent (same index) its state.
    let escalated: [Int]
    var lastAsked: [Int]
    var triggers: [Side.Triggers]
    /// Decisions applied in the coming tick: a flag per agent this process holds (read by every
    /// shard) and the details.
    let pendingFlag: Column<UInt8>
    let agentCount: Int
    var decisions: [Int: Side.Decision] = [:]
    /// Questions asked and not yet applied, by the tick they were asked, and their members.
    var inFlight: [Int: [Question]] = [:]
    var waiting: Set<Int> = []
    /// Answers already collected for questions in flight (a checkpoint collects them early).
    var collected: [Int: [LLMReply]] = [:]
    var accounting = LLMAccounting()
    /// The tick's `llm` events, for recordSerial.
    var events: [Record] = []

    struct Question: Hashable {
        var members: [Int]
        /// The side's context of the members (a trader's instrument).
        var context: Int
        var prompt: String
        var key: Int64
    }

    struct Record {
        var agent: Int
        var asked: Int
        var index: Int
        var members: Int
        var status: Fallback?
        var source: Int
        var key: Int64
        var tool: String
        var arguments: String
        var failure: String
        var answer: String
        var prompt: String
        var promptTokens: Int
        var completionTokens: Int
        var attempts: Int
        var milliseconds: Int
    }

    /// `held`: the agents whose columns this process holds (all, unless the run is spread);
    /// `eligible`: whether an agent may be sampled (named agents always are).
    init(settings: LLMSettings, source: any AnswerSource, tools: [ToolSpec], event: EventKind, stream: UInt64, agentCount: Int,
         held: Range<Int>, seed: UInt64, eligible: (Int) -> Bool) {
        precondition(settings.latency >= 1, "LLM answers apply at least one tick after they are asked")
        self.settings = settings
        self.source = source
        self.event = event
        self.stream = stream
        self.seed = seed
        endpointName = settings.endpoint.map { $0.baseURL.absoluteString + " " + $0.model } ?? "none"
        self.tools = ToolAnswers.subset(tools, named: settings.tools)
        let rules = settings.escalation
        let pick = RandomStream(seed: seed, stream: stream).tick(-1)
        let chance = Probability(min(1, max(0, rules.fraction)))
        var chosen = Set(rules.agents.filter { $0 >= 0 && $0 < agentCount })
        if rules.fraction > 0 {
            for i in 0..<agentCount where eligible(i) {
                var r = pick.agent(i)
                if r.bernoulli(chance) { chosen.insert(i) }
            }
        }
        escalated = chosen.sorted()
        lastAsked = Array(repeating: Int.min / 2, count: escalated.count)
        triggers = Array(repeating: Side.noTriggers, count: escalated.count)
        pendingFlag = Column(window: held, repeating: 0)
        self.agentCount = agentCount
    }

    /// The positions in `escalated` of the escalated agents among `agents` (a shard's).
    func escalatedRange(_ agents: Range<Int>) -> Range<Int> {
        func first(atLeast x: Int) -> Int {
            var lo = 0, hi = escalated.count
            while lo < hi { let mid = (lo + hi) / 2; if escalated[mid] < x { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        return first(atLeast: agents.lowerBound)..<first(atLeast: agents.upperBound)
    }

    // MARK: asking

    /// One tick of the LLM side, in match(t) after the exchange: clears what tick t applied, asks
    /// the triggered agents, and collects the answers due in tick t + 1.
    func step(tick: Int, side: Side) {
        for a in decisions.keys where pendingFlag.indices.contains(a) { pendingFlag[a] = 0 }
        decisions.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        ask(tick: tick, side: side)
        let due = tick + 1 - settings.latency
        if inFlight[due] != nil { collect(askedAt: due, side: side) }
    }

    private func ask(tick: Int, side: Side) {
        let rules = settings.escalation
        var triggered: [Int] = []  // indices into `escalated`
        for (k, agent) in escalated.enumerated() {
            // The side's triggers see every tick, whether or not the cadence fires too.
            let fired = side.fires(agent: agent, triggers: &triggers[k], tick: tick, rules: rules)
            let fire = fired || (rules.every > 0 && tick % rules.every == 0)
            if fire && tick - lastAsked[k] > rules.cooldown && !waiting.contains(agent) { triggered.append(k) }
        }
        guard !triggered.isEmpty else { return }
        // A fair order for the per-tick cap, the same for any shard count.
        let key = RandomStream(seed: seed, stream: stream ^ 0xCA).tick(tick).key
        triggered.sort { mix64(key ^ UInt64(escalated[$0])) < mix64(key ^ UInt64(escalated[$1])) }
        var askers: [Int] = []
        for k in triggered {
            let agent = escalated[k]
            lastAsked[k] = tick
            if let cap = settings.budget.perTick, askers.count >= cap {
                note(agent: agent, tick: tick, members: 1, status: .capped)
            } else {
                askers.append(k)
            }
        }
        // Archetypes: askers sharing persona attributes, instrument and bucket share a question.
        var groups: [String: [Int]] = [:]
        var observations: [Int: EscalationObservation] = [:]
        for k in askers {
            let agent = escalated[k]
            let o = side.observe(agent: agent, tick: tick, settings: settings)
            observations[agent] = o
            var id = "\(side.context(of: agent))"
            if let personas = settings.personas, !settings.archetypes.by.isEmpty {
                id += "|" + settings.archetypes.by.map { personas.value(agent: agent, $0) ?? "" }.joined(separator: "|")
                if settings.archetypes.observationBuckets { id += "|" + o.bucket }
            } else {
                id += "|agent \(agent)"
            }
            groups[id, default: []].append(agent)
        }
        var questions: [Question] = []
        var asks: [LLMAsk] = []
        for (archetype, members) in groups.map({ ($0.key, $0.value.sorted()) }).sorted(by: { $0.1[0] < $1.1[0] }) {
            let rep = members[0]
            if let calls = settings.budget.calls, accounting.questions >= calls {
                note(agent: rep, tick: tick, members: members.count, status: .budget)
                continue
            }
            if let tokens = settings.budget.tokens, accounting.tokensIn + accounting.tokensOut >= tokens {
                note(agent: rep, tick: tick, members: members.count, status: .budget)
                continue
            }
            var system = settings.instructions ?? Side.defaultInstructions
            if let p = settings.personas { system += "\n" + p.profile(agent: rep) }
            let request = ChatRequest(model: settings.endpoint?.model ?? "none",
                                      messages: [ChatMessage(.system, system), ChatMessage(.user, observations[rep]!.text)],
                                      tools: tools, sampling: settings.sampling, toolChoice: settings.toolChoice)
            var ask = LLMAsk(tick: tick, index: asks.count, request: request, endpoint: endpointName)
            ask.members = members
            ask.archetype = archetype
            asks.append(ask)
            questions.append(Question(members: members, context: side.context(of: rep), prompt: system + "\n\n" + observations[rep]!.text,
                                      key: ask.key))
            accounting.questions += 1
            accounting.covered += members.count
        }
        guard !asks.isEmpty else { return }
        inFlight[tick] = questions
        for q in questions { waiting.formUnion(q.members) }
        source.ask(asks)
    }

    /// Records a decision that did not reach the LLM (cap, budget).
    private func note(agent: Int, tick: Int, members: Int, status: Fallback) {
        accounting.fallbacks[status, default: 0] += members
        events.append(Record(agent: agent, asked: tick, index: -1, members: members, status: status, source: LLMReply.Source.none.rawValue,
                             key: 0, tool: "", arguments: "", failure: "", answer: "", prompt: "", promptTokens: 0, completionTokens: 0,
                             attempts: 0, milliseconds: 0))
    }

    // MARK: collecting and applying

    private func collect(askedAt tick: Int, side: Side) {
        let questions = inFlight.removeValue(forKey: tick) ?? []
        for q in questions { waiting.subtract(q.members) }
        let replies = collected.removeValue(forKey: tick) ?? source.answers(askedAt: tick)
        precondition(replies.count == questions.count, "one answer per question")
        let mix = Probability(min(1, max(0, settings.archetypes.mix)))
        let draws = RandomStream(seed: seed, stream: stream ^ 0x313).tick(tick)
        for (index, (q, reply)) in zip(questions, replies).enumerated() {
            if source.isReplay && reply.source != .none { accounting.replayed += 1 }
            switch reply.source {
            case .endpoint:
                // Sent (at least one attempt reached the endpoint), answered (a body that parsed
                // came back), or never sent (the breaker, the deadline or the budget stopped it
                // first); latency is over the answered ones only.
                if reply.attempts > 0 { accounting.sent += 1 } else { accounting.neverSent += 1 }
                if reply.answer != nil {
                    accounting.calls += 1
                    accounting.latencies.append(reply.milliseconds)
                }
            case .cache: accounting.cacheHits += 1
            case .none: break
            }
            accounting.retries += max(0, reply.attempts - 1)
            if let a = reply.answer {
                accounting.tokensIn += a.promptTokens
                accounting.tokensOut += a.completionTokens
                if a.repairedControlCharacters > 0 { accounting.repaired += 1 }
            }
            var status: Fallback?
            var decision: Side.Decision?
            var failure = reply.failure ?? ""
            if reply.source == .none {
                status = .noEndpoint
            } else if let answer = reply.answer {
                switch side.decision(from: answer, offered: tools, asker: q.members[0], context: q.context, settings: settings) {
                case .success(let d):
                    decision = d
                case .failure(let rejection):
                    status = rejection.reason
                    failure = rejection.detail
                }
            } else {
                status = .failed
                accounting.failures += 1
            }
            if let decision {
                var takers: [Int] = []
                for m in q.members {
                    var r = draws.agent(m)
                    if mix.isCertain || r.bernoulli(mix) {
                        decisions[m] = decision
                        // Only the trader's host acts on it; every process keeps the decision.
                        if pendingFlag.indices.contains(m) { pendingFlag[m] = 1 }
                        side.apply(decision, member: m)
                        accounting.decisions += 1
                        takers.append(m)
                    } else {
                        accounting.fallbacks[.mixed, default: 0] += 1
                    }
                }
                source.applied(askedAt: tick, index: index, takers: takers)
            } else if let status {
                accounting.fallbacks[status, default: 0] += q.members.count
            }
            let call = reply.answer?.toolCalls.first
            events.append(Record(agent: q.members[0], asked: tick, index: index, members: q.members.count, status: status,
                                 source: reply.source.rawValue, key: q.key, tool: call?.name ?? "", arguments: call?.arguments ?? "",
                                 failure: failure, answer: reply.raw, prompt: q.prompt,
                                 promptTokens: reply.answer?.promptTokens ?? 0, completionTokens: reply.answer?.completionTokens ?? 0,
                                 attempts: reply.attempts, milliseconds: reply.milliseconds))
        }
    }

    /// Records the tick's `llm` events (in a serial hook).
    func record(into recorder: inout ShardRecorder) {
        for e in events {
            let values: [Int64] = [
                Int64(e.asked), Int64(e.index), Int64(e.members), Self.statusCode(e.status), Int64(e.source), e.key,
                recorder.text(e.tool), recorder.text(e.arguments), recorder.text(e.failure), recorder.text(e.answer), recorder.text(e.prompt),
                Int64(e.promptTokens), Int64(e.completionTokens), Int64(e.attempts), Int64(e.milliseconds),
            ]
            recorder.record(kind: event.id, agent: e.agent, values: values)
        }
    }

    /// The run's notes: where answers came from, the first real error the endpoint gave, and any
    /// `tool_choice` the server refused.
    var notes: [String] {
        var out = ["llm: " + source.label]
        if settings.modelDiscovered, let e = settings.endpoint {
            out.append("llm: no model was named; \(e.baseURL.absoluteString) serves one, \(e.model), and the run used it")
        }
        if let stats = source.clientStats {
            if let first = stats.firstError { out.append("llm: the endpoint's first error: " + first) }
            if let settled = stats.settledToolChoice {
                let shown = settled.hasPrefix(ChatRequest.namedPrefix) ? "the function " + settled.dropFirst(ChatRequest.namedPrefix.count) : settled
                out.append("llm: the endpoint refused tool_choice \(settings.toolChoice); questions were asked with \(shown) instead")
            }
            if let ceiling = stats.concurrencyCeiling, let max = settings.endpoint?.maxConcurrency, ceiling < max {
                out.append("llm: the endpoint's answers slowed past \(ceiling) request\(ceiling == 1 ? "" : "s") at once; "
                           + "the client kept to \(stats.concurrency) (max_concurrency \(max))")
            }
        }
        return out
    }

    /// The run's LLM figures, for the summary.
    func summary() -> [(name: String, value: Double)] {
        var a = accounting
        var client: [(name: String, value: Double)] = []
        if let stats = source.clientStats {
            a.retries = max(a.retries, stats.retries)
            client = LLMFailure.kinds.map { ("llm.failure.\($0)", Double(stats.failures[$0] ?? 0)) }
                + [("llm.retry_after_capped", Double(stats.retryAfterCapped)),
                   ("llm.tool_choice_auto", Double(stats.toolChoiceFallbacks["auto"] ?? 0)),
                   ("llm.tool_choice_function", Double(stats.toolChoiceFallbacks["function"] ?? 0)),
                   ("llm.concurrency", Double(stats.concurrency)), ("llm.timeout_retries", Double(stats.timeoutRetries))]
        }
        return [("llm.escalated_agents", Double(escalated.count))] + a.figures + client
    }

    // MARK: checkpoints

    func save(to w: inout StateWriter) {
        // Questions in flight are answered before the state is written, so a resumed run applies
        // the same answers.
        for t in inFlight.keys.sorted() where collected[t] == nil { collected[t] = source.answers(askedAt: t) }
        w.write(lastAsked.map(Int64.init))
        Side.save(triggers, to: &w)
        let pending = decisions.keys.sorted()
        w.write(pending.count)
        for a in pending { w.write(a); Side.write(decisions[a]!, to: &w) }
        let ticks = inFlight.keys.sorted()
        w.write(ticks.count)
        for t in ticks {
            w.write(t)
            let qs = inFlight[t]!, rs = collected[t]!
            w.write(qs.count)
            for (q, r) in zip(qs, rs) {
                w.write(q.members.map(Int64.init)); w.write(q.context); w.write(q.prompt); w.write(q.key)
                w.write(r.raw); w.write(r.failure ?? "\u{0}"); w.write(r.attempts); w.write(r.milliseconds); w.write(r.source.rawValue)
            }
        }
        let a = accounting
        for v in [a.calls, a.cacheHits, a.replayed, a.failures, a.tokensIn, a.tokensOut, a.retries, a.decisions, a.questions, a.covered,
                  a.sent, a.neverSent] {
            w.write(v)
        }
        w.write(a.latencies.map(Int64.init))
        for f in Fallback.allCases { w.write(a.fallbacks[f] ?? 0) }
        w.write(a.repaired)
    }

    func load(from r: inout StateReader) throws(StateReader.Failure) {
        func ints(_ n: Int) throws(StateReader.Failure) -> [Int64] {
            let v = try r.int64s()
            guard v.count == n else { throw StateReader.Failure(description: "LLM state: \(v.count) values where \(n) were expected") }
            return v
        }
        lastAsked = try ints(escalated.count).map { Int($0) }
        triggers = try Side.loadTriggers(count: escalated.count, from: &r)
        for a in decisions.keys where pendingFlag.indices.contains(a) { pendingFlag[a] = 0 }
        decisions = [:]
        for _ in 0..<(try r.int()) {
            let a = try r.int()
            guard a >= 0 && a < agentCount else { throw StateReader.Failure(description: "LLM state: agent \(a) out of range") }
            decisions[a] = try Side.readDecision(from: &r)
            if pendingFlag.indices.contains(a) { pendingFlag[a] = 1 }
        }
        inFlight = [:]
        collected = [:]
        waiting = []
        for _ in 0..<(try r.int()) {
            let t = try r.int()
            var qs: [Question] = [], rs: [LLMReply] = []
            for _ in 0..<(try r.int()) {
                let members = try r.int64s().map { Int($0) }
                let q = Question(members: members, context: try r.int(), prompt: try r.string(), key: try r.int64())
                let raw = try r.string(), failure = try r.string(), attempts = try r.int(), ms = try r.int(), source = try r.int()
                let reply = LLMReply.recorded(raw: raw, failure: failure == "\u{0}" ? nil : failure, attempts: attempts, milliseconds: ms,
                                              source: LLMReply.Source(rawValue: source) ?? .endpoint)
                qs.append(q)
                rs.append(reply)
            }
            inFlight[t] = qs
            collected[t] = rs
            for q in qs { waiting.formUnion(q.members) }
        }
        var a = LLMAccounting()
        a.calls = try r.int(); a.cacheHits = try r.int(); a.replayed = try r.int(); a.failures = try r.int()
        a.tokensIn = try r.int(); a.tokensOut = try r.int(); a.retries = try r.int(); a.decisions = try r.int(); a.questions = try r.int()
        a.covered = try r.int()
        a.sent = try r.int(); a.neverSent = try r.int()
        a.latencies = try r.int64s().map { Int($0) }
        for f in Fallback.allCases { let n = try r.int(); if n > 0 { a.fallbacks[f] = n } }
        a.repaired = try r.int()
        accounting = a
    }
}
