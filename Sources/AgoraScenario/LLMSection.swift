import AgoraLLM
import AgoraModels
import Foundation
import Yams

/// Reading the `llm` section (docs/llm.md) into `LLMSettings`.
///
/// The endpoint comes from `llm.endpoint` or, field by field, from the environment:
/// `OPENAI_BASE_URL`, `OPENAI_MODEL`, and the key from the variable `api_key_env` names
/// (`OPENAI_API_KEY` by default). A key never appears in a scenario file: the file is copied into
/// every run directory.
extension NodeReader {
    static let llmKeys = ["endpoint", "sampling", "latency_ticks", "cache", "budget", "escalation", "archetypes", "personas", "instructions",
                          "tool_choice", "tools", "max_text"]

    mutating func llmSection(_ node: Node, _ path: String, populations: [Population], model descriptor: ModelDescriptor) -> LLMSettings? {
        guard let m = mapping(node, path, allowed: Self.llmKeys) else { return nil }
        note(node, path)
        var s = LLMSettings()
        let before = issues.count

        // Endpoint: the scenario's fields, else the environment's.
        var baseURL = environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        var model = environment["OPENAI_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        var keyVariable = "OPENAI_API_KEY"
        var baseFromScenario = false
        var tuning: [(String, Node)] = []
        let ep = "\(path).endpoint"
        var endpointNode: Node?
        if let n = m["endpoint"], let em = mapping(n, ep, allowed: ["base_url", "model", "api_key_env", "api_key", "timeout_s",
                                                                    "max_concurrency", "max_retries", "requests_per_minute",
                                                                    "deadline_s", "max_response_bytes", "retry_after_max_s"]) {
            endpointNode = n
            if let v = em["base_url"] { baseURL = string(v, "\(ep).base_url"); baseFromScenario = true }
            if let v = em["model"] { model = string(v, "\(ep).model") }
            if let v = em["api_key_env"], let name = string(v, "\(ep).api_key_env") { keyVariable = name }
            if let v = em["api_key"] {
                fail(v, "\(ep).api_key", "keys do not belong in scenario files (they are copied into every run directory); "
                     + "put the key in an environment variable and name it with api_key_env")
            }
            for k in ["timeout_s", "max_concurrency", "max_retries", "requests_per_minute", "deadline_s", "max_response_bytes",
                      "retry_after_max_s"] {
                if let v = em[k] { tuning.append((k, v)) }
            }
        }
        if let text = baseURL {
            if let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
                if model == nil && baseFromScenario {
                    fail(endpointNode ?? node, "\(ep).model", "missing; the name of the model the endpoint serves (or set OPENAI_MODEL)")
                    _ = finish(m, path, s, populations: populations, model: descriptor)
                    return nil
                }
                let key = environment[keyVariable].flatMap { $0.isEmpty ? nil : Secret($0) }
                var e = EndpointSettings(baseURL: url, model: model ?? "", apiKey: key)
                for (k, v) in tuning {
                    let p = "\(ep).\(k)"
                    switch k {
                    case "timeout_s": if let x = number(v, p, min: 0.1, max: 3_600, phrase: "seconds in 0.1...3600") { e.timeoutSeconds = x }
                    case "max_concurrency": if let x = integer(v, p, min: 1, max: 1_024) { e.maxConcurrency = x }
                    case "max_retries": if let x = integer(v, p, min: 0, max: 100) { e.maxRetries = x }
                    case "deadline_s": if let x = number(v, p, min: 0.1, max: 86_400, phrase: "seconds in 0.1...86400") { e.questionDeadlineSeconds = x }
                    case "max_response_bytes": if let x = integer(v, p, min: 1_024, max: 1 << 30) { e.maxResponseBytes = x }
                    case "retry_after_max_s": if let x = number(v, p, min: 0, max: 3_600, phrase: "seconds in 0...3600") { e.retryAfterMaxSeconds = x }
                    default: if let x = number(v, p, min: 0.001, max: 1e9, phrase: "a positive number") { e.requestsPerMinute = x }
                    }
                }
                if model == nil {
                    // OPENAI_BASE_URL alone: there is no endpoint until `agora run` asks it which
                    // model it serves (ModelDiscovery); validation and tests stay offline.
                    s.noEndpointReason = "OPENAI_BASE_URL is set but names no model (llm.endpoint.model or OPENAI_MODEL)"
                    s.undiscovered = e
                } else {
                    s.endpoint = e
                }
            } else {
                fail(endpointNode ?? node, "\(ep).base_url", "'\(text)' is not an http(s) URL")
            }
        }

        // Everything else is checked too, so every problem is reported at once.
        let rest = finish(m, path, s, populations: populations, model: descriptor)
        return issues.count == before ? rest : nil
    }

