import AgoraCore

/// Which agents ask the LLM, when, and how often — the scenario's `llm.escalation`.
public struct EscalationRules: Sendable, Hashable {
    /// Share of the eligible agents escalated, drawn from the seed.
    public var fraction: Double = 0
    /// Agents escalated by id, besides the sampled ones.
    public var agents: [Int] = []
    /// Population indices whose agents may be escalated (empty: all).
    public var populations: [Int] = []
    /// Ask every `every` ticks regardless of triggers (0: only on triggers).
    public var every: Int = 0
    /// Triggers. A price move: the mid of the agent's instrument moved at least this many basis
    /// points over `lookback` ticks.
    public var priceMoveBasisPoints: Int?
    public var lookback: Int = 10
    /// A drawdown: the agent's mark-to-market wealth fell this many basis points below its peak.
    public var drawdownBasisPoints: Int?
    /// A news item reached the agent (on a network: it heard it; without: it broke).
    public var onNews = false
    /// A post from someone the agent follows reached it (on a network).
    public var onFollowedPost = false
    /// Ticks an agent waits after asking before it may ask again.
    public var cooldown: Int = 5

    public init() {}
}

/// Archetypes: escalated agents that share these persona attributes (and instrument, and
/// optionally an observation bucket) share one call per decision.
public struct ArchetypeRules: Sendable, Hashable {
    /// Persona attributes that define an archetype (empty: each agent asks for itself).
    public var by: [String] = []
    /// Also split archetypes by the bucketed observation: the sign of the recent return, and
    /// whether the agent holds more or fewer shares than it started with.
    public var observationBuckets = false
    /// The chance that a member applies the archetype's answer; otherwise it follows its own rule.
    public var mix: Double = 1

    public init() {}
}

/// Caps on what a run spends.
public struct LLMBudget: Sendable, Hashable {
    /// At most this many questions a tick (nil: no cap).
    public var perTick: Int?
    /// At most this many questions in the run.
    public var calls: Int?
    /// No question once the answers so far have used this many tokens (in + out).
    public var tokens: Int?

    public init() {}
}

/// Everything a scenario's `llm` section says, validated.
public struct LLMSettings: Sendable, Hashable {
    /// nil: no endpoint — escalated agents use their rule policies and the summary says so.
    public var endpoint: EndpointSettings?
    /// Why there is no endpoint, when there is more to say than that none is configured.
    public var noEndpointReason: String?
    /// An endpoint whose base URL is known but whose model is not (OPENAI_BASE_URL without
    /// OPENAI_MODEL): `agora run` asks it which models it serves (`ModelDiscovery`) and uses the
    /// one it serves; until then there is no endpoint.
    public var undiscovered: EndpointSettings?
    /// True when the endpoint's model was found by asking it (the run's notes say so).
    public var modelDiscovered = false
    public var sampling = Sampling()
    /// Answers to questions asked at tick t are applied at tick t + latency (≥ 1): the run goes on
    /// meanwhile and waits, at t + latency, for whatever has not arrived.
    public var latency = 1
    /// Answer identical requests from the catalog's response cache.
    public var cache = false
    public var budget = LLMBudget()
    public var escalation = EscalationRules()
    public var archetypes = ArchetypeRules()
    public var personas: Personas?
    /// `tool_choice` sent with every question: `required` (the default: answer with a tool call) or
    /// `auto`, for servers that do not accept `required`.
    public var toolChoice = "required"
    /// The system prompt's opening; the persona's profile follows it. nil: the model's own
    /// (a trader's, a network user's).
    public var instructions: String?
    /// The tools offered, by name (empty: every tool the model has).
    public var tools: [String] = []
    /// The longest text an answer may carry (a post), in characters; longer answers fall back
    /// (`too_long`).
    public var maxText = 1_000

    public init() {}
}

/// What the LLM side of a run did, for the summary, the catalog and `--json`.
public struct LLMAccounting: Sendable, Hashable {
    /// Questions answered by the endpoint (a body that parsed came back), by the cache, from a recording.
    public var calls = 0
    /// Questions the endpoint was asked (at least one attempt sent), and those never sent (the
    /// breaker was open, or the deadline passed before an attempt could start).
    public var sent = 0
    public var neverSent = 0
    public var cacheHits = 0
    public var replayed = 0
    public var failures = 0
    public var tokensIn = 0
    public var tokensOut = 0
    /// Milliseconds per answered endpoint call.
    public var latencies: [Int] = []
    public var retries = 0
    /// Agent-decisions the LLM made (archetype members included) and those that fell back, by reason.
    public var decisions = 0
    public var fallbacks: [Fallback: Int] = [:]
    /// Questions asked (each answered one way or another), and the agent-decisions they covered.
    public var questions = 0
    public var covered = 0
    /// Answers read only after raw control characters inside their JSON strings were escaped
    /// (a leniency, counted apart from the fallbacks; out-of-range numbers are still refused).
    public var repaired = 0

    public init() {}

    /// The p-th percentile (0…100) of endpoint latency, nearest rank; 0 with no calls.
    public func latency(percentile p: Double) -> Int {
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[min(sorted.count, rank) - 1]
    }

    /// Agent-decisions each question stood for (an archetype's question stands for all its members).
    public var decisionsPerCall: Double {
        questions > 0 ? Double(covered) / Double(questions) : 0
    }

    /// (name, value) pairs in a fixed order for summaries and the catalog.
    public var figures: [(name: String, value: Double)] {
        var out: [(String, Double)] = [
            ("llm.questions", Double(questions)), ("llm.sent", Double(sent)), ("llm.calls", Double(calls)),
            ("llm.never_sent", Double(neverSent)), ("llm.cache_hits", Double(cacheHits)),
            ("llm.replayed", Double(replayed)), ("llm.failures", Double(failures)), ("llm.retries", Double(retries)),
            ("llm.tokens_in", Double(tokensIn)), ("llm.tokens_out", Double(tokensOut)),
            ("llm.latency_p50_ms", Double(latency(percentile: 50))), ("llm.latency_p95_ms", Double(latency(percentile: 95))),
            ("llm.latency_p99_ms", Double(latency(percentile: 99))),
            ("llm.decisions", Double(decisions)), ("llm.covered", Double(covered)), ("llm.decisions_per_call", decisionsPerCall),
            ("llm.repaired", Double(repaired)),
        ]
        for f in Fallback.allCases { out.append(("llm.fallback.\(f.rawValue)", Double(fallbacks[f] ?? 0))) }
        return out
    }
}
