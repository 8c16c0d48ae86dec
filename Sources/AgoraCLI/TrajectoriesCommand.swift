import AgoraRuntime
import ArgumentParser
import Foundation

extension AgoraCommand.Export {
    /// `agora export trajectories`: a run's LLM decisions as fine-tuning data, with their outcomes.
    struct Trajectories: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run's LLM decisions as training examples (JSON Lines), with what each earned.",
            discussion: """
            The run is replayed from its log (no network) to see every question as it was sent, who \
            took each answer, and each decision's outcome N ticks on. One line per question (or per \
            member who took the answer, --per-member). Answers that fell back are left out unless \
            --include-invalid (then they carry "valid": false); questions with no answer (no \
            endpoint, a failed request) never appear. docs/trajectories.md gives the formats, the \
            rewards and how preference pairs are made.
            """)

        @Argument(help: "A run directory or a run id.")
        var reference: String

        @Option(help: "chat (OpenAI fine-tuning), sharegpt, or preference (chosen and rejected pairs).")
        var format = "chat"

        @Option(help: ArgumentHelp("pnl@N (traders), engagement@N or reach@N (network users); default pnl@20 or engagement@10.",
                                   valueName: "measure@N"))
        var reward: String?

        @Option(help: ArgumentHelp("Keep examples whose reward is at least this.", valueName: "x"))
        var minReward: Double?

        @Option(help: ArgumentHelp("Keep the K best-rewarded examples.", valueName: "K"))
        var top: Int?

        @Option(help: ArgumentHelp("Agent kinds to keep (the scenario's population kinds), comma-separated.", valueName: "kinds"))
        var kind: String?

        @Option(help: ArgumentHelp("Tools to keep (place_order, create_post…), comma-separated.", valueName: "tools"))
        var tool: String?

        @Flag(help: "Export answers that fell back too, as negatives.")
        var includeInvalid = false

        @Flag(help: "One example per member who took the answer, with its own reward.")
        var perMember = false

        @Option(help: ArgumentHelp("Preference pairs whose rewards differ by less are dropped.", valueName: "x"))
        var margin = 0.0

        @Option(help: ArgumentHelp("Pair these answers with another run's answers to the same prompts (preference).", valueName: "run"))
        var against: String?

        @Flag(help: "Leave out the \"agora\" provenance object of each line.")
        var bare = false

        @Option(help: ArgumentHelp("The file to write (default: RUN_DIR/trajectories-FORMAT.jsonl; - for standard output).",
                                   valueName: "file"))
        var out: String?

        @Option(help: "Worker threads for the replay (default: one per core).")
        var threads: Int?

        @OptionGroup var catalogOptions: CatalogOptions

        func validate() throws {
            guard TrajectoryExport.Format(rawValue: format) != nil else {
                throw ValidationError("unknown --format '\(format)'; formats: "
                                      + TrajectoryExport.Format.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if let reward { do { _ = try TrajectoryReward(parsing: reward) } catch { throw ValidationError(error.description) } }
            if let top, top < 1 { throw ValidationError("--top must be at least 1") }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
            guard margin >= 0, margin.isFinite else { throw ValidationError("--margin must be a finite number, at least 0") }
            if minReward?.isFinite == false { throw ValidationError("--min-reward must be a finite number") }
            if against != nil && format != "preference" { throw ValidationError("--against pairs answers: it needs --format preference") }
        }

        func run() throws {
            let directory = try catalogOptions.runDirectory(reference)
            var options = TrajectoryExport.Options()
            options.format = TrajectoryExport.Format(rawValue: format)!
            options.reward = try reward.map { try TrajectoryReward(parsing: $0) }
            options.minReward = minReward
            options.top = top
            func set(_ s: String?) -> Set<String>? { s.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) } }
            options.kinds = set(kind)
            options.tools = set(tool)
            options.includeInvalid = includeInvalid
            options.perMember = perMember
            options.margin = margin
            options.bare = bare
            options.threads = threads ?? coreCount()
            if let against { options.against = try catalogOptions.runDirectory(against) }
            let result: TrajectoryExport.Result
            do { result = try TrajectoryExport.run(directory: directory, options: options) } catch let e as TrajectoryExport.Failure {
                printError("error: \(e.description)")
                throw ExitCode(1)
            }
            let text = result.lines.map { $0 + "\n" }.joined()
            let target = out ?? (directory as NSString).appendingPathComponent("trajectories-\(format).jsonl")
            if target == "-" {
                FileHandle.standardOutput.write(Data(text.utf8))
            } else {
                do { try Data(text.utf8).write(to: URL(fileURLWithPath: target), options: .atomic) } catch {
                    printError("error: cannot write \(target): \(error.localizedDescription)")
                    throw ExitCode(1)
                }
            }
            let what = options.format == .preference ? "\(result.pairs) preference pair\(result.pairs == 1 ? "" : "s")"
                                                     : "\(result.exported) example\(result.exported == 1 ? "" : "s")"
            let rewardText = result.reward.map { ", reward \($0)" } ?? ""
            var message = "\(what) from \(result.questions) LLM question\(result.questions == 1 ? "" : "s")\(rewardText)"
            if !result.excluded.isEmpty {
                message += "; left out: " + result.excluded.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            }
            if target != "-" { message += " → \(target)" }
            if result.answered == 0 {
                let asked = result.questions == 0 ? "" : " (\(result.questions) question\(result.questions == 1 ? "" : "s") asked, none answered)"
                message = "the run made no LLM decisions\(asked): nothing to export" + (target != "-" ? "; \(target) is empty" : "")
            }
            printError(message)
            if let problem = result.problem {
                printError("error: \(problem); the export holds the decisions of the readable part")
                throw ExitCode(1)
            }
        }
    }
}
