import AgoraEngine
import AgoraLLM

extension Escalation {
    /// Questions the live monitor shows of one tick.
    static var liveQuestions: Int { 8 }

    /// The last tick's questions and what came back, as text: the prompt, and the tool call's
    /// arguments (or the answer's text, or the failure) — at most `liveQuestions` of them.
    var liveExchanges: [LiveView.Exchange] {
        events.suffix(Self.liveQuestions).map { e in
            let answer = !e.arguments.isEmpty ? e.tool + " " + e.arguments : !e.answer.isEmpty ? e.answer : e.failure
            return LiveView.Exchange(tick: e.asked, agent: e.agent, question: e.prompt, answer: answer,
                                     status: e.status?.rawValue ?? "applied")
        }
    }
}
