import AgoraAnalysis
import AgoraCatalog
import AgoraCore
import AgoraRuntime
import AgoraScenario
import Foundation

/// What the studio reads — the catalog (read-only, one request at a time) and run directories —
/// and the pages it makes of them.
final class StudioData: @unchecked Sendable {
    private let catalog: Catalog
    private let lock = NSLock()

    struct Missing: Error, CustomStringConvertible { let description: String }

    init(catalog path: String) throws {
        catalog = try Catalog(readingOnly: path)
    }

    private func reading<T>(_ body: (Catalog) throws -> T) throws -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(catalog)
    }

    func run(_ id: String) throws -> Catalog.Run {
        guard let run = try reading({ try $0.run(id) }), !id.isEmpty else { throw Missing(description: "no run '\(id)' in the catalog") }
        return run
    }

    /// The live page a running run announced in its directory, if it still runs.
    static func livePage(_ run: Catalog.Run) -> String? {
        guard run.status == "running" else { return nil }
        let path = (run.runDirectory as NSString).appendingPathComponent(LiveMonitor.announcementFile)
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let url = object["url"] as? String, url.hasPrefix("http://") else { return nil }
        if let pid = object["pid"] as? Int, kill(pid_t(pid), 0) != 0 && errno == ESRCH { return nil }
        return url
    }

    // MARK: pages

    func runsPage(_ q: [String: String]) throws -> String {
        let all = try reading { try $0.runs() }
        let sweeps = try reading { try $0.sweeps() }
        let scenario = q["scenario"].flatMap { $0.isEmpty ? nil : $0 }, status = q["status"].flatMap { $0.isEmpty ? nil : $0 }
        let sweep = q["sweep"].flatMap { $0.isEmpty ? nil : $0 }
        var runs = all
        if let sweep {
            let ids = Set(try reading { try $0.runs(ofSweep: sweep) }.map(\.id))
            runs = runs.filter { ids.contains($0.id) }
        }
        if let scenario { runs = runs.filter { $0.scenarioName == scenario } }
        if let status { runs = runs.filter { $0.status == status } }
        var body = "<form method=\"get\" action=\"/\">"
            + StudioPages.select("scenario", "Scenario", Array(Set(all.map(\.scenarioName))).sorted(), scenario)
            + StudioPages.select("sweep", "Sweep", sweeps.map(\.id), sweep)
            + StudioPages.select("status", "Status", Catalog.statuses, status)
            + "<button type=\"submit\">Show</button></form>\n"
        body += "<p class=\"quiet\">\(runs.count) of \(all.count) runs. Compare two: tick them and press Compare.</p>"
        body += "<form method=\"get\" action=\"/compare\">"
        body += StudioPages.table(["", "run", "scenario", "model", "seed", "status", "started", "ticks", "agents", "digest", ""], runs.map { r in
            let live = Self.livePage(r).map { StudioPages.link("watch live", $0) } ?? ""
            return ["<input type=\"checkbox\" name=\"run\" value=\"\(StudioPages.escape(r.id))\">",
                    StudioPages.link(r.id, "/run?id=" + StudioPages.query(r.id)), StudioPages.escape(r.scenarioName),
                    StudioPages.escape(r.model), StudioPages.escape(r.seed), StudioPages.escape(r.status), StudioPages.escape(r.startedAt),
                    String(r.ticks), r.agents.map(String.init) ?? "", StudioPages.escape(r.digest ?? ""), live]
        })
        body += "<button type=\"submit\">Compare</button></form>\n<h2>Sweeps</h2>"
        body += StudioPages.table(["sweep", "name", "status", "created"], sweeps.map { s in
            [StudioPages.link(s.id, "/?sweep=" + StudioPages.query(s.id)), StudioPages.escape(s.name), StudioPages.escape(s.status),
             StudioPages.escape(s.createdAt)]
        })
        return StudioPages.page("Runs", body)
    }

    func runPage(_ q: [String: String]) throws -> String {
        let r = try run(q["id"] ?? "")
        let metrics = try reading { try $0.metrics(of: r.id) }
        var rows: [[String]] = [["directory", r.runDirectory], ["scenario", r.scenarioName], ["model", r.model], ["seed", r.seed],
                                ["status", r.status], ["started", r.startedAt], ["finished", r.finishedAt ?? ""], ["ticks", String(r.ticks)],
                                ["agents", r.agents.map(String.init) ?? ""], ["digest", r.digest ?? ""], ["overrides", r.overrides.joined(separator: " ")]]
        if let e = r.error { rows.append(["error", e]) }
        var body = StudioPages.table(["", ""], rows.map { $0.map(StudioPages.escape) })
        var links = [StudioPages.link("report", "/report?id=" + StudioPages.query(r.id))]
        if let live = Self.livePage(r) { links.append(StudioPages.link("watch live", live)) }
        body += "<p>" + links.joined(separator: " · ") + "</p>"
        let scenario = try? ScenarioLoader.load(path: (r.runDirectory as NSString).appendingPathComponent("scenario.yaml"))
        if scenario?.network != nil {
            body += "<h2>The network at a tick</h2><form method=\"get\" action=\"/network\"><input type=\"hidden\" name=\"id\" value=\"\(StudioPages.escape(r.id))\">"
                + "<label>Tick <input type=\"number\" name=\"tick\" min=\"0\" max=\"\(max(0, r.ticks - 1))\" value=\"\(max(0, r.ticks - 1))\"></label>"
                + "<label>Person <input type=\"number\" name=\"person\" min=\"0\" placeholder=\"the most followed\"></label>"
                + "<button type=\"submit\">Rebuild</button></form>"
        }
        if r.model == "market", let instruments = scenario?.market?.exchange.instruments.map(\.name) {
            body += "<h2>The order book at a tick</h2><form method=\"get\" action=\"/book\"><input type=\"hidden\" name=\"id\" value=\"\(StudioPages.escape(r.id))\">"
                + StudioPages.select("instrument", "Instrument", instruments, instruments.first).replacingOccurrences(of: "<option value=\"\">any</option>", with: "")
                + "<label>Tick <input type=\"number\" name=\"tick\" min=\"0\" max=\"\(max(0, r.ticks - 1))\" value=\"0\"></label>"
                + "<button type=\"submit\">Rebuild</button></form>"
        }
        if !metrics.isEmpty {
            body += "<h2>Figures</h2>" + StudioPages.table(["figure", "value"], metrics.map {
                [StudioPages.escape($0.name), $0.value.map { formatNumber($0) } ?? "–"]
            })
        }
        return StudioPages.page("Run \(r.id)", body)
    }

    /// The run's report: the one in its directory, else one made now from its log (and not saved).
    func report(_ id: String) throws -> String {
        let r = try run(id)
        let path = (r.runDirectory as NSString).appendingPathComponent("report.html")
        if let saved = try? String(contentsOfFile: path, encoding: .utf8) { return saved }
        do { return try RunAnalysis.analyze(directory: r.runDirectory).html } catch {
            throw Missing(description: "\(r.runDirectory): no report, and none could be made: \(error)")
        }
    }

    /// `a` and `b` name the runs, or the list's two ticked `run`s (`picked`).
    func comparePage(_ q: [String: String], picked: [String] = []) throws -> String {
        let ids = q["a"].map { [$0, q["b"] ?? ""] } ?? picked
        guard ids.count == 2, !ids[0].isEmpty, !ids[1].isEmpty else {
            throw Missing(description: "compare needs two runs: a=RUN&b=RUN (tick two on the list of runs)")
        }
        let a = try run(ids[0]), b = try run(ids[1])
        let fa = try MetricsFile(path: (a.runDirectory as NSString).appendingPathComponent("metrics.csv"))
        let fb = try MetricsFile(path: (b.runDirectory as NSString).appendingPathComponent("metrics.csv"))
        let shared = fa.names.filter { $0 != "tick" && fb.names.contains($0) }
        guard let metric = q["metric"].flatMap({ shared.contains($0) ? $0 : nil }) ?? shared.first(where: { $0 != "events" }) ?? shared.first else {
            throw Missing(description: "the two runs share no metric")
        }
        func points(_ f: MetricsFile) -> [(Double, Double)] {
            let ticks = f.column("tick") ?? [], values = f.column(metric) ?? []
            return zip(ticks, values).filter { $0.1.isFinite }.map { ($0.0, $0.1) }
        }
        var body = "<form method=\"get\" action=\"/compare\"><input type=\"hidden\" name=\"a\" value=\"\(StudioPages.escape(a.id))\">"
            + "<input type=\"hidden\" name=\"b\" value=\"\(StudioPages.escape(b.id))\">"
            + StudioPages.select("metric", "Metric", shared, metric).replacingOccurrences(of: "<option value=\"\">any</option>", with: "")
            + "<button type=\"submit\">Show</button></form>"
        body += ReportParts.chart(title: "\(metric): two runs", xLabel: "tick", yLabel: metric,
                                  series: [(name: a.id, points: points(fa)), (name: b.id, points: points(fb))])
        body += StudioPages.table(["", a.id, b.id],
                                  [["scenario", a.scenarioName, b.scenarioName], ["seed", a.seed, b.seed], ["digest", a.digest ?? "", b.digest ?? ""],
                                   ["overrides", a.overrides.joined(separator: " "), b.overrides.joined(separator: " ")]].map { $0.map(StudioPages.escape) })
        return StudioPages.page("Compare", body)
    }

    func bookPage(_ q: [String: String]) throws -> String {
        let r = try run(q["id"] ?? "")
        guard let instrument = q["instrument"], !instrument.isEmpty else { throw Missing(description: "name an instrument") }
        guard let tick = Int(q["tick"] ?? ""), tick >= 0 else { throw Missing(description: "tick must be a number from 0") }
        let book: BookRebuild.Book
        do { book = try BookRebuild.rebuild(directory: r.runDirectory, instrument: instrument, atTick: tick) } catch {
            throw Missing(description: "\(error)")
        }
        let depth = max(book.bids.count, book.asks.count)
        let rows = (0..<min(depth, 50)).map { i -> [String] in
            let bid = i < book.bids.count ? book.bids[i] : nil, ask = i < book.asks.count ? book.asks[i] : nil
            return [bid.map { String($0.orders) } ?? "", bid.map { String($0.quantity) } ?? "", bid.map { "<span class=\"bid\">\($0.price)</span>" } ?? "",
                    ask.map { "<span class=\"ask\">\($0.price)</span>" } ?? "", ask.map { String($0.quantity) } ?? "", ask.map { String($0.orders) } ?? ""]
        }
        let body = "<p>\(StudioPages.link("back to the run", "/run?id=" + StudioPages.query(r.id)))</p>"
            + "<p class=\"quiet\">The book of \(StudioPages.escape(instrument)) at the end of tick \(tick), rebuilt from the run's log "
            + "(\(book.bids.count) bid and \(book.asks.count) ask levels; the best 50 shown).</p>"
            + StudioPages.table(["bid orders", "bid size", "bid", "ask", "ask size", "ask orders"], rows)
        return StudioPages.page("\(instrument) at tick \(tick)", body)
    }
}
