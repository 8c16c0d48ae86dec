import AgoraCatalog
import AgoraCore
import AgoraLog
import AgoraRuntime
import ArgumentParser

extension AgoraCommand {
    /// `agora log`: work with a run's event log.
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect a run's event log.",
            subcommands: [Check.self])
    }
}

extension AgoraCommand.Log {
    /// `agora log check RUN`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a run's event log: every frame, the digest, and the events of fully logged kinds.",
            discussion: """
            Reads every frame (checksums of header and payload), re-chains the per-tick digest rows \
            and compares the result with the manifest's digest, and re-hashes the events of every kind \
            logged in full against their digest rows. Exit 0 when all is well, 1 when anything is \
            damaged or does not match, or when the run did not finish (incomplete: there is no \
            manifest digest to check the log against); every problem names its frame and bytes.
            """)

        @Argument(help: ArgumentHelp("A run directory or a run id.", valueName: "run"))
        var reference: String

        @OptionGroup var catalogOptions: CatalogOptions

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let directory = try catalogOptions.runDirectory(reference)
            let report: LogCheck.Report
            do { report = try LogCheck.run(directory: directory) } catch {
                printError("error: \(error)")
                throw Exit.failure
            }
            if json {
                var j = JSONLine()
                j.set("run_dir", directory)
                j.set("ok", report.ok && report.complete)
                j.set("status", report.verdict)
                j.set("complete", report.complete)
                j.set("ticks", report.ticks)
                var rows = JSONLine()
                for (k, v) in report.rowsPerKind.sorted(by: { $0.key < $1.key }) { rows.set(k, v) }
                j.set("rows", rows)
                j.set("problems", .list(report.problems.map { .text($0.description) }))
                j.set("digest", report.chainedDigest.map { .text($0) } ?? .null)
                j.set("manifest_digest", report.manifestDigest.map { .text($0) } ?? .null)
                j.set("verified_kinds", .list(report.verifiedKinds.map { .text($0) }))
                j.set("mismatches", .list(report.mismatches.map { .text("tick \($0.tick) \($0.kind)") }))
                print(j.text)
            } else {
                for (k, v) in report.rowsPerKind.sorted(by: { $0.key < $1.key }) { print("\(k): \(grouped(v)) rows") }
                print("ticks: \(report.ticks)")
                for p in report.problems { print("damaged: \(p)") }
                for m in report.mismatches.prefix(10) { print("mismatch: tick \(m.tick), kind \(m.kind): logged events do not match the digest row") }
                if let chained = report.chainedDigest, let manifest = report.manifestDigest, chained != manifest {
                    print("mismatch: digest rows chain to \(chained), the manifest says \(manifest)")
                }
                if !report.verifiedKinds.isEmpty { print("re-hashed: \(report.verifiedKinds.joined(separator: ", "))") }
                if report.ok && !report.complete {
                    let of = report.scenarioTicks.map { " of \($0)" } ?? ""
                    print("incomplete: the run did not finish (\(report.ticks)\(of) ticks logged, and no manifest digest to check them "
                          + "against); what is there reads and matches its digest rows")
                }
                print(report.verdict == "not ok" ? "NOT OK" : report.verdict)
            }
            if !report.ok || !report.complete { throw Exit.failure }
        }
    }
}
