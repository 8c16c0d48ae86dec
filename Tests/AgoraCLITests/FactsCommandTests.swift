import Foundation
import Testing

/// `agora analyze` and the stylized facts: of a run's mid prices, and of a real price file.
@Suite struct FactsCommandTests {
    /// A price file of `rows` one-minute rows (a random walk whose steps swell and fade), and one
    /// day's gap in the middle.
    static func priceFile(_ dir: String, rows: Int = 600) throws -> String {
        var lines = ["timestamp,price,volume"]
        var price = 187.0, state: UInt64 = 7
        for i in 0..<rows {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) * 0x1p-53 - 0.5
            let swell = 1 + 3 * abs(sin(Double(i) / 40))
            price *= exp(0.0004 * swell * u)
            let minute = i < rows / 2 ? i : i + 1_440
            let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: 1_709_285_400 + Double(minute) * 60))
            lines.append("\(stamp),\(String(format: "%.3f", price)),\(Int(1_000 * swell + 50 * abs(u)))")
        }
        let path = dir + "/real.csv"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aRealPriceFileGetsTheFactsAndAReport() throws {
        let dir = try temporaryDirectory()
        let file = try Self.priceFile(dir)
        let out = try agora(["analyze", "--prices", file, "--json", "--csv", dir + "/tables", "--report", dir + "/facts.html"])
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(j["returns"] as? Int == 598, "two days of 299 returns, none across the gap")
        let checks = try #require(j["checks"] as? [String: [String: Any]])
        #expect(Set(checks.keys) == ["kurtosis_1", "aggregational_gaussianity", "hill", "mean_abs_acf", "abs_acf_1", "abs_acf_10",
                                     "abs_acf_50", "volume_correlation"])
        // Volume follows the swell of the steps.
        #expect((checks["volume_correlation"]?["value"] as? Double ?? 0) > 0.2)
        for table in ["facts_real.csv", "facts_acf_real.csv", "facts_horizons_real.csv", "facts_intraday_real.csv"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/tables/" + table), "\(table)")
        }
        let page = try String(contentsOfFile: dir + "/facts.html", encoding: .utf8)
        #expect(page.contains("realism") && page.contains("real.csv"))
        let text = try agora(["analyze", "--prices", file])
        #expect(text.status == 0 && text.stdout.contains("stylized facts of real (598 returns)"))
    }

    @Test func badPriceFilesAreRefusedWithTheirLineAndField() throws {
        let dir = try temporaryDirectory()
        let file = try Self.priceFile(dir, rows: 200)
        let original = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        var lines = original
        lines[20] = lines[20].replacingOccurrences(of: #",[0-9.]+,"#, with: ",0,", options: .regularExpression)
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: dir + "/zero.csv"))
        let zero = try agora(["analyze", "--prices", dir + "/zero.csv"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("zero.csv:21: price: 0 is not a positive price"), "\(zero.stderr)")
        try Data(original.prefix(40).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: dir + "/short.csv"))
        let short = try agora(["analyze", "--prices", dir + "/short.csv"])
        #expect(short.status == 2 && short.stderr.contains("short.csv: too few rows: 39 prices"), "\(short.stderr)")
        let missing = try agora(["analyze", "--prices", dir + "/none.csv"])
        #expect(missing.status == 2 && missing.stderr.contains("none.csv: cannot read it"))
        let both = try agora(["analyze", "some-run", "--prices", file])
        #expect(both.status != 0 && both.stderr.contains("not both"))
    }

    @Test func aMarketRunsFactsAreCheckedAndStoredAsFigures() throws {
        let dir = try temporaryDirectory() + "/run"
        let run = try agora(["run", "scenarios/stylized-facts.yaml", "--out", dir, "--set", "network.nodes=20000", "--set", "agents[0].count=8000",
                             "--set", "agents[1].count=2000", "--set", "agents[2].count=10000", "--ticks", "700"])
        #expect(run.status == 0, "\(run.stderr)")
        let out = try agora(["analyze", dir, "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let acme = try #require((j["market"] as? [String: [String: Any]])?["ACME"])
        let facts = try #require(acme["facts"] as? [String: Any])
        // Continuous trading from tick 10 to 699: 689 returns, less those with a side of the book empty.
        let returns = try #require(facts["returns"] as? Int)
        #expect(returns > 600 && returns <= 689)
        #expect((facts["order_sign_acf"] as? [Any])?.count == 101, "the trades are logged, so the signs are known")
        #expect((facts["checked"] as? Int) == 8)
        let text = try agora(["analyze", dir])
        #expect(text.stdout.contains("ACME stylized facts (\(returns) mid-price returns over continuous trading)"))
    }
}
