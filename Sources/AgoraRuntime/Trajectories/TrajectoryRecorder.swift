import AgoraEngine
import AgoraLLM
import Foundation

/// One LLM question of a run as a training example needs it: the exact request, who asked, what
/// came back and was done, and the members' totals (`OutcomeReporting`) when the answer was
/// applied and `horizon` ticks later.
public struct TrajectoryQuestion: Sendable {
    public var tick: Int
    public var index: Int
    /// The representative (lowest-numbered member), whose observation the question shows.
    public var agent: Int
    public var members: [Int]
    public var archetype: String
    public var request: ChatRequest
    public var key: Int64
    /// The members who took the answer (the rest followed their rules); empty when it was not applied.
    public var takers: [Int] = []
    /// The question's `llm` event, once it has been recorded (the tick its answers were collected).
    public var event: Event?
    /// Per member (the order of `members`): its totals at the end of the collecting tick, and at
    /// the end of the window (`endTick`).
    public var start: [[Double]] = []
    public var end: [[Double]] = []
    public var endTick = -1

    /// The `llm` event's fields.
    public struct Event: Sendable {
        public var collectedAt: Int
        /// 0 applied, else 1 + the fallback's position (`Fallback.allCases`).
        public var status: Int
        public var source: Int
        public var tool: String
        public var arguments: String
        public var failure: String
        public var answer: String
        public var promptTokens: Int
        public var completionTokens: Int
        public var attempts: Int
        public var milliseconds: Int

        /// The fallback's name, nil when the answer was applied.
        public var fallback: String? {
            guard status != 0 else { return nil }
            return status > 0 && status <= Fallback.allCases.count ? Fallback.allCases[status - 1].rawValue : "status \(status)"
        }
    }
}

/// A post by an author a scored question watches, with the posts that repost it (directly or
/// further down): when each was made and how many followed its author then (the feeds it reached).
public struct TrackedPost: Sendable {
    public var author: Int
    public var tick: Int
    public var followers: Double
    public var reposts: [(tick: Int, followers: Double)] = []
}

/// Follows a replay for the trajectory export. It stands between the recorded answers and the
/// model — seeing every question as asked, with its members, and who took each answer — and after
/// every tick reads the tick's `llm` and `post` rows and the outcome totals of the members it scores.
public final class TrajectoryRecorder: Replay.Watcher, AnswerSource, @unchecked Sendable {
    /// Ticks after the collecting tick at which a window closes.
    public let horizon: Int
    public private(set) var questions: [TrajectoryQuestion] = []
    /// Totals' names (the model's `outcomeNames`; empty when it reports none).
    public private(set) var outcomeNames: [String] = []
    /// Posts of watched authors, by author, in the order made.
    public private(set) var posts: [Int: [TrackedPost]] = [:]
    /// The last tick replayed, and the world's agents.
    public private(set) var lastTick = -1
    public private(set) var agentCount = 0

    private var inner: (any AnswerSource)?
    private let lock = NSLock()
    private var position: [Int64: Int] = [:]  // tick << 20 | index → index in `questions`
    /// Members of open windows, with how many windows each is in: their posts are tracked meanwhile.
    private var watched: [Int: Int] = [:]
    /// Questions whose window closes at a tick.
    private var closing: [Int: [Int]] = [:]
    /// Every post of a cascade that tracked posts started (author << 32 | tick) → those tracked
    /// posts (author, index in `posts`).
    private var cascadeOf: [Int64: [(author: Int, index: Int)]] = [:]

    public init(horizon: Int) {
        precondition(horizon >= 1, "a window is at least one tick")
        self.horizon = horizon
    }

    static func slot(_ tick: Int, _ index: Int) -> Int64 { Int64(tick) << 20 | Int64(index) }

    // MARK: the answer source it wraps

    public func watch(_ answers: any AnswerSource) -> any AnswerSource {
        inner = answers
        return self
    }

    public var keptKinds: Set<String> { ["llm", "post"] }
    public var label: String { inner?.label ?? "none" }
    public var clientStats: LLMClientStats? { inner?.clientStats }
    public var isReplay: Bool { inner?.isReplay ?? false }

    public func ask(_ asks: [LLMAsk]) {
        lock.withLock {
            for a in asks {
                position[Self.slot(a.tick, a.index)] = questions.count
                questions.append(TrajectoryQuestion(tick: a.tick, index: a.index, agent: a.members.first ?? -1, members: a.members,
                                                    archetype: a.archetype, request: a.request, key: a.key))
            }
        }
        inner?.ask(asks)
    }

    public func answers(askedAt tick: Int) -> [LLMReply] { inner?.answers(askedAt: tick) ?? [] }

    public func applied(askedAt tick: Int, index: Int, takers: [Int]) {
        lock.withLock {
            if let q = position[Self.slot(tick, index)] { questions[q].takers = takers }
        }
    }