    /// The section's fields besides the endpoint.
    mutating func finish(_ m: Node.Mapping, _ path: String, _ settings: LLMSettings, populations: [Population],
                         model: ModelDescriptor) -> LLMSettings? {
        var s = settings
        let before = issues.count
        if let n = m["sampling"], let sm = mapping(n, "\(path).sampling", allowed: ["temperature", "top_p", "max_tokens", "seed"]) {
            let p = "\(path).sampling"
            s.sampling.temperature = sm["temperature"].flatMap { number($0, "\(p).temperature", min: 0, max: 2, phrase: "a number in 0...2") }
            s.sampling.topP = sm["top_p"].flatMap { number($0, "\(p).top_p", min: 0, max: 1, phrase: "a number in 0...1") }
            s.sampling.maxTokens = sm["max_tokens"].flatMap { integer($0, "\(p).max_tokens", min: 1, max: 1_000_000) }
            s.sampling.seed = sm["seed"].flatMap { integer($0, "\(p).seed", min: 0, max: Int(Int32.max)) }
        }
        if let n = m["latency_ticks"], let v = integer(n, "\(path).latency_ticks", min: 1, max: 10_000) { s.latency = v }
        if let n = m["cache"], let v = flag(n, "\(path).cache") { s.cache = v }
        if let n = m["instructions"], let v = string(n, "\(path).instructions") { s.instructions = v }
        if let n = m["tool_choice"], let v = string(n, "\(path).tool_choice") {
            if ["required", "auto"].contains(v) { s.toolChoice = v } else { fail(n, "\(path).tool_choice", "expected required or auto, got \"\(v)\"") }
        }
        if let n = m["budget"], let bm = mapping(n, "\(path).budget", allowed: ["per_tick", "calls", "tokens"]) {
            let p = "\(path).budget"
            s.budget.perTick = bm["per_tick"].flatMap { integer($0, "\(p).per_tick", min: 0) }
            s.budget.calls = bm["calls"].flatMap { integer($0, "\(p).calls", min: 0) }
            s.budget.tokens = bm["tokens"].flatMap { integer($0, "\(p).tokens", min: 0) }
        }
        if let n = m["personas"] { s.personas = personas(n, "\(path).personas") }
        if let n = m["escalation"] {
            escalation(n, "\(path).escalation", into: &s.escalation, populations: populations, triggers: model.llmTriggers, model: model.name)
        }
        if let n = m["tools"] {
            let names = stringList(n, "\(path).tools")
            for name in names where !model.llmTools.contains(name) {
                fail(n, "\(path).tools", "the \(model.name) model has no tool '\(name)'; its tools: \(model.llmTools.joined(separator: ", "))")
            }
            if names.isEmpty && issues.count == before { fail(n, "\(path).tools", "expected at least one tool") }
            s.tools = names
        }
        if let n = m["max_text"], let v = integer(n, "\(path).max_text", min: 1, max: 1_000_000) { s.maxText = v }
        if let n = m["archetypes"], let am = mapping(n, "\(path).archetypes", allowed: ["by", "observation_buckets", "mix"]) {
            let p = "\(path).archetypes"
            if let b = am["by"] {
                let names = stringList(b, "\(p).by")
                let known = s.personas?.attributes.map(\.name) ?? []
                for name in names where !known.contains(name) {
                    fail(b, "\(p).by", "no persona attribute '\(name)'" + (known.isEmpty ? "; define llm.personas first" : "; attributes: \(known.joined(separator: ", "))"))
                }
                s.archetypes.by = names
            }
            if let v = am["observation_buckets"].flatMap({ flag($0, "\(p).observation_buckets") }) { s.archetypes.observationBuckets = v }
            if let v = am["mix"].flatMap({ number($0, "\(p).mix", min: 0, max: 1, phrase: "a probability in 0...1") }) { s.archetypes.mix = v }
        }
        return issues.count == before ? s : nil
    }

    mutating func stringList(_ node: Node, _ path: String) -> [String] {
        guard case .sequence(let seq) = node else {
            fail(node, path, "expected a list of names, got \(Self.describe(node))")
            return []
        }
        return seq.enumerated().compactMap { string($1, "\(path)[\($0)]") }
    }

