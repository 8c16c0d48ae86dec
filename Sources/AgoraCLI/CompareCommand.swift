import AgoraAnalysis
import AgoraLLM
import AgoraRuntime
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora compare`: two runs of one scenario decided by different models, side by side.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two runs' LLM decisions, one by one and in aggregate.",
            discussion: """
            For two runs of one scenario and seed with different models (say before and after \
            fine-tuning): the questions both asked with the same prompt, and how each run answered \
            them; per run, what the LLM-decided agents earned (the reward, as in export \
            trajectories), fallback and invalid-call rates, tokens per decision, and the summary's \
            market or network figures. Both runs are replayed from their logs (no network). \
            --html writes a self-contained side-by-side page.
            """)

        @Argument(help: "The first run (a directory or run id).")
        var first: String

        @Argument(help: "The second run.")
        var second: String

        @Option(help: ArgumentHelp("pnl@N, engagement@N or reach@N (default: the model's usual reward).", valueName: "measure@N"))
        var reward: String?

        @Flag(help: "Print one JSON object.")
        var json = false

        @Option(help: ArgumentHelp("Write the side-by-side page here.", valueName: "file"))
        var html: String?

        @Option(help: "Worker threads for the replays (default: one per core).")
        var threads: Int?

        @OptionGroup var catalogOptions: CatalogOptions

        func validate() throws {
            if let reward { do { _ = try TrajectoryReward(parsing: reward) } catch { throw ValidationError(error.description) } }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let a = try catalogOptions.runDirectory(first), b = try catalogOptions.runDirectory(second)
            let c: DecisionComparison
            do {
                c = try DecisionComparison.make(a, b, reward: try reward.map { try TrajectoryReward(parsing: $0) }, threads: threads ?? coreCount())
            } catch let e as TrajectoryExport.Failure {
                printError("error: \(e.description)")
                throw ExitCode(1)
            }
            if json { print(Self.json(c).rendered) } else { print(Self.text(c), terminator: "") }
            if let html {
                do { try Data(Self.page(c).utf8).write(to: URL(fileURLWithPath: html), options: .atomic) } catch {
                    printError("error: cannot write \(html): \(error.localizedDescription)")
                    throw ExitCode(1)
                }
                printError("page → \(html)")
            }
            for p in c.problems { printError("error: \(p); compared the readable part") }
            if !c.problems.isEmpty { throw ExitCode(1) }
        }

        /// The aggregate figures, by name, for both runs.
        static func figures(_ c: DecisionComparison) -> [(String, Double?, Double?)] {
            func f(_ s: DecisionComparison.Side) -> [(String, Double?)] {
                [("questions", Double(s.questions)), ("answered", Double(s.answered)), ("applied", Double(s.applied)),
                 ("invalid_rate", s.invalidRate), ("fallback_rate", s.fallbackRate), ("tokens_per_decision", s.tokensPerDecision),
                 ("reward_total", s.rewardTotal), ("reward_mean", s.rewardMean)]
            }
            var out = zip(f(c.first), f(c.second)).map { ($0.0, $0.1, $1.1) }
            let theirs = Dictionary(c.second.summary, uniquingKeysWith: { x, _ in x })
            var seen = Set<String>()
            for (name, v) in c.first.summary where seen.insert(name).inserted { out.append(("summary." + name, v, theirs[name] ?? nil)) }
            for (name, v) in c.second.summary where seen.insert(name).inserted { out.append(("summary." + name, nil, v)) }
            return out
        }

        static func show(_ v: Double?) -> String { RunComparison.show(v) }

        static func json(_ c: DecisionComparison) -> JSON {
            func n(_ v: Double?) -> JSON { v.map { $0.isFinite ? JSON.number($0) : .null } ?? .null }
            return .object([
                ("first", ["run": .string(c.first.run), "model": .string(c.first.model), "digest": c.first.digest.map(JSON.string) ?? .null]),
                ("second", ["run": .string(c.second.run), "model": .string(c.second.model), "digest": c.second.digest.map(JSON.string) ?? .null]),
                ("reward", c.reward.map { .string($0.description) } ?? .null),
                ("decisions", ["matched": .int(Int64(c.rows.count)), "differing": .int(Int64(c.differing)), "unmatched": .int(Int64(c.unmatched))]),
                ("figures", .array(figures(c).map { ["name": .string($0.0), "first": n($0.1), "second": n($0.2)] })),
                ("differences", .array(c.rows.filter(\.differs).map {
                    ["tick": .int(Int64($0.tick)), "index": .int(Int64($0.index)), "agent": .int(Int64($0.agent)),
                     "first": .string($0.first), "second": .string($0.second), "first_reward": n($0.firstReward), "second_reward": n($0.secondReward)]
                })),
            ])
        }

        static func text(_ c: DecisionComparison) -> String {
            var out = "first   \(c.first.run) (model \(c.first.model))\nsecond  \(c.second.run) (model \(c.second.model))\n"
            out += "reward  \(c.reward?.description ?? "none")\n"
            out += "decisions  \(c.rows.count) questions asked alike, \(c.differing) answered differently, \(c.unmatched) with different prompts\n\n"
            let rows = figures(c)
            let width = max(6, rows.map(\.0.count).max() ?? 0)
            for (name, x, y) in rows {
                out += name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + show(x).padding(toLength: 16, withPad: " ", startingAt: 0) + show(y) + "\n"
            }
            for r in c.rows.filter(\.differs).prefix(20) {
                out += "\ntick \(r.tick) #\(r.index) agent \(r.agent)\n  first:  \(r.first)  (\(show(r.firstReward)))\n  second: \(r.second)  (\(show(r.secondReward)))"
            }
            return out + (c.differing > 0 ? "\n" : "")
        }

        /// The side-by-side page: the figures, the reward over time, and the differing decisions.
        static func page(_ c: DecisionComparison) -> String {
            func cumulative(_ s: DecisionComparison.Side) -> [(Double, Double)] {
                var total = 0.0
                return s.rewardByTick.keys.sorted().map { t in total += s.rewardByTick[t]!; return (Double(t), total) }
            }
            var body = "<h2>Figures</h2>\n" + ReportParts.table(["figure", c.first.run, c.second.run], figures(c).map { [$0.0, show($0.1), show($0.2)] })
            if c.reward != nil {
                body += ReportParts.chart(title: "Reward of the LLM-decided agents, cumulative", xLabel: "tick applied",
                                          yLabel: c.reward!.description, series: [(c.first.run, cumulative(c.first)), (c.second.run, cumulative(c.second))])
            }
            body += "<h2>Decisions answered differently</h2>\n"
            body += ReportParts.table(["tick", "#", "agent", c.first.run, "reward", c.second.run, "reward"], c.rows.filter(\.differs).map {
                [String($0.tick), String($0.index), String($0.agent), $0.first, show($0.firstReward), $0.second, show($0.secondReward)]
            })
            let header = [("first", "\(c.first.run) (\(c.first.model))"), ("second", "\(c.second.run) (\(c.second.model))"),
                          ("matched", "\(c.rows.count) questions asked alike; \(c.differing) answered differently; \(c.unmatched) with different prompts")]
            return ReportParts.page(title: "Agora comparison of LLM decisions", header: header, body: body)
        }
    }
}
