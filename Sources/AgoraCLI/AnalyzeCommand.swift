import AgoraAnalysis
import AgoraCatalog
import AgoraLog
import AgoraRuntime
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora analyze`: figures from a run's event log.
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute a run's figures from its event log: market stylized facts, network, cascades, LLM accounting.",
            discussion: """
            Streams the run's events.agl once. Per instrument: OHLCV bars of --bar ticks, log \
            returns, excess kurtosis, the Hill tail index, autocorrelation of returns and of \
            absolute returns, volatility clustering, spread and depth, order-flow imbalance, \
            auctions; profit and loss per agent kind. The network's degree figures and the \
            friendship paradox, cascade sizes, news reach, and the LLM accounting. Every figure is \
            also stored as a run metric (analysis.*) in the catalog. Figures are defined in \
            docs/analysis.md.
            """)

        @Argument(help: ArgumentHelp("A run directory or a run id.", valueName: "run"))
        var reference: String

        @OptionGroup var catalogOptions: CatalogOptions

        @Flag(help: "Print one JSON object instead of the summary.")
        var json = false

        @Option(help: ArgumentHelp("Write the tables behind the figures as CSV files into this folder.", valueName: "dir"))
        var csv: String?

        @Option(help: ArgumentHelp("Write the run's report, one self-contained HTML file, here.", valueName: "file.html"))
        var report: String?

        @Option(help: "Ticks per OHLCV bar.")
        var bar = 1

        @Option(help: "Lags of the autocorrelation functions.")
        var lags = 20

        func validate() throws {
            guard bar >= 1 else { throw ValidationError("--bar must be at least 1") }
            guard lags >= 1 && lags <= 1_000 else { throw ValidationError("--lags must be in 1...1000") }
        }

        func run() throws {
            let directory = try catalogOptions.runDirectory(reference)
            var options = AnalysisOptions()
            options.barTicks = bar
            options.lags = lags
            // Figures from a log that does not check out would be wrong without saying so (a
            // duplicated frame counts its trades twice): the log is verified first.
            do {
                let check = try LogCheck.run(directory: directory)
                guard check.ok else {
                    let why = check.problems.first.map { "a damaged frame (\($0))" }
                        ?? check.mismatches.first.map { "events that do not match their digest row at tick \($0.tick) (\($0.kind))" }
                        ?? "digest rows that chain to \(check.chainedDigest ?? "nothing"), where the manifest says \(check.manifestDigest ?? "")"
                    printError("error: \(directory): the log does not check out: \(why); see agora log check \(reference)")
                    throw Exit.failure
                }
            } catch let error as LogError {
                printError("error: \(error)")
                throw Exit.badInput
            }
            let analysis: RunAnalysis
            do { analysis = try RunAnalysis.analyze(directory: directory, options: options) } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            if let csv {
                do { try analysis.writeCSV(to: csv) } catch {
                    printError("error: cannot write \(csv): \(error.localizedDescription)")
                    throw Exit.failure
                }
            }
            if let report {
                do { try analysis.writeReport(to: report) } catch {
                    printError("error: cannot write \(report): \(error.localizedDescription)")
                    throw Exit.failure
                }
            }
            // Figures go to the catalog when the run is in it.
            if let catalog = try? Catalog(path: catalogOptions.path), (try? catalog.run(analysis.runID)) ?? nil != nil {
                do { try catalog.setMetrics(id: analysis.runID, analysis.figures) } catch {
                    printError("warning: the catalog did not take the figures: \(error)")
                }
            }
            print(json ? analysis.json.text : analysis.text)
        }
    }
}
