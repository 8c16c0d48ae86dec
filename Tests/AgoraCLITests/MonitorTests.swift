import Foundation
import LLMFixture
import Testing

/// `agora run --monitor`: the live page in a real browser, and the monitor's rules on the command line.
@Suite struct MonitorTests {
    /// A small market whose first instrument has a hostile name: it reaches the page as a metric's,
    /// a chart's and the ladder's name, and must stay text.
    static let hostile = "<img src=x onerror=\"document.body.dataset.pwned='yes'\">"
    static let smallMarket = ["--set", "agents[0].count=3000", "--set", "agents[1].count=1000", "--set", "agents[2].count=800",
                              "--set", "agents[3].count=300", "--set", "agents[4].count=8", "--set", "agents[0].params.activity=0.05",
                              "--set", "agents[1].params.activity=0.05", "--ticks", "120", "--set", "exchange.fundamental.news[0].tick=60",
                              "--set", "exchange.instruments[0].name=\(hostile)", "--set", "exchange.fundamental.news[0].instrument=\(hostile)"]

    /// A run started with `--monitor 127.0.0.1:0 --paused`, and the address it printed.
    final class WatchedRun {
        let process = Process()
        let url: String
        private let out = Pipe(), err = Pipe()

        /// `ranks`: under `mpirun -np ranks`.
        init(_ arguments: [String], ranks: Int? = nil) throws {
            if let ranks {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
                process.arguments = ["-np", String(ranks), "--oversubscribe", "--timeout", "300", agoraBinary] + arguments
                process.environment = testEnvironment(catalog: testCatalog, ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"])
            } else {
                process.executableURL = URL(fileURLWithPath: agoraBinary)
                process.arguments = arguments
                process.environment = testEnvironment(catalog: testCatalog)
            }
            process.currentDirectoryURL = repositoryRoot
            process.standardOutput = out
            process.standardError = err
            try process.run()
            var seen = ""
            while !seen.contains("\n") {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            guard let range = seen.range(of: #"http://[^ \n]+"#, options: .regularExpression) else {
                process.terminate()
                throw DevTools.Failure(description: "the run printed no address: \(seen)")
            }
            url = String(seen[range])
        }

        /// Waits for the run to end: its status and what it printed on stdout.
        func finish() -> (status: Int32, stdout: String) {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    @Test func thePageConnectsChartsTheRunAndItsPauseAndStepHoldTheRun() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is installed by scripts/install-deps.sh")
        let dir = try temporaryDirectory()
        let run = try WatchedRun(["run", "scenarios/market.yaml", "--out", dir + "/watched", "--monitor", "127.0.0.1:0", "--paused"]
                                 + Self.smallMarket)
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        let page = try DevTools(browser: browser)
        try page.open(run.url)
        // Connected, welcomed, and held at tick 0: the run waits for the page.
        var d = try page.waitFor("the welcome") { $0["welcome"] == "true" && $0["connected"] == "true" && $0["state"] == "paused" }
        #expect(d["tick"] == "0")
        // Step 5: exactly five ticks, then held again, with every chart that has a value drawn.
        _ = try page.evaluate("document.getElementById('step-ticks').value = '5'; document.getElementById('step').click()")
        d = try page.waitFor("tick 5, paused") { $0["tick"] == "5" && $0["state"] == "paused" }
        usleep(300_000)
        #expect(try page.dataset()["tick"] == "5", "a paused run stays where it was")
        d = try page.waitFor("charts with data") { Int($0["charts"] ?? "") ?? 0 >= 6 }
        #expect(Int(d["ladder"] ?? "") ?? 0 >= 1, "the order book's ladder is shown: \(d)")
        // The hostile instrument name is text everywhere, and ran nothing.
        let shown = try page.evaluate("document.body.innerText") as? String ?? ""
        #expect(shown.contains(Self.hostile + ".last"))
        #expect(d["pwned"] == nil)
        #expect(try page.evaluate("document.querySelectorAll('#metrics img, #ladder img, select img').length") as? Int == 0)
        let picture = try page.screenshot()
        #expect(picture.count > 10_000 && picture.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        try picture.write(to: URL(fileURLWithPath: dir + "/monitor.png"))
        // Resume: the run goes to its end and the page says so.
        _ = try page.evaluate("document.getElementById('resume').click()")
        d = try page.waitFor("the run's end") { $0["state"] == "finished" && $0["tick"] == "120" }
        let ended = run.finish()
        #expect(ended.status == 0)
        // Every metric that has a value in the run's metrics.csv has its chart drawn.
        let table = try String(contentsOfFile: dir + "/watched/metrics.csv", encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let valued = (1..<table[0].count).filter { c in table[0][c] != "events" && table.dropFirst().contains { $0.count > c && !$0[c].isEmpty } }.count
        d = try page.waitFor("a chart for each of the \(valued) metrics with values") { $0["charts"] == String(valued) }
        // Its digest is the one the same run gives unwatched.
        let alone = try agora(["run", "scenarios/market.yaml", "--json", "--out", dir + "/alone"] + Self.smallMarket)
        let digest = { (text: String) in text.range(of: #"[0-9a-f]{32}"#, options: .regularExpression).map { String(text[$0]) } }
        #expect(digest(ended.stdout) != nil && digest(ended.stdout) == digest(alone.stdout))
    }

    /// LLM users answered by the fixture endpoint, some answers hostile: the page shows the run's
    /// LLM totals and its questions and answers as text, and the network's degree histogram.
    @Test func anLLMRunShowsItsQuestionsAndAnswersAsText() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is installed by scripts/install-deps.sh")
        let server = try LoopbackServer(handler: UserFixture.handler(maxText: 280))
        defer { server.stop() }
        let dir = try temporaryDirectory()
        let run = try WatchedRun(["run", "scenarios/s3-users.yaml", "--out", dir + "/run", "--monitor", "127.0.0.1:0", "--paused",
                                  "--set", "network.nodes=8000", "--set", "ticks=20", "--set", "llm.escalation.fraction=0.02",
                                  "--set", "llm.cache=false", "--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)",
                                  "--set", "llm.endpoint.model=fixture"])
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        let page = try DevTools(browser: browser)
        try page.open(run.url)
        _ = try page.waitFor("the welcome") { $0["welcome"] == "true" && $0["state"] == "paused" }
        // Tick by tick until a hostile answer has been shown.
        var hostile = false
        for tick in 1...20 where !hostile {
            _ = try page.evaluate("document.getElementById('step-ticks').value = '1'; document.getElementById('step').click()")
            _ = try page.waitFor("tick \(tick)") { $0["tick"] == String(tick) && ($0["state"] == "paused" || $0["state"] == "finished") }
            hostile = (try page.evaluate("document.getElementById('exchanges').innerText") as? String ?? "").contains("<script>alert(")
        }
        #expect(hostile, "the fixture's hostile answer reached the page as text")
        #expect(try page.evaluate("document.querySelectorAll('#exchanges script, #exchanges p').length") as? Int == 0)
        let totals = try page.evaluate("document.getElementById('llm-figures').innerText") as? String ?? ""
        #expect(totals.contains("calls") && totals.contains("latency p95 ms") && totals.contains("tokens in"), Comment(rawValue: totals))
        #expect(try page.evaluate("document.querySelectorAll('#histograms rect').length") as? Int ?? 0 >= 3, "the follower histogram is drawn")
        _ = try page.evaluate("document.getElementById('resume').click()")
        _ = try page.waitFor("the run's end") { $0["state"] == "finished" }
        #expect(run.finish().status == 0)
    }

    @Test func aMonitorBeyondTheLoopbackNeedsItsToken() throws {
        let dir = try temporaryDirectory()
        let run = try WatchedRun(["run", "scenarios/market.yaml", "--out", dir + "/run", "--monitor", "0.0.0.0:0", "--paused"]
                                 + Self.smallMarket)
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        let token = try #require(run.url.range(of: #"token=([0-9a-f]{32})$"#, options: .regularExpression).map { String(run.url[$0].dropFirst(6)) },
                                 "a generated token is printed in the address: \(run.url)")
        let base = String(run.url[..<run.url.range(of: "?")!.lowerBound])
        func get(_ path: String, _ headers: [String: String] = [:], method: String = "GET") throws -> Int {
            var args = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method]
            for (k, v) in headers { args += ["-H", "\(k): \(v)"] }
            return Int(try launch("/usr/bin/curl", args + [base + path]).stdout) ?? -1
        }
        #expect(try get("status") == 401)
        #expect(try get("status", ["Authorization": "Bearer wrong-token-wrong-token"]) == 401)
        #expect(try get("status", ["Authorization": "Bearer \(token)"]) == 200)
        #expect(try get("?token=\(token)") == 200)
        #expect(try get("status", ["Cookie": "agora_token=\(token)"]) == 200)
        // A command from another site's page is refused even with the token.
        #expect(try get("control?action=resume", ["Authorization": "Bearer \(token)", "Origin": "http://evil.example"], method: "POST") == 403)
        #expect(try get("control?action=resume", ["Authorization": "Bearer \(token)"], method: "POST") == 200)
        #expect(run.finish().status == 0)
    }

    /// Under mpirun process 0 serves; held and stepped, the two processes' run keeps the digest of
    /// one process's.
    @Test func underMpirunProcessZeroServesAndAHeldRunKeepsItsDigest() throws {
        let dir = try temporaryDirectory()
        let run = try WatchedRun(["run", "scenarios/market.yaml", "--json", "--out", dir + "/spread", "--monitor", "127.0.0.1:0", "--paused"]
                                 + Self.smallMarket, ranks: 2)
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        func curl(_ path: String, method: String = "GET") throws -> String {
            try launch("/usr/bin/curl", ["-s", "-X", method, run.url + path]).stdout
        }
        _ = try curl("control?action=step&ticks=4", method: "POST")
        var status = ""
        for _ in 0..<600 where !status.contains("\"state\": \"paused\", \"tick\": 4,") {
            usleep(100_000)
            status = try curl("status")
        }
        #expect(status.contains("\"state\": \"paused\", \"tick\": 4,"), Comment(rawValue: status))
        _ = try curl("control?action=resume", method: "POST")
        let spread = run.finish()
        let alone = try agora(["run", "scenarios/market.yaml", "--json", "--out", dir + "/alone"] + Self.smallMarket)
        let digest = { (text: String) in text.range(of: #"[0-9a-f]{32}"#, options: .regularExpression).map { String(text[$0]) } }
        #expect(spread.status == 0 && digest(spread.stdout) != nil && digest(spread.stdout) == digest(alone.stdout), Comment(rawValue: spread.stdout))
    }

    @Test func badMonitorOptionsAreRefusedBeforeAnythingRuns() throws {
        for (arguments, message) in [(["--monitor", "127.0.0.1:99999"], "port must be a number from 0 to 65535"),
                                     (["--monitor", ":8080"], "the host is empty"),
                                     (["--token", "abcdefabcdefabcdef"], "--token is for --monitor"),
                                     (["--paused"], "--paused is for --monitor"),
                                     (["--monitor", "0", "--token", "short"], "--token must be at least 16")] {
            let out = try agora(["run", "scenarios/boltzmann.yaml"] + arguments)
            #expect(out.status != 0 && out.stderr.contains(message), "\(arguments): \(out.stderr)" as Comment)
        }
        let taken = try agora(["run", "scenarios/boltzmann.yaml", "--ticks", "3", "--monitor", "203.0.113.9:0"])
        #expect(taken.status != 0 && taken.stderr.contains("--monitor 203.0.113.9:0"), Comment(rawValue: taken.stderr))
    }
}
