import AgoraLLM
import AgoraScenario
import Foundation

/// `agora export trajectories`: a run's LLM decisions as training data — what each question
/// showed (the exact request), what the model answered, and what that earned. The run is replayed
/// from its log (no network): the replay sees every question with its members and reads the
/// members' totals as the answers are applied and N ticks later (`TrajectoryRecorder`). The
/// method and its caveats are in docs/trajectories.md.
public enum TrajectoryExport {
    public enum Format: String, Sendable, CaseIterable {
        /// OpenAI's chat fine-tuning lines: `messages` (system, user, the assistant's tool call) and `tools`.
        case chat
        /// ShareGPT with function calls (LLaMA-Factory's layout): `conversations`, `system`, `tools`.
        case sharegpt
        /// Chosen and rejected answers to one prompt context (OpenAI's preference layout:
        /// `input`, `preferred_output`, `non_preferred_output`).
        case preference
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public struct Options: Sendable {
        public var format = Format.chat
        /// nil: the model's usual reward (`TrajectoryReward.usual`).
        public var reward: TrajectoryReward?
        /// One example per member who took the answer, with its own reward, instead of one per question.
        public var perMember = false
        public var minReward: Double?
        public var top: Int?
        /// Agent kinds (the scenario's population kinds) and tools to keep; nil keeps all.
        public var kinds: Set<String>?
        public var tools: Set<String>?
        /// Export answers that fell back (invalid, refused…) too, marked as negatives.
        public var includeInvalid = false
        /// Preference pairs whose rewards differ by less are dropped.
        public var margin = 0.0
        /// Leave out the `agora` provenance object (for trainers that refuse unknown keys).
        public var bare = false
        /// Another run of the scenario whose answers to the same prompts are paired with these.
        public var against: String?
        /// Keep answers no member took (each followed its rule); a comparison counts them.
        public var keepUntaken = false
        public var threads = 1
        public init() {}
    }

    /// What an export wrote and left out.
    public struct Result: Sendable {
        public var lines: [String] = []
        /// Questions the run asked and the export looked at, and those the model answered.
        public var questions = 0
        public var answered = 0
        public var exported = 0
        public var pairs = 0
        /// Questions left out, by reason (no_endpoint, failed, a fallback's name, filtered…).
        public var excluded: [String: Int] = [:]
        public var reward: TrajectoryReward?
        /// Why the export is of a readable prefix only (a damaged log, a replay that diverged).
        public var problem: String?
    }

    public static func run(directory: String, options: Options) throws -> Result {
        let mine = try collect(directory: directory, options: options)
        var result = Result()
        result.reward = mine.reward
        result.questions = mine.recorder.questions.count
        result.problem = mine.problem
        result.answered = mine.recorder.questions.filter {
            guard let e = $0.event else { return false }
            return e.source != LLMReply.Source.none.rawValue && e.fallback != Fallback.failed.rawValue
        }.count
        let examples = select(mine, options: options, excluded: &result.excluded)
        switch options.format {
        case .chat, .sharegpt:
            result.lines = examples.map { options.format == .chat ? $0.chatLine(bare: options.bare) : $0.shareGPTLine(bare: options.bare) }
            result.exported = examples.count
        case .preference:
            var pairs = PreferencePairs.within(examples, margin: options.margin, includeInvalid: options.includeInvalid)
            if let other = options.against {
                let theirs = try collect(directory: other, options: options)
                if result.problem == nil, let p = theirs.problem { result.problem = "\(other): \(p)" }
                var ignored: [String: Int] = [:]
                pairs += PreferencePairs.across(examples, select(theirs, options: options, excluded: &ignored), margin: options.margin)
            }
            result.lines = pairs.map { $0.line(bare: options.bare) }
            result.pairs = pairs.count
            result.exported = pairs.count
        }
        return result
    }

    /// A run replayed and scored.
    struct Collected {
        var provenance: Provenance
        var recorder: TrajectoryRecorder
        var reward: TrajectoryReward?
        var scenario: Scenario
        /// The manifest's summary figures (empty for a run that did not finish).
        var summary: [(String, Double?)]
        var problem: String?
    }

    /// Where every example of a run comes from.
    struct Provenance {
        var run: String
        var digest: String?
        var scenario: String
        var seed: UInt64
        /// The population kind of each agent range.
        var kinds: [(range: Range<Int>, kind: String)]

        func kind(of agent: Int) -> String? { kinds.first { $0.range.contains(agent) }?.kind }
    }

