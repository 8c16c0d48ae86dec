import AgoraLLM
import Foundation

/// Two runs of one scenario and seed, decided by different models (before and after fine-tuning,
/// say), compared decision by decision and in aggregate (`agora compare`). Questions are matched
/// by when they were asked (tick and order) and count as the same question when their prompts
/// are identical; two runs that decide differently soon ask different questions, and the
/// comparison says how many it could match.
public struct DecisionComparison: Sendable {
    /// One run's LLM decisions in aggregate.
    public struct Side: Sendable {
        public var run = ""
        public var digest: String?
        public var model = ""
        public var questions = 0
        /// Questions with an answer (not: no endpoint, failed).
        public var answered = 0
        public var applied = 0
        /// Answers that fell back (invalid call, prose, refused…), of those answered.
        public var invalid = 0
        /// Agent-decisions: members of answered questions, and those that took the answer.
        public var memberDecisions = 0
        public var taken = 0
        public var tokens = 0
        /// The reward summed over every member who took an answer, and its mean per such member.
        public var rewardTotal = 0.0
        public var rewardMean: Double?
        /// The summary figures of the run's manifest (market or network outcomes).
        public var summary: [(String, Double?)] = []
        /// Reward summed by the tick the answers were applied.
        public var rewardByTick: [Int: Double] = [:]

        public var invalidRate: Double? { answered == 0 ? nil : Double(invalid) / Double(answered) }
        /// The share of agent-decisions that ended with the rule policy although the question was answered.
        public var fallbackRate: Double? { memberDecisions == 0 ? nil : Double(memberDecisions - taken) / Double(memberDecisions) }
        public var tokensPerDecision: Double? { answered == 0 ? nil : Double(tokens) / Double(answered) }
    }

    /// A question both runs asked with the same prompt.
    public struct Row: Sendable {
        public var tick: Int
        public var index: Int
        public var agent: Int
        public var first: String
        public var second: String
        public var firstReward: Double?
        public var secondReward: Double?
        public var differs: Bool { first != second }
    }

    public var first = Side()
    public var second = Side()
    public var reward: TrajectoryReward?
    public var rows: [Row] = []
    /// Questions asked at the same tick and place whose prompts differ (the runs had diverged).
    public var unmatched = 0
    /// Why a run could be read only in part.
    public var problems: [String] = []

    public var differing: Int { rows.filter(\.differs).count }

    public static func make(_ a: String, _ b: String, reward: TrajectoryReward?, threads: Int) throws -> DecisionComparison {
        var options = TrajectoryExport.Options()
        options.reward = reward
        options.includeInvalid = true
        options.keepUntaken = true
        options.threads = threads
        let x = try TrajectoryExport.collect(directory: a, options: options)
        let y = try TrajectoryExport.collect(directory: b, options: options)
        var c = DecisionComparison()
        c.reward = x.reward
        c.problems = [(a, x.problem), (b, y.problem)].compactMap { d, p in p.map { "\(d): \($0)" } }
        var ignored: [String: Int] = [:]
        let ex = TrajectoryExport.select(x, options: options, excluded: &ignored), ey = TrajectoryExport.select(y, options: options, excluded: &ignored)
        c.first = side(x, ex)
        c.second = side(y, ey)
        var theirs: [Int64: TrajectoryExample] = [:]
        for e in ey { theirs[TrajectoryRecorder.slot(e.question.tick, e.question.index)] = e }
        for e in ex {
            guard let o = theirs[TrajectoryRecorder.slot(e.question.tick, e.question.index)] else { continue }
            guard e.messages == o.messages else { c.unmatched += 1; continue }
            c.rows.append(Row(tick: e.question.tick, index: e.question.index, agent: e.question.agent, first: e.shown, second: o.shown,
                              firstReward: e.reward, secondReward: o.reward))
        }
        return c
    }

    static func side(_ c: TrajectoryExport.Collected, _ examples: [TrajectoryExample]) -> Side {
        var s = Side()
        s.run = c.provenance.run
        s.digest = c.provenance.digest
        s.questions = c.recorder.questions.count
        s.model = c.recorder.questions.first?.request.model ?? ""
        var rewarded = 0
        for x in examples {
            s.answered += 1
            s.tokens += x.event.promptTokens + x.event.completionTokens
            s.memberDecisions += x.question.members.count
            if x.valid {
                s.applied += 1
                s.taken += x.question.takers.count
                if let r = x.reward {
                    let total = r * Double(x.question.takers.count)
                    s.rewardTotal += total
                    rewarded += x.question.takers.count
                    s.rewardByTick[x.event.collectedAt + 1, default: 0] += total
                }
            } else {
                s.invalid += 1
            }
        }
        s.rewardMean = rewarded == 0 ? nil : s.rewardTotal / Double(rewarded)
        s.summary = c.summary
        return s
    }
}

extension TrajectoryExample {
    /// The answer as a reader compares it: the tool and its arguments (canonical), or the text;
    /// marked when it fell back.
    var shown: String { (valid ? "" : "(fell back) ") + action }
}
