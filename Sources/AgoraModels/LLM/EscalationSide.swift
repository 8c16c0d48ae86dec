import AgoraCore
import AgoraLLM

/// What one kind of agent brings to LLM escalation (`Escalation`): when it wants to ask, what it is
/// shown, how an answer becomes its decision, and what a decision changes.
///
/// The escalation itself — who is escalated, cooldowns, the per-tick cap, archetypes, budgets,
/// latency, the answer sources, accounting, the `llm` events, replay and checkpoints — is the same
/// for every kind; a trader (`MarketModel`) and a network user (`NewsModel`) differ only here.
/// Every method runs in a serial hook, on every process of a spread run, with the same inputs.
protocol EscalationSide: AnyObject {
    /// A checked answer, as the agent applies it.
    associatedtype Decision: Hashable & Sendable
    /// What an escalated agent's triggers remember between ticks.
    associatedtype Triggers: Sendable

    /// The triggers of an agent that has seen nothing yet.
    static var noTriggers: Triggers { get }
    /// The system prompt's opening when the scenario gives none.
    static var defaultInstructions: String { get }

    /// What a question's members share besides their archetype (a trader's instrument; 0 for kinds
    /// with nothing of the sort).
    func context(of agent: Int) -> Int
    /// Whether escalated `agent` wants to ask at the end of `tick` (the cadence `every` is checked
    /// by the escalation); updates what its triggers remember.
    func fires(agent: Int, triggers: inout Triggers, tick: Int, rules: EscalationRules) -> Bool
    /// What `agent` is shown at the end of `tick`, and its observation bucket.
    func observe(agent: Int, tick: Int, settings: LLMSettings) -> EscalationObservation
    /// Reads an answer to the question `asker` (the lowest-numbered member) asked into a decision,
    /// or why it cannot be applied.
    func decision(from answer: ChatAnswer, offered: [ToolSpec], asker: Int, context: Int, settings: LLMSettings)
        -> Result<Decision, ToolRejection>
    /// What a member taking `decision` changes that every process keeps (a trader's posted view, a
    /// follow request); the agent's own part is applied by its shard in the next tick.
    func apply(_ decision: Decision, member: Int)

    static func save(_ triggers: [Triggers], to w: inout StateWriter)
    static func loadTriggers(count: Int, from r: inout StateReader) throws(StateReader.Failure) -> [Triggers]
    static func write(_ decision: Decision, to w: inout StateWriter)
    static func readDecision(from r: inout StateReader) throws(StateReader.Failure) -> Decision
}

/// What one escalated agent is shown, and the observation bucket its archetype may split by.
struct EscalationObservation {
    var text: String
    var bucket: String
}
