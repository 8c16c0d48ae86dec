import AgoraRuntime
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora export`: a run's tables in the formats researchers' tools read.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run's events and metrics as Parquet, Arrow or CSV files, or its LLM decisions as training data.",
            discussion: """
            agora export RUN writes one file per event kind (trade, report, post…) plus metrics and \
            agents into --out (default RUN_DIR/export), with coded columns as names (side buy, \
            instrument ACME) and text columns as strings; docs/data.md gives every table's schema. \
            It runs the Python package in analysis/ with pyarrow: $AGORA_PYTHON, else python3 (the \
            checkout's analysis/ folder is put on its path). A damaged log exports its readable \
            records and exits 1, naming the damage. agora export trajectories RUN writes the run's \
            LLM decisions as fine-tuning examples with their outcomes (docs/trajectories.md).
            """,
            subcommands: [Events.self, Trajectories.self],
            defaultSubcommand: Events.self)

        struct Events: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Export a run's events, metrics and agents.")

            @Argument(help: "A run directory or a run id.")
            var reference: String

            @Option(help: "parquet, arrow (Arrow IPC file) or csv.")
            var format = "parquet"

            @Option(help: ArgumentHelp("Event kinds to export, comma-separated (and metrics, agents; default: all).", valueName: "kinds"))
            var kinds: String?

            @Option(help: ArgumentHelp("The folder to write (default: RUN_DIR/export).", valueName: "dir"))
            var out: String?

            @Flag(help: "Replace what --out holds.")
            var force = false

            @OptionGroup var catalogOptions: CatalogOptions

            func validate() throws {
                guard ["parquet", "arrow", "csv"].contains(format) else {
                    throw ValidationError("unknown --format '\(format)'; formats: parquet, arrow, csv")
                }
            }

            func run() throws {
                let directory = try catalogOptions.runDirectory(reference)
                var arguments = [directory, "--format", format]
                if let kinds { arguments += ["--kinds", kinds] }
                if let out { arguments += ["--out", out] }
                if force { arguments.append("--force") }
                let status = PythonPackage.run(module: "agora.export", arguments: arguments)
                if status != 0 { throw ExitCode(status) }
            }
        }
    }
}

/// Runs a module of the Python package (analysis/): with $AGORA_PYTHON, else python3, and the
/// checkout's analysis/ folder on its path when this binary sits in the checkout's build folder.
enum PythonPackage {
    /// What the package's absence means, and what to do about it.
    static let missing = """
        this command runs Agora's Python package with pyarrow, and the Python it found cannot import it. \
        Install it from the checkout (python3 -m pip install -e 'analysis[arrow]'), or set AGORA_PYTHON \
        to a Python that has it
        """

    static func run(module: String, arguments: [String]) -> Int32 {
        let env = ProcessInfo.processInfo.environment
        let python = env["AGORA_PYTHON"] ?? "python3"
        var childEnv = env
        if let folder = checkoutAnalysisFolder() {
            childEnv["PYTHONPATH"] = [folder, env["PYTHONPATH"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
        }
        // A small bootstrap tells a missing package from the module's own errors.
        let bootstrap = """
            import importlib, sys
            try:
                m = importlib.import_module(sys.argv[1])
            except ImportError as e:
                print("error: " + sys.argv[2] + " (" + str(e) + ")", file=sys.stderr)
                sys.exit(2)
            sys.exit(m.main(sys.argv[3:]))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", bootstrap, module, missing] + arguments
        p.environment = childEnv
        do { try p.run() } catch {
            printError("error: cannot start \(python): \(error.localizedDescription); \(missing)")
            return 2
        }
        p.waitUntilExit()
        if p.terminationReason == .uncaughtSignal { return 1 }
        if p.terminationStatus == 127 { printError("error: no \(python) on PATH; \(missing)"); return 2 }
        return p.terminationStatus
    }

    /// analysis/ of the checkout this binary was built in (…/.build/<triple>/<config>/agora), if any.
    static func checkoutAnalysisFolder() -> String? {
        var url = URL(fileURLWithPath: selfBinary()).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = url.appendingPathComponent("analysis/agora/__init__.py").path
            if FileManager.default.fileExists(atPath: candidate) { return url.appendingPathComponent("analysis").path }
            url.deleteLastPathComponent()
        }
        return nil
    }
}
