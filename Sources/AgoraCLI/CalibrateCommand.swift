import AgoraCalibration
import AgoraScenario
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora calibrate`: fit a scenario's parameters to target moments by simulated moments.
    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a scenario's parameters to target moments (the method of simulated moments).",
            discussion: """
            The calibration file names the base scenario, the parameters to fit with their ranges \
            (as --set paths), the moments to match (stylized facts, metric means, summary values) \
            with their targets — numbers, or computed from a real price file — and weights, the \
            optimizer (Nelder–Mead), the seeds every candidate runs (common random numbers) and a \
            budget of runs. Candidates run --jobs at a time through the sweep machinery and are \
            recorded in the catalog; run it again after a kill and it resumes without rerunning a \
            finished candidate. It writes calibration.json and report.html. See docs/calibration.md.
            """)

        @Argument(help: ArgumentHelp("The calibration file.", valueName: "file.yaml"))
        var file: String

        @OptionGroup var catalogOptions: CatalogOptions

        @Option(help: "Runs at once (default: one per core).")
        var jobs: Int?

        @Option(help: ArgumentHelp("Where its runs, calibration.json and report.html go (default: runs/calibrations/<id>).", valueName: "dir"))
        var out: String?

        @Flag(help: "Print one JSON object (every evaluation) instead of the summary.")
        var json = false

        @Flag(help: "No line per candidate.")
        var quiet = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        }

        func run() throws {
            let spec: CalibrationSpec
            do { spec = try CalibrationLoader.load(path: file) } catch {
                for issue in error.issues { printError("error: \(issue)") }
                throw Exit.badInput
            }
            let calibrator = Calibrator(spec: spec, catalogPath: catalogOptions.path, binary: selfBinary(), jobs: jobs ?? coreCount(),
                                        folder: out)
            // Problems with the moments or the price file are bad input, found before any run.
            do { _ = try calibrator.targets() } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            let quiet = quiet || json
            let outcome: Calibrator.Outcome
            do { outcome = try calibrator.run { line in if !quiet { print(line) } } } catch {
                printError("error: \(error)")
                throw Exit.failure
            }
            print(json ? outcome.json(spec).text : outcome.text(spec, folder: calibrator.folder))
            if outcome.best == nil { throw Exit.failure }
        }
    }
}
