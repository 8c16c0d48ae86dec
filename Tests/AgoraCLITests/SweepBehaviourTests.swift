import Foundation
import Testing

/// What a sweep shows and how it stops: runs named after it, lines that name their parameters and
/// an ETA, the file's metrics honoured by id, an unknown metric refused, `runs list --sweep`, and
/// Ctrl-C or SIGTERM stopping the runs, recorded as interrupted and resumed.
@Suite struct SweepBehaviourTests {
    static func runs(_ sweep: String, catalog: String) throws -> [[String: Any]] {
        let out = try agora(["runs", "list", "--sweep", sweep, "--json"], catalog: catalog)
        return out.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func aSweepNamesItsRunsAndParametersAndItsReportKeepsTheFilesMetrics() throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/catalog.sqlite"
        let file = try SweepCommandTests.sweepFile(dir, name: "shown", points: "[0.02, 0.08]")
        _ = try agora(["run", "scenarios/boltzmann.yaml", "--set", "agents[0].count=1000", "--ticks", "5", "--quiet"], catalog: catalog)
        let out = try agora(["sweep", file, "--jobs", "1"], catalog: catalog)
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").filter { $0.hasPrefix("point ") }
        #expect(lines.count == 2)
        #expect(lines[0].contains("point 0 replicate 0 (agents[0].params.transmission=0.02): finished in ") && lines[0].contains("1 of 2, ETA "),
                "\(lines[0])")
        #expect(lines[1].contains("(agents[0].params.transmission=0.08)") && lines[1].hasSuffix("2 of 2"), "\(lines[1])")
        // Only the sweep's runs, named after it and the point.
        let listed = try Self.runs("shown", catalog: catalog)
        #expect(listed.count == 2 && listed.allSatisfy { ($0["run_id"] as? String)?.hasPrefix("shown-p000") == true }, "\(listed)")
        #expect(Set(listed.compactMap { $0["run_id"] as? String }.map { String($0.prefix(14)) }) == ["shown-p0000-r0", "shown-p0001-r0"])
        let all = try agora(["runs", "list", "--json"], catalog: catalog).stdout.split(separator: "\n")
        #expect(all.count == 3)
        let unknown = try agora(["runs", "list", "--sweep", "nope"], catalog: catalog)
        #expect(unknown.status == 2 && unknown.stderr.contains("no sweep 'nope'"))
        // Named by id, the report shows the file's metrics: R, not every summary figure.
        let id = try #require(out.stdout.range(of: "agora: sweep ").map { out.stdout[$0.upperBound...].prefix { $0 != ":" } })
        for reference in [String(id), "shown", file] {
            let json = try agora(["sweep", "report", reference, "--json"], catalog: catalog)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(report["metrics"] as? [String] == ["summary.R"], "\(reference): \(report["metrics"] ?? "")")
        }
        let typo = try agora(["sweep", "report", "shown", "--metric", "peak_infectd"], catalog: catalog)
        #expect(typo.status == 2 && typo.stderr.contains("no metric 'peak_infectd'") && typo.stderr.contains("peak_infected"), "\(typo.stderr)")
    }

    /// Two parameters: each chart colours the points by the other parameter's value (an
    /// interaction shows as series that are not parallel), names both axes and keeps every mark
    /// inside its plot, in a real browser.
    @Test func aTwoParameterSweepsReportColoursTheOtherParameter() throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/catalog.sqlite"
        let file = try SweepCommandTests.sweepFile(dir, name: "pairs", extra: "  agents[0].params.recovery: [0.1, 0.2]",
                                                   points: "[0.04, 0.08]")
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "network.nodes: 30000", with: "network.nodes: 5000")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let out = try agora(["sweep", file, "--jobs", "2"], catalog: catalog)
        #expect(out.status == 0, "\(out.stderr)")
        let page = dir + "/pairs.html"
        #expect(try agora(["sweep", "report", "pairs", "--html", page], catalog: catalog).status == 0)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        for legend in ["agents[0].params.recovery=0.1", "agents[0].params.recovery=0.2", "agents[0].params.transmission=0.04",
                       "agents[0].params.transmission=0.08"] {
            #expect(html.contains(">\(legend)</text>"), "\(legend) in a legend")
        }
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let dom = try launch(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom", "file://" + page]).stdout
        #expect(AnalyzeCommandTests.attribute("data-charts", in: dom) == 2 && AnalyzeCommandTests.attribute("data-drawn", in: dom) == 2)
        #expect(AnalyzeCommandTests.attribute("data-labelled", in: dom) == 2 && AnalyzeCommandTests.attribute("data-outside", in: dom) == 0)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aStoppedSweepStopsItsRunsRecordsThemInterruptedAndResumes(signal: Int32) throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/catalog.sqlite"
        // Runs long enough to be stopped part way.
        let file = try SweepCommandTests.sweepFile(dir, name: "stopped", extra: "replicates: 2", points: "[0.05, 0.1]")
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "network.nodes: 30000\n  ticks: 80", with: "network.nodes: 300000\n  ticks: 300")
        try Data(text.replacingOccurrences(of: "replicates: 1\n", with: "").utf8).write(to: URL(fileURLWithPath: file))
        let refused = try agora(["sweep", file, "--resume"], catalog: catalog)
        #expect(refused.status == 2 && refused.stderr.contains("no sweep stopped-") && refused.stderr.contains("to resume"), "\(refused.stderr)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agoraBinary)
        p.arguments = ["sweep", file, "--jobs", "2"]
        p.currentDirectoryURL = repositoryRoot
        p.environment = testEnvironment(catalog: catalog)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Once both first runs have begun (their run directories hold a scenario), stop the sweep.
        var started: [String] = []
        for _ in 0..<1_200 where started.count < 2 {
            Thread.sleep(forTimeInterval: 0.05)
            let folders = (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/sweeps")) ?? []
            started = folders.filter { $0.hasSuffix("/scenario.yaml") }
        }
        #expect(started.count == 2, "\(started)")
        kill(p.processIdentifier, signal)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130, "\(stdout)")
        #expect(stdout.contains("interrupted") && stdout.contains("--resume continues it"), "\(stdout)")
        let stopped = try Self.runs("stopped", catalog: catalog)
        #expect(stopped.count == 2 && stopped.allSatisfy { $0["status"] as? String == "interrupted" }, "\(stopped)")
        // The runs are gone, not finishing behind the sweep's back: no manifest ever appears.
        Thread.sleep(forTimeInterval: 1)
        let manifests = ((try? FileManager.default.subpathsOfDirectory(atPath: dir + "/sweeps")) ?? []).filter { $0.hasSuffix("manifest.json") }
        #expect(manifests.isEmpty, "\(manifests)")
        let resumed = try agora(["sweep", file, "--resume", "--jobs", "2", "--quiet"], catalog: catalog)
        #expect(resumed.status == 0 && resumed.stdout.contains("4 of 4 runs finished (4 run now)"), "\(resumed.stdout) \(resumed.stderr)")
        // The interrupted attempts stay the sweep's runs beside those that finished.
        let after = try Self.runs("stopped", catalog: catalog)
        #expect(after.filter { $0["status"] as? String == "finished" }.count == 4 && after.count == 6, "\(after.map { $0["status"] ?? "" })")
    }
}
