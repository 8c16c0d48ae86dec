import Foundation
import Testing

/// A report's charts saved from a real browser: its SVG, PNG and CSV buttons clicked in headless
/// Chromium, the files downloaded, and each checked against the chart it came from.
@Suite struct ReportDownloadTests {
    /// Waits (a minute at most) until `dir` holds a finished file ending in `suffix`.
    static func downloaded(_ suffix: String, in dir: String) throws -> String {
        for _ in 0..<600 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            if let name = names.first(where: { $0.hasSuffix(suffix) }) { return dir + "/" + name }
            usleep(100_000)
        }
        throw DevTools.Failure(description: "no \(suffix) file came down into \(dir): \((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])")
    }

    @Test func eachChartSavesAsSVGPNGAndCSV() throws {
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let dir = try temporaryDirectory(), downloads = dir + "/downloads"
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let out = try agora(["run", "scenarios/boltzmann.yaml", "--out", dir + "/run", "--set", "agents[0].count=500", "--ticks", "20",
                             "--report", "--quiet"])
        try #require(out.status == 0, "\(out.stderr)")
        let page = try DevTools(browser: browser)
        try page.call("Browser.setDownloadBehavior", ["behavior": "allow", "downloadPath": downloads], browserWide: true)
        try page.open("file://" + dir + "/run/report.html")
        _ = try page.waitFor("the report laid out") { $0["charts"] != nil }
        // The Gini chart: its name, its data, its size as drawn.
        let chart = "Array.from(document.querySelectorAll('figure')).find(f => (f.querySelector('svg.chart') || {}).getAttribute && "
            + "f.querySelector('svg.chart').getAttribute('aria-label').includes('Gini'))"
        let label = try #require(try page.evaluate("\(chart).querySelector('svg.chart').getAttribute('aria-label')") as? String)
        let csv = try #require(try page.evaluate("\(chart).dataset.csv") as? String)
        let width = try #require(try page.evaluate("\(chart).querySelector('svg.chart').width.baseVal.value") as? Double)
        let height = try #require(try page.evaluate("\(chart).querySelector('svg.chart').height.baseVal.value") as? Double)
        #expect(csv.split(separator: "\n").count > 10, "the Gini has a value a tick")
        for button in ["SVG", "PNG", "CSV"] {
            _ = try page.evaluate("Array.from(\(chart).querySelectorAll('.saves button')).find(b => b.textContent === '\(button)').click()",
                                  userGesture: true)
            _ = try Self.downloaded("." + button.lowercased(), in: downloads)
        }
        // The SVG is the chart as drawn, standalone: its own namespace, its title, its points.
        let svg = try String(contentsOfFile: try Self.downloaded(".svg", in: downloads), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains(xmlEscaped(label)))
        #expect(svg.contains("class=\"series\"") && svg.contains("rect class=\"plot\""))
        // The PNG is twice the chart's size.
        let png = try Data(contentsOf: URL(fileURLWithPath: try Self.downloaded(".png", in: downloads)))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        func bigEndian(_ at: Int) -> Int { png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(png.count > 24 && bigEndian(16) == Int(width) * 2 && bigEndian(20) == Int(height) * 2, "PNG \(bigEndian(16))×\(bigEndian(20))")
        // The CSV is the chart's data, and names its columns.
        let saved = try String(contentsOfFile: try Self.downloaded(".csv", in: downloads), encoding: .utf8)
        #expect(saved == csv && saved.hasPrefix("series,tick,"), "\(saved.prefix(80))")
        #expect(try page.dataset()["errors"] == nil, "no script error in the page")
    }
}

/// A chart's name as its SVG writes it (the few characters XML escapes).
private func xmlEscaped(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        .replacingOccurrences(of: "\"", with: "&quot;")
}