    mutating func escalation(_ node: Node, _ path: String, into e: inout EscalationRules, populations: [Population], triggers: [String],
                             model: String) {
        guard let m = mapping(node, path, allowed: ["fraction", "agents", "populations", "every", "triggers", "cooldown_ticks"]) else { return }
        if let v = m["fraction"].flatMap({ number($0, "\(path).fraction", min: 0, max: 1, phrase: "a probability in 0...1") }) { e.fraction = v }
        if let n = m["agents"] {
            if case .sequence(let seq) = n {
                let total = populations.reduce(0) { $0 + ($1.count ?? 0) }
                e.agents = seq.enumerated().compactMap { integer($1, "\(path).agents[\($0)]", min: 0, max: max(0, total - 1)) }
            } else {
                fail(n, "\(path).agents", "expected a list of agent ids, got \(Self.describe(n))")
            }
        }
        if let n = m["populations"] {
            let kinds = stringList(n, "\(path).populations")
            for k in kinds where !populations.contains(where: { $0.kind == k }) {
                fail(n, "\(path).populations", "no population of kind '\(k)'; kinds here: \(Set(populations.map(\.kind)).sorted().joined(separator: ", "))")
            }
            e.populations = populations.indices.filter { kinds.contains(populations[$0].kind) }
        }
        if let v = m["every"].flatMap({ integer($0, "\(path).every", min: 0) }) { e.every = v }
        if let v = m["cooldown_ticks"].flatMap({ integer($0, "\(path).cooldown_ticks", min: 0) }) { e.cooldown = v }
        if let n = m["triggers"], let t = mapping(n, "\(path).triggers", allowed: triggers) {
            let p = "\(path).triggers"
            e.priceMoveBasisPoints = t["price_move_bps"].flatMap { integer($0, "\(p).price_move_bps", min: 1, max: 100_000) }
            if let v = t["lookback"].flatMap({ integer($0, "\(p).lookback", min: 1, max: 10_000) }) { e.lookback = v }
            e.drawdownBasisPoints = t["drawdown_bps"].flatMap { integer($0, "\(p).drawdown_bps", min: 1, max: 10_000) }
            if let v = t["news"].flatMap({ flag($0, "\(p).news") }) { e.onNews = v }
            if let v = t["followed_post"].flatMap({ flag($0, "\(p).followed_post") }) { e.onFollowedPost = v }
        }
        if e.fraction == 0 && e.agents.isEmpty {
            fail(node, "\(path).fraction", "nobody is escalated; give a fraction above 0 or list agents")
        }
    }

    mutating func personas(_ node: Node, _ path: String) -> Personas? {
        guard let m = mapping(node, path, allowed: ["attributes", "template", "seed"]) else { return nil }
        var attributes: [(name: String, distribution: AttributeDistribution)] = []
        if let n = m["attributes"], case .mapping(let am) = n {
            for (key, value) in am {
                guard let name = key.string, !name.isEmpty else { continue }
                if let d = distribution(value, "\(path).attributes.\(name)") { attributes.append((name, d)) }
            }
        } else {
            fail(m["attributes"] ?? node, "\(path).attributes", "expected a mapping of attribute names to distributions")
        }
        var template = ""
        if let n = m["template"], let t = string(n, "\(path).template") {
            template = t
            for p in Personas.placeholders(t) where !attributes.contains(where: { $0.name == p }) {
                fail(n, "\(path).template", "{\(p)} names no attribute; attributes: \(attributes.map(\.name).joined(separator: ", "))")
            }
        } else if m["template"] == nil {
            fail(node, "\(path).template", "missing; the profile text, with {attribute} placeholders")
        }
        let seed = m["seed"].flatMap { integer($0, "\(path).seed", min: 0) }.map(UInt64.init) ?? scenarioSeed
        return Personas(attributes: attributes, template: template, seed: seed)
    }

    mutating func distribution(_ node: Node, _ path: String) -> AttributeDistribution? {
        let kinds = ["uniform", "normal", "lognormal", "choice"]
        guard let m = mapping(node, path, allowed: kinds + ["weights", "integer"]) else { return nil }
        let present = kinds.filter { m[$0] != nil }
        guard present.count == 1, let kind = present.first, let spec = m[kind] else {
            fail(node, path, "expected exactly one of \(kinds.joined(separator: ", "))")
            return nil
        }
        func numbers(_ n: Node, _ p: String, _ count: Int) -> [Double]? {
            guard case .sequence(let seq) = n, seq.count == count else {
                fail(n, p, "expected a list of \(count) numbers")
                return nil
            }
            let v = seq.enumerated().compactMap { number($1, "\(p)[\($0)]", min: -1e12, max: 1e12, phrase: "a number") }
            return v.count == count ? v : nil
        }
        switch kind {
        case "uniform":
            guard let v = numbers(spec, "\(path).uniform", 2) else { return nil }
            guard v[0] <= v[1] else { fail(spec, "\(path).uniform", "the low end exceeds the high end"); return nil }
            let integer = m["integer"].flatMap { flag($0, "\(path).integer") } ?? (v[0].rounded() == v[0] && v[1].rounded() == v[1])
            return .uniform(min: v[0], max: v[1], integer: integer)
        case "normal", "lognormal":
            guard let v = numbers(spec, "\(path).\(kind)", 2) else { return nil }
            guard v[1] >= 0 else { fail(spec, "\(path).\(kind)", "the spread must not be negative"); return nil }
            return kind == "normal" ? .normal(mean: v[0], sd: v[1]) : .lognormal(mu: v[0], sigma: v[1])
        default:
            let names = stringList(spec, "\(path).choice")
            guard !names.isEmpty else { fail(spec, "\(path).choice", "expected at least one option"); return nil }
            var weights: [Double] = []
            if let w = m["weights"] {
                guard let ws = numbers(w, "\(path).weights", names.count) else { return nil }
                guard ws.allSatisfy({ $0 >= 0 }), ws.reduce(0, +) > 0 else { fail(w, "\(path).weights", "weights must be non-negative and not all zero"); return nil }
                weights = ws
            }
            return .choice(names, weights: weights)
        }
    }
}