    static func collect(directory: String, options: Options) throws -> Collected {
        let scenarioPath = (directory as NSString).appendingPathComponent("scenario.yaml")
        guard FileManager.default.fileExists(atPath: scenarioPath) else {
            throw Failure("\(directory) is not a run directory (it has no scenario.yaml)")
        }
        var run = (directory as NSString).lastPathComponent, digest: String?, summary: [(String, Double?)] = []
        if let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent("manifest.json")),
           let manifest = try? JSON.parse(data) {
            run = manifest["run_id"]?.string ?? run
            digest = manifest["digest"]?.string
            summary = manifest["summary"]?.object?.map { ($0.0, $0.1.double) } ?? []
        }
        let loaded: Scenario
        do { loaded = try ScenarioLoader.load(path: scenarioPath) } catch { throw Failure("the run's scenario.yaml no longer reads: \(error)") }
        // The reward's window decides how long the replay watches each decision.
        let reward = options.reward ?? TrajectoryReward.usual(model: loaded.model.name)
        let recorder = TrajectoryRecorder(horizon: reward?.horizon ?? 1)
        guard loaded.llm != nil else {
            // No agent could ask: nothing to replay for.
            return Collected(provenance: Provenance(run: run, digest: digest, scenario: loaded.name, seed: loaded.seed, kinds: []),
                             recorder: recorder, reward: reward, scenario: loaded, summary: summary, problem: nil)
        }
        let replay: (verdict: Replay.Verdict, scenario: Scenario, damage: String?)
        do {
            replay = try Replay.run(directory: directory, threads: options.threads, watcher: recorder)
        } catch let e as Replay.Failure {
            throw Failure(e.description)
        }
        let scenario = replay.scenario
        var problem: String?
        switch replay.verdict {
        case .matches: break
        case .logEnds(let t): problem = "the log ends at tick \(t) of \(scenario.ticks)"
        case .differs(let t, let kind, _, _): problem = "the replay differs from the log at tick \(t) (\(kind) events)"
        }
        if let damage = replay.damage { problem = "the log is damaged: \(damage)" + (problem.map { "; \($0)" } ?? "") }
        if let reward, !recorder.outcomeNames.isEmpty, !recorder.outcomeNames.contains(reward.measure.needs) {
            let usual = TrajectoryReward.usual(model: scenario.model.name)?.measure.rawValue ?? "nothing"
            throw Failure("--reward \(reward) does not apply to the \(scenario.model.name) model; its decisions are scored by \(usual)@N")
        }
        let kinds = scenario.populationRanges(agentCount: recorder.agentCount).map { ($0.agents, $0.kind) }
        return Collected(provenance: Provenance(run: run, digest: digest, scenario: scenario.name, seed: scenario.seed, kinds: kinds),
                         recorder: recorder, reward: reward, scenario: scenario, summary: summary, problem: problem)
    }

    /// The examples a run gives under the options, best first when `top` is set, else in the order asked.
    static func select(_ c: Collected, options: Options, excluded: inout [String: Int]) -> [TrajectoryExample] {
        var out: [TrajectoryExample] = []
        let personas = c.scenario.llm?.personas
        for q in c.recorder.questions {
            guard let e = q.event else { excluded["not applied before the replay stopped", default: 0] += 1; continue }
            // A window still open when the replay stopped early has no outcome to give.
            if c.problem != nil && q.end.isEmpty { excluded["window past the readable part", default: 0] += 1; continue }
            if e.source == LLMReply.Source.none.rawValue { excluded["no_endpoint", default: 0] += 1; continue }
            if e.fallback == Fallback.failed.rawValue { excluded["failed", default: 0] += 1; continue }
            guard let answer = try? ChatAnswer.parse(Data(e.answer.utf8)) else { excluded["unreadable answer", default: 0] += 1; continue }
            let valid = e.status == 0
            // An answer no member took (each followed its rule, `mix`) earned nothing of its own.
            if valid && q.takers.isEmpty && !options.keepUntaken { excluded["taken by no member", default: 0] += 1; continue }
            if !valid && !options.includeInvalid { excluded[e.fallback ?? "invalid", default: 0] += 1; continue }
            if let tools = options.tools, !tools.contains(answer.toolCalls.first?.name ?? "") {
                excluded["--tool", default: 0] += 1
                continue
            }
            let base = TrajectoryExample(question: q, event: e, answer: answer, valid: valid, member: nil, kind: c.provenance.kind(of: q.agent),
                                         persona: personas?.attributes(of: q.agent) ?? [], provenance: c.provenance, rewardSpec: c.reward)
            if options.perMember {
                let members = valid ? q.takers : q.members
                for m in members {
                    var x = base
                    x.member = m
                    x.kind = c.provenance.kind(of: m)
                    x.persona = personas?.attributes(of: m) ?? []
                    if let reward = c.reward, let i = q.members.firstIndex(of: m) {
                        x.reward = reward.score(q, position: i, recorder: c.recorder)
                    }
                    out.append(x)
                }
            } else {
                var x = base
                if let reward = c.reward, let s = reward.score(q, recorder: c.recorder) {
                    x.reward = s.reward
                    x.baseline = s.baseline
                }
                out.append(x)
            }
        }
        out = out.filter { x in
            if let kinds = options.kinds, !kinds.contains(x.kind ?? "") { excluded["--kind", default: 0] += 1; return false }
            if let min = options.minReward, (x.reward ?? -.infinity) < min { excluded["--min-reward", default: 0] += 1; return false }
            return true
        }
        if let top = options.top {
            let ranked = out.enumerated().sorted { a, b in
                let x = a.element.reward ?? -.infinity, y = b.element.reward ?? -.infinity
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
            if ranked.count > top { excluded["--top", default: 0] += ranked.count - top }
            out = Array(ranked.prefix(top))
        }
        return out
    }
}
