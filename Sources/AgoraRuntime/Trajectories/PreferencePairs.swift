import AgoraLLM
import Foundation

/// A chosen and a rejected answer to one prompt context, paired by what each earned.
struct PreferencePair {
    var chosen: TrajectoryExample
    var rejected: TrajectoryExample
    /// How the pair was made: `archetype` (two questions of one archetype and observation bucket),
    /// `invalid` (an answer that fell back, against the context's best), or `runs` (one prompt
    /// answered in two runs).
    var basis: String

    /// OpenAI's preference layout; the prompt is the chosen answer's (for `runs`, both runs' prompt).
    func line(bare: Bool) -> String {
        let input: [(String, JSON)] = [("messages", .array(chosen.messages)), ("tools", chosen.tools), ("parallel_tool_calls", false)]
        var pairs: [(String, JSON)] = [
            ("input", .object(input)),
            ("preferred_output", .array([chosen.assistant])), ("non_preferred_output", .array([rejected.assistant])),
        ]
        if !bare {
            let margin = TrajectoryExample.number(chosen.reward.flatMap { c in rejected.reward.map { c - $0 } })
            var rejectedPrompt: JSON = .null
            if basis != "runs", let user = rejected.question.request.messages.last?.content { rejectedPrompt = .string(user) }
            pairs.append(("agora", .object([
                ("basis", .string(basis)), ("margin", margin), ("chosen", chosen.provenanceJSON), ("rejected", rejected.provenanceJSON),
                ("rejected_prompt", rejectedPrompt),
            ])))
        }
        return JSON.object(pairs).rendered
    }
}

/// Preference pairs made from the simulation itself (docs/trajectories.md).
enum PreferencePairs {
    /// Within one run: questions of one archetype — the same instrument or context, persona
    /// attributes and observation bucket — and one set of tools, whose answers did different
    /// things. In each context, answers are ranked by reward and the best is paired with the
    /// worst, the second with the second worst, and so on, while the rewards differ by at least
    /// `margin` (and by something). With `includeInvalid`, each answer that fell back is also a
    /// rejected answer against its context's best valid one.
    static func within(_ examples: [TrajectoryExample], margin: Double, includeInvalid: Bool) -> [PreferencePair] {
        var groups: [String: [TrajectoryExample]] = [:]
        var order: [String] = []
        for x in examples where x.reward != nil {
            let key = x.question.archetype + "\u{1F}" + x.tools.rendered
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(x)
        }
        var out: [PreferencePair] = []
        for key in order {
            let all = groups[key]!
            // Best first; ties keep the order asked, so pairs are the same on every run.
            let ranked = all.filter(\.valid).enumerated().sorted { a, b in
                a.element.reward! != b.element.reward! ? a.element.reward! > b.element.reward! : a.offset < b.offset
            }.map(\.element)
            var i = 0, j = ranked.count - 1
            while i < j {
                let best = ranked[i], worst = ranked[j]
                let gap = best.reward! - worst.reward!
                if gap <= 0 || gap < margin { break }
                if best.action != worst.action { out.append(PreferencePair(chosen: best, rejected: worst, basis: "archetype")) }
                i += 1
                j -= 1
            }
            if includeInvalid, let best = ranked.first {
                for bad in all where !bad.valid { out.append(PreferencePair(chosen: best, rejected: bad, basis: "invalid")) }
            }
        }
        return out
    }

    /// Across two runs: the same prompt (system and user messages, and tools) answered in both —
    /// by different models, or at different temperatures — paired by reward when the answers did
    /// different things and the rewards differ by at least `margin`.
    static func across(_ mine: [TrajectoryExample], _ theirs: [TrajectoryExample], margin: Double) -> [PreferencePair] {
        func prompt(_ x: TrajectoryExample) -> String { JSON.array(x.messages + [x.tools]).rendered }
        var byPrompt: [String: TrajectoryExample] = [:]
        for x in theirs where x.valid && x.reward != nil { byPrompt[prompt(x)] = byPrompt[prompt(x)] ?? x }
        var out: [PreferencePair] = []
        for x in mine where x.valid && x.reward != nil {
            guard let y = byPrompt[prompt(x)], x.action != y.action else { continue }
            let gap = x.reward! - y.reward!
            guard gap != 0, abs(gap) >= margin else { continue }
            out.append(gap > 0 ? PreferencePair(chosen: x, rejected: y, basis: "runs") : PreferencePair(chosen: y, rejected: x, basis: "runs"))
        }
        return out
    }
}
