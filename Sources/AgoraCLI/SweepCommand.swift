import AgoraAnalysis
import AgoraCatalog
import AgoraDistributed
import AgoraRuntime
import AgoraScenario
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora sweep`: batches of runs over a scenario's parameters.
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a sweep of a scenario's parameters, or report one.",
            discussion: """
            agora sweep FILE.yaml runs every point of the sweep's design (grid, random or Latin \
            hypercube) and replicate as a whole run, --jobs at a time, recording each in the catalog. \
            Run it again after a kill and it resumes: finished points are never run twice. \
            agora sweep report SWEEP tabulates metrics against parameters with 95% intervals over \
            replicates. The sweep file is described in docs/sweeps.md.
            """,
            subcommands: [Start.self, Report.self],
            defaultSubcommand: Start.self)

        struct Start: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "run", abstract: "Run (or resume) a sweep.")

            @Argument(help: ArgumentHelp("The sweep file.", valueName: "file.yaml"))
            var file: String

            @OptionGroup var catalogOptions: CatalogOptions

            @Option(help: "Runs at once (default: one per core).")
            var jobs: Int?

            @Flag(help: "No line per finished run.")
            var quiet = false

            @Option(help: "The most runs (points × replicates) the sweep may make.")
            var maxRuns = SweepLoader.defaultMaxRuns

            @Flag(help: "Continue a sweep that was interrupted or killed; refused when the catalog has no such sweep.")
            var resume = false

            func run() throws {
                let spec: SweepSpec
                let tell = !quiet
                do {
                    spec = try SweepLoader.load(path: file, maxRuns: maxRuns) { done, total in
                        if tell { printError("agora: checking the sweep's points: \(done) of \(total)") }
                    }
                } catch {
                    for issue in error.issues { printError("error: \(issue)") }
                    throw Exit.badInput
                }
                // Under mpirun the ranks share the points, one run at a time each unless --jobs says otherwise.
                let world: MPIWorld? = MPIWorld.launchedByMPI ? MPIWorld.shared : nil
                defer { world?.finish() }
                let runner = SweepRunner(spec: spec, catalogPath: catalogOptions.path, binary: selfBinary(),
                                         jobs: jobs ?? (world == nil ? coreCount() : 1))
                if resume {
                    let id = SweepRunner.id(of: spec)
                    let known = FileManager.default.fileExists(atPath: catalogOptions.path)
                        ? (try? Catalog(path: catalogOptions.path).sweep(id)) ?? nil : nil
                    guard known != nil else {
                        printError("error: \(file): no sweep \(id) to resume in \(catalogOptions.path); run it without --resume to start it")
                        throw Exit.badInput
                    }
                }
                let quiet = quiet
                let summary: SweepRunner.Summary
                do {
                    summary = try runner.run(world: world) { line in if !quiet { print(line) } }
                } catch {
                    // Under MPI a rank that cannot go on stops them all: the others must not wait for it.
                    if let world, world.isDistributed {
                        printError("error: rank \(world.rank) of \(world.size): \(error); stopping every rank")
                        world.abort(1)
                    }
                    printError("error: \(error)")
                    throw Exit.failure
                }
                guard world?.rank ?? 0 == 0 else { return }
                if runner.wasInterrupted(summary) {
                    print("agora: sweep \(summary.id) interrupted: \(summary.finished) of \(summary.total) runs finished, "
                          + "\(summary.interrupted) stopped and recorded as interrupted; agora sweep \(file) --resume continues it")
                    throw ExitCode(130)
                }
                print("agora: sweep \(summary.id): \(summary.finished) of \(summary.total) runs finished (\(summary.ranNow) run now), "
                      + "\(summary.failed) failed; see agora sweep report \(summary.id)")
                if summary.failed > 0 { throw Exit.failure }
            }
        }

        struct Report: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Tabulate a sweep's metrics against its parameters.")

            @Argument(help: ArgumentHelp("The sweep's id or name, or its file.", valueName: "sweep"))
            var reference: String

            @OptionGroup var catalogOptions: CatalogOptions

            @Option(help: ArgumentHelp("A metric to report (repeatable; summary.* names may drop the prefix).", valueName: "name"))
            var metric: [String] = []

            @Option(help: ArgumentHelp("Write charts of each metric against each parameter to this HTML file.", valueName: "file.html"))
            var html: String?

            @Flag(help: "Print one JSON object.")
            var json = false

            func run() throws {
                var id = reference
                var defaults: [String] = []
                if FileManager.default.fileExists(atPath: reference) {
                    do {
                        let spec = try SweepLoader.load(path: reference)
                        id = SweepRunner.id(of: spec)
                        defaults = spec.metrics
                    } catch {
                        for issue in error.issues { printError("error: \(issue)") }
                        throw Exit.badInput
                    }
                }
                let report: SweepReport
                do {
                    let catalog = try catalogOptions.open()
                    // Named by id or name, the sweep's `metrics:` come from the file the catalog kept.
                    if defaults.isEmpty, let stored = try catalog.sweep(id) { defaults = SweepLoader.metrics(inText: stored.spec) }
                    report = try SweepReport.load(catalog: catalog, reference: id, metrics: metric, defaults: defaults)
                } catch {
                    printError("error: \(error)")
                    throw Exit.badInput
                }
                if let html {
                    do { try Data(report.html.utf8).write(to: URL(fileURLWithPath: html), options: .atomic) } catch {
                        printError("error: cannot write \(html): \(error.localizedDescription)")
                        throw Exit.failure
                    }
                }
                print(json ? report.json.text : report.text)
            }
        }
    }
}

/// This program's own path, for starting more of it.
func selfBinary() -> String {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    return FileManager.default.isExecutableFile(atPath: exe) ? exe : CommandLine.arguments[0]
}