    // MARK: after every tick

    public func tickEnded(_ tick: Int, simulation: any SimulationRunner, model: any Model) {
        lastTick = tick
        agentCount = model.agentCount
        let scoring = model as? any OutcomeReporting
        if let scoring, outcomeNames.isEmpty { outcomeNames = scoring.outcomeNames }
        let totals = { (agent: Int) -> [Double] in scoring?.outcomes(of: agent) ?? [] }
        simulation.loggedRows(.all) { kind, rows, width in
            if kind.name == "llm" { readQuestions(kind, rows, width, tick: tick, simulation: simulation, totals: totals) }
            if kind.name == "post" { readPosts(kind, rows, width, tick: tick, totals: totals) }
        }
        for q in closing.removeValue(forKey: tick) ?? [] { close(q, totals: totals) }
    }

    /// Closes every window still open. When the run ended first they close on its last tick, cut
    /// short; when the replay stopped early nothing after the last good tick is known, and they
    /// stay open (no reward).
    public func replayEnded(model: any Model, complete: Bool) {
        let scoring = model as? any OutcomeReporting
        if complete {
            for t in closing.keys.sorted() {
                for q in closing[t]! { close(q) { scoring?.outcomes(of: $0) ?? [] } }
            }
        }
        closing = [:]
    }

    private func close(_ q: Int, totals: (Int) -> [Double]) {
        questions[q].end = questions[q].members.map(totals)
        questions[q].endTick = lastTick
        for m in questions[q].members {
            watched[m, default: 1] -= 1
            if watched[m] == 0 { watched[m] = nil }
        }
    }

    private func readQuestions(_ kind: EventKind, _ rows: UnsafeBufferPointer<Int64>, _ width: Int, tick: Int,
                               simulation: any SimulationRunner, totals: (Int) -> [Double]) {
        // Row layout: the agent, then the kind's columns.
        func column(_ name: String) -> Int { 1 + (kind.columns.firstIndex(of: name) ?? -1) }
        let asked = column("asked"), index = column("index"), status = column("status"), source = column("source")
        let tool = column("tool"), arguments = column("arguments"), failure = column("failure"), answer = column("answer")
        let pt = column("prompt_tokens"), ct = column("completion_tokens"), attempts = column("attempts"), ms = column("milliseconds")
        func text(_ v: Int64) -> String { simulation.loggedString(v) ?? "" }
        for r in stride(from: 0, to: rows.count, by: width) where rows[r + index] >= 0 {
            guard let q = lock.withLock({ position[Self.slot(Int(rows[r + asked]), Int(rows[r + index]))] }) else { continue }
            questions[q].event = TrajectoryQuestion.Event(
                collectedAt: tick, status: Int(rows[r + status]), source: Int(rows[r + source]), tool: text(rows[r + tool]),
                arguments: text(rows[r + arguments]), failure: text(rows[r + failure]), answer: text(rows[r + answer]),
                promptTokens: Int(rows[r + pt]), completionTokens: Int(rows[r + ct]), attempts: Int(rows[r + attempts]),
                milliseconds: Int(rows[r + ms]))
            questions[q].start = questions[q].members.map(totals)
            closing[tick + horizon, default: []].append(q)
            for m in questions[q].members { watched[m, default: 0] += 1 }
        }
    }

    private func readPosts(_ kind: EventKind, _ rows: UnsafeBufferPointer<Int64>, _ width: Int, tick: Int, totals: (Int) -> [Double]) {
        guard let followers = outcomeNames.firstIndex(of: "followers"),
              let parentColumn = kind.columns.firstIndex(of: "parent"), let parentTickColumn = kind.columns.firstIndex(of: "parent_tick")
        else { return }
        for r in stride(from: 0, to: rows.count, by: width) {
            let author = Int(rows[r])
            let parent = rows[r + 1 + parentColumn]
            var roots: [(author: Int, index: Int)] = []
            if parent >= 0 {
                // A repost names its parent's tick modulo 2¹⁶: the latest such tick up to now.
                let parentTick = Int64(tick) - ((Int64(tick) - rows[r + 1 + parentTickColumn]) & 0xFFFF)
                roots = cascadeOf[parent << 32 | parentTick] ?? []
            }
            guard !roots.isEmpty || watched[author] != nil else { continue }
            let reach = totals(author)[followers]
            for root in roots { posts[root.author]![root.index].reposts.append((tick, reach)) }
            // A watched author's post, original or repost, starts a cascade of its own.
            if watched[author] != nil {
                roots.append((author, posts[author]?.count ?? 0))
                posts[author, default: []].append(TrackedPost(author: author, tick: tick, followers: reach))
            }
            cascadeOf[Int64(author) << 32 | Int64(tick)] = roots
        }
    }
}
