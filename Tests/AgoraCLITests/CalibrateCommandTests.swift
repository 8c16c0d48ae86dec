import Foundation
import Testing

/// `agora calibrate`: recovering known parameters, resuming after a kill, its report in a browser.
@Suite struct CalibrateCommandTests {
    static let shipped = "scenarios/calibrations/recover-switching.yaml"

    static func evaluations(_ folder: String) -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: folder + "/calibration.json"),
              let j = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return j["evaluations"] as? [[String: Any]] ?? []
    }

    @Test func theDocumentedCalibrationRecoversTheParametersItsTargetsCameFrom() throws {
        let dir = try temporaryDirectory()
        let out = try agora(["calibrate", Self.shipped, "--out", dir + "/cal", "--jobs", "2", "--json"], catalog: dir + "/catalog.sqlite")
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let best = try #require(j["best"] as? [String: Any])
        let values = try #require(best["values"] as? [String: String])
        // The targets were measured on a run with predisposition 0.4 and patient activity 0.05.
        let predisposition = try #require(Double(values["agents[2].params.predisposition"] ?? ""))
        let activity = try #require(Double(values["agents[0].params.activity"] ?? ""))
        #expect(abs(predisposition - 0.4) < 0.05, "predisposition \(predisposition)")
        #expect(abs(activity - 0.05) < 0.005, "activity \(activity)")
        #expect((j["runs"] as? Int ?? 0) <= 40, "within the budget")
        // Every candidate's runs are in the catalog with their moments.
        let runs = try agora(["runs", "list", "--json"], catalog: dir + "/catalog.sqlite")
        let finished = runs.stdout.split(separator: "\n").filter { $0.contains("\"finished\"") }.count
        #expect(finished == j["runs"] as? Int)
        let evaluations = Self.evaluations(dir + "/cal")
        #expect(evaluations.count >= 10)
        let objectives = evaluations.compactMap { $0["objective"] as? Double }
        #expect(objectives.min() == best["objective"] as? Double)
        // The report renders with every chart drawn.
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is installed by scripts/install-deps.sh")
        let dom = try launch(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom",
                                       "file://\(dir)/cal/report.html"]).stdout
        let charts = try #require(AnalyzeCommandTests.attribute("data-charts", in: dom))
        #expect(charts == 4 && AnalyzeCommandTests.attribute("data-drawn", in: dom) == charts, "objective, path and a chart per moment")
    }

    @Test func aKilledCalibrationResumesWithoutRerunningAFinishedCandidate() throws {
        let dir = try temporaryDirectory()
        var text = try String(contentsOfFile: repositoryRoot.path + "/" + Self.shipped, encoding: .utf8)
        text = text.replacingOccurrences(of: "base: ../stylized-facts.yaml", with: "base: \(repositoryRoot.path)/scenarios/stylized-facts.yaml")
            .replacingOccurrences(of: "budget: 40", with: "budget: 12")
        let file = dir + "/short.yaml"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let catalog = dir + "/catalog.sqlite", folder = dir + "/cal"
        let p = try startInBackground("/usr/bin/setsid", [agoraBinary, "calibrate", file, "--out", folder, "--jobs", "1", "--quiet"],
                                      environment: testEnvironment(catalog: catalog))
        var before: [[String: Any]] = []
        for _ in 0..<1_200 {
            Thread.sleep(forTimeInterval: 0.05)
            before = Self.evaluations(folder)
            if before.count >= 4 || !p.isRunning { break }
        }
        kill(-p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(before.count >= 4 && before.count < 12, "killed part way: \(before.count) candidates")
        let resumed = try agora(["calibrate", file, "--out", folder, "--jobs", "1", "--json"], catalog: catalog)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        let after = try #require(j["evaluations"] as? [[String: Any]])
        #expect(after.count == 12 && j["runs"] as? Int == 12)
        // The candidates finished before the kill kept their runs, and only the rest ran now.
        for (a, b) in zip(before, after) {
            #expect((a["runs"] as? [String]) == (b["runs"] as? [String]) && (a["values"] as? [String: String]) == (b["values"] as? [String: String]))
        }
        #expect((j["ran_now"] as? Int ?? 99) <= 12 - before.count)
        // A third call replays the whole search and runs nothing.
        let again = try agora(["calibrate", file, "--out", folder, "--json"], catalog: catalog)
        let k = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(k["ran_now"] as? Int == 0 && (k["evaluations"] as? [Any])?.count == 12)
    }

    @Test func aBadCalibrationFileExitsWithItsLineBeforeAnyRun() throws {
        let dir = try temporaryDirectory()
        let file = dir + "/bad.yaml"
        try Data("""
        name: bad
        base: \(repositoryRoot.path)/scenarios/stylized-facts.yaml
        parameters:
          agents[2].params.herdin: {min: 0, max: 2}
        moments:
          mean.switching.chartists: 0.2
        budget: 10

        """.utf8).write(to: URL(fileURLWithPath: file))
        let out = try agora(["calibrate", file, "--out", dir + "/cal"], catalog: dir + "/catalog.sqlite")
        #expect(out.status == 2)
        #expect(out.stderr.contains("bad.yaml:4:3: parameters.agents[2].params.herdin:") && out.stderr.contains("did you mean 'herding'"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/cal"), "nothing ran")
    }
}
