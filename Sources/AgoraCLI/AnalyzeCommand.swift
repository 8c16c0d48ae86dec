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

            The stylized facts of each instrument's mid-price returns over continuous trading \
            are checked against the ranges of real markets. With --prices FILE.csv instead of a \
            run, the same facts are computed for a real price series (a header naming timestamp, \
            price and optionally volume, then one row per observation).

            With --compare OTHER, the two runs' figures are printed side by side instead — every \
            per-tick metric's last value and mean, then every analysis figure — for a variant \
            against its baseline (LLM users against the rules' run of the same scenario, say).
            """)

        @Argument(help: ArgumentHelp("A run directory or a run id.", valueName: "run"))
        var reference: String?

        @Option(help: ArgumentHelp("Compute the stylized facts of this price series (CSV: timestamp,price[,volume]) instead of a run's.",
                                   valueName: "file.csv"))
        var prices: String?

        @OptionGroup var catalogOptions: CatalogOptions

        @Flag(help: "Print one JSON object instead of the summary.")
        var json = false

        @Option(help: ArgumentHelp("Write the tables behind the figures as CSV files into this folder.", valueName: "dir"))
        var csv: String?

        @Option(help: ArgumentHelp("Write the run's report, one self-contained HTML file, here.", valueName: "file.html"))
        var report: String?

        @Option(help: ArgumentHelp("Print this run's figures beside the first's (a run directory or a run id).", valueName: "run"))
        var compare: String?

        @Option(help: "Ticks per OHLCV bar.")
        var bar = 1

        @Option(help: "Lags of the autocorrelation functions.")
        var lags = 20

        func validate() throws {
            guard (reference == nil) != (prices == nil) else { throw ValidationError("give a run, or --prices FILE.csv, not both") }
            guard compare == nil || prices == nil else { throw ValidationError("--compare compares two runs; it does not take --prices") }
            guard compare == nil || (csv == nil && report == nil) else { throw ValidationError("--compare prints a comparison; --csv and --report are for one run") }
            guard bar >= 1 else { throw ValidationError("--bar must be at least 1") }
            guard lags >= 1 && lags <= 1_000 else { throw ValidationError("--lags must be in 1...1000") }
        }

        func run() throws {
            if let prices { return try analyzePrices(prices) }
            let analysis = try analyzed(reference!)
            if let compare {
                let other = try analyzed(compare)
                let comparison = RunComparison(analysis, other)
                print(json ? comparison.json.text : comparison.text)
                return
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
            print(json ? analysis.json.text : analysis.text)
        }

        /// The figures of one run, once its log checks out; stored in the catalog when the run is in it.
        func analyzed(_ reference: String) throws -> RunAnalysis {
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
            // Figures go to the catalog when the run is in it.
            if let catalog = try? Catalog(path: catalogOptions.path), (try? catalog.run(analysis.runID)) ?? nil != nil {
                do { try catalog.setMetrics(id: analysis.runID, analysis.figures) } catch {
                    printError("warning: the catalog did not take the figures: \(error)")
                }
            }
            return analysis
        }

        /// The stylized facts of a real price series.
        func analyzePrices(_ path: String) throws {
            let series: ReturnSeries
            do { series = try PriceFile.read(path: path) } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            let facts = StylizedFacts(series)
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            if let csv {
                do {
                    try FileManager.default.createDirectory(atPath: csv, withIntermediateDirectories: true)
                    for (file, header, rows) in facts.csvTables(name) {
                        let text = header + "\n" + rows.joined(separator: "\n") + (rows.isEmpty ? "" : "\n")
                        try Data(text.utf8).write(to: URL(fileURLWithPath: (csv as NSString).appendingPathComponent(file)), options: .atomic)
                    }
                } catch {
                    printError("error: cannot write \(csv): \(error.localizedDescription)")
                    throw Exit.failure
                }
            }
            if let report {
                do {
                    let url = URL(fileURLWithPath: report)
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(facts.reportPage(name: name, source: path).utf8).write(to: url, options: .atomic)
                } catch {
                    printError("error: cannot write \(report): \(error.localizedDescription)")
                    throw Exit.failure
                }
            }
            print(json ? facts.json.text : facts.text(name: name))
        }
    }
}
