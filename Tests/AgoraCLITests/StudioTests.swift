import Foundation
import Testing

/// `agora studio` in a real browser: the catalog's runs listed and filtered, a run's report, two
/// runs compared, a book and a follow network rebuilt at a tick — and nothing written, to the
/// catalog or the runs.
@Suite struct StudioTests {
    /// Everything under `dir`: path → (size, modification time); SQLite's own files beside a
    /// database (its write-ahead log and shared-memory index, which a reader also opens) left out.
    static func files(_ dir: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for f in FileManager.default.subpaths(atPath: dir) ?? [] where !f.hasSuffix("-wal") && !f.hasSuffix("-shm") {
            let a = try FileManager.default.attributesOfItem(atPath: dir + "/" + f)
            out[f] = "\(a[.size] ?? 0) \((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }
        return out
    }

    @Test func theStudioShowsTheCatalogAndWritesNothing() throws {
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let dir = try temporaryDirectory()
        let catalog = dir + "/catalog.sqlite"
        for (run, seed) in [("a", "7"), ("b", "9")] {
            let out = try agora(["run", "scenarios/market.yaml", "--out", dir + "/" + run, "--seed", seed, "--quiet"] + MonitorTests.smallMarket,
                                catalog: catalog)
            #expect(out.status == 0, "\(out.stderr)")
        }
        _ = try agora(["run", "scenarios/boltzmann.yaml", "--out", dir + "/c", "--set", "agents[0].count=500", "--ticks", "5", "--quiet"], catalog: catalog)
        let news = try agora(["run", "scenarios/friendship-paradox.yaml", "--out", dir + "/d", "--set", "network.nodes=400", "--ticks", "20",
                              "--set", "agents[0].params.unfollow_probability=0.5", "--quiet"], catalog: catalog)
        #expect(news.status == 0, "\(news.stderr)")
        let ids = try agora(["runs", "list", "--json"], catalog: catalog).stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["run_id"] as? String
        }
        let market = ids.filter { $0.hasPrefix("market") }
        try #require(market.count == 2, "\(ids)")
        let before = try Self.files(dir)

        let studio = Process()
        studio.executableURL = URL(fileURLWithPath: agoraBinary)
        studio.arguments = ["studio", "--port", "0"]
        studio.environment = testEnvironment(catalog: catalog)
        let out = Pipe()
        studio.standardOutput = out
        studio.standardError = FileHandle.nullDevice
        try studio.run()
        defer { kill(studio.processIdentifier, SIGKILL) }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let base = try #require(line.range(of: #"http://[^ \n]+"#, options: .regularExpression).map { String(line[$0]) }, "\(line)")
        func dom(_ path: String) throws -> String {
            try launch(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom", base + path]).stdout
        }
        // The list, and its filters.
        let list = try dom("")
        for id in ids { #expect(list.contains(">\(id)</a>"), "\(id) listed") }
        let filtered = try dom("?scenario=boltzmann")
        #expect(filtered.contains(">\(ids.first { $0.hasPrefix("boltzmann") }!)</a>") && !filtered.contains(">\(market[0])</a>"))
        // A run: its page, with the hostile instrument name as text.
        let run = try dom("run?id=" + market[0])
        #expect(run.contains("&lt;img src=x") && !run.contains("<img src=x"))
        // Its report, made in memory (the run wrote none), every chart drawn and inside its axes.
        let report = try dom("report?id=" + market[0])
        let charts = try #require(AnalyzeCommandTests.attribute("data-charts", in: report))
        #expect(charts >= 10 && AnalyzeCommandTests.attribute("data-drawn", in: report) == charts
                && AnalyzeCommandTests.attribute("data-outside", in: report) == 0)
        // Two runs on one chart, as ticked on the list.
        let compare = try dom("compare?run=\(market[0])&run=\(market[1])&metric=orders")
        #expect(compare.contains("data-name=\"\(market[0])\"") && compare.contains("data-name=\"\(market[1])\""))
        #expect(compare.range(of: #"data-points="[1-9][0-9]*""#, options: .regularExpression) != nil)
        // A book at a tick, rebuilt from the log.
        let book = try dom("book?id=\(market[0])&instrument=BOLT&tick=60")
        #expect(book.contains("The book of BOLT at the end of tick 60") && book.contains("class=\"bid\""))
        // The follow network at a tick, rebuilt from the log: its links are those the run counted at its end.
        let social = try #require(ids.first { $0.hasPrefix("friendship-paradox") })
        let socialRun = try dom("run?id=" + social)
        #expect(socialRun.contains("The network at a tick") && socialRun.contains("action=\"/network\""))
        func figure(_ name: String, in page: String) -> Int? {
            page.range(of: ">\(name)</td><td>").flatMap { Int(page[$0.upperBound...].prefix { $0.isNumber }) }
        }
        let network = try dom("network?id=\(social)&tick=19")
        let links = try #require(figure("links (follower → followee)", in: network), "\(network.prefix(2000))")
        #expect(figure("summary.follow_links", in: socialRun) == links && links > 0)
        let earlier = try dom("network?id=\(social)&tick=3")
        #expect(figure("links (follower → followee)", in: earlier) != links, "the network changes over the run")
        // One person's neighbourhood, drawn; each neighbour links to its own.
        let drawn = try #require(AnalyzeCommandTests.attribute("data-drawn", in: network))
        #expect(drawn > 1 && network.contains("<h2>Person "))
        let neighbour = try #require(network.range(of: #"person=[0-9]+"#, options: .regularExpression).map { String(network[$0].dropFirst(7)) })
        #expect(try dom("network?id=\(social)&tick=19&person=\(neighbour)").contains("<h2>Person \(neighbour)</h2>"))
        #expect(try dom("network?id=\(social)&tick=20").contains("past the run"))
        let missing = try dom("run?id=nope")
        #expect(missing.contains("no run 'nope' in the catalog"))
        let shot = dir + "/studio.png"
        #expect(try launch(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,900", "--screenshot=\(shot)", base]).status == 0)
        #expect((try? Data(contentsOf: URL(fileURLWithPath: shot)))?.starts(with: [0x89, 0x50, 0x4E, 0x47]) == true)
        try FileManager.default.removeItem(atPath: shot)
        // Nothing was written: not the catalog, not a run (and the catalog's content is as it was).
        let after = try Self.files(dir)
        #expect(after == before, "changed: \(Set(after.keys).union(before.keys).filter { after[$0] != before[$0] }.sorted())")
    }
}
