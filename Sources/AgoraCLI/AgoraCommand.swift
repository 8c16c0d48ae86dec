import AgoraCore
import AgoraModels
import AgoraRuntime
import ArgumentParser
import CLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `agora` command line: thin subcommands over the library modules.
public struct AgoraCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "agora",
        abstract: "Large-scale agent-based simulation: millions of agents, reproducible to the bit.",
        discussion: """
        Describe a world in a scenario file (YAML), run it, and get a run directory with the \
        scenario as run, per-tick metrics and a digest that identifies the run's events. The same \
        scenario and seed give the same digest for any number of shards or threads.

        Start with:  agora run scenarios/quickstart.yaml
        """,
        version: AgoraVersion.string,
        subcommands: [Run.self, Validate.self, Runs.self, Replay.self, Analyze.self, Compare.self, Export.self, Sweep.self, Calibrate.self, Log.self, Models.self, New.self, Exchange.self, Graph.self, Bench.self, Studio.self]
    )

    public init() {}

    /// Runs the command line for `models`: what an outside executable calls to get every `agora`
    /// subcommand for its own models, `AgoraCommand.main(models: [MyModel.descriptor] + ModelCatalog.all)`.
    /// Models that cannot be registered together (a name twice, a parameter without a default)
    /// are refused before anything else, with exit code 2.
    public static func main(models: [ModelDescriptor]) {
        do { try ModelRegistry.install(models) } catch {
            FileHandle.standardError.write(Data("agora: cannot register the models: \(error)\n".utf8))
            Glibc.exit(2)
        }
        main()
    }

    /// Parses the command line and runs the command. Under `mpirun` with several ranks, the ranks
    /// first check that they were all started alike (`SpreadAgreement`). A write beyond the
    /// file-size limit fails with EFBIG, reported like any other write error.
    public static func main() {
        // A file-size limit (ulimit -f) must fail a write with a message, not kill the process
        // silently and leave its catalog row "running".
        signal(SIGXFSZ, SIG_IGN)
        // A run a sweep started ends with the sweep, however the sweep ends.
        if let parent = ProcessInfo.processInfo.environment[SweepRunner.parentVariable].flatMap(Int32.init) {
            _ = agora_die_with_parent(SIGKILL)
            // The sweep ignores and blocks Ctrl-C and SIGTERM while it watches for them, and a
            // child inherits both: a run takes them back, so that the sweep can stop it.
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
            var mask = sigset_t()
            sigemptyset(&mask)
            sigaddset(&mask, SIGINT)
            sigaddset(&mask, SIGTERM)
            pthread_sigmask(SIG_UNBLOCK, &mask, nil)
            if getppid() != parent { Glibc.exit(1) }  // the sweep died before this line
        }
        SpreadAgreement.checkArguments(Array(CommandLine.arguments.dropFirst()))
        main(nil)
    }
}

/// Exit codes, documented in docs/cli.md.
enum Exit {
    /// The scenario or an input file is wrong; the messages say where.
    static let badInput = ExitCode(2)
    /// Something outside Agora failed (a file could not be written).
    static let failure = ExitCode(1)
}

/// Prints to standard error.
func printError(_ text: String) {
    var stderr = StandardError()
    print(text, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleOutput.write(string, fd: 2)
    }
}

enum FileHandleOutput {
    static func write(_ string: String, fd: Int32) {
        var s = string
        s.withUTF8 { buf in
            var offset = 0
            while offset < buf.count {
                let n = posixWrite(fd, buf.baseAddress! + offset, buf.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
