import AgoraCore
@testable import AgoraAnalysis
import Foundation
import Testing

/// The stylized facts on series whose answers are known: independent normal returns (no fact of
/// real markets but the absence of linear autocorrelation), GARCH(1,1) returns with Student-t
/// innovations (fat tails and clustering), Pareto tails; and the price-file reader.
@Suite struct StylizedFactsTests {
    /// Standard normal draws (Box–Muller) from `seed`.
    static func normals(_ n: Int, seed: UInt64) -> [Double] {
        var r = SplitMix64(seed: seed)
        func unit() -> Double { Double((r.next() >> 11) + 1) * 0x1p-53 }
        return (0..<n).map { _ in (-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit()) }
    }

    /// A GARCH(1,1) path, σ²_t = ω + α r²_{t−1} + β σ²_{t−1}, with Student-t innovations of 5
    /// degrees of freedom (scaled to unit variance).
    static func garch(_ n: Int, alpha: Double, beta: Double, seed: UInt64) -> [Double] {
        let omega = 1e-6 * (1 - alpha - beta)
        var variance = 1e-6, previous = 0.0
        let z = normals(6 * n, seed: seed)
        let t = (0..<n).map { i -> Double in
            var chi = 0.0
            for k in 1...5 { chi += z[6 * i + k] * z[6 * i + k] }
            return z[6 * i] / (chi / 5).squareRoot() * (3.0 / 5).squareRoot()
        }
        return t.map { z in
            variance = omega + alpha * previous * previous + beta * variance
            previous = variance.squareRoot() * z
            return previous
        }
    }

    static func series(_ returns: [Double], volumes: [Double]? = nil) -> ReturnSeries {
        var prices: [Double?] = [100]
        for r in returns { prices.append(prices.last!! * exp(r)) }
        var s = ReturnSeries()
        s.append(stretchOf: prices, volumes: volumes.map { [0] + $0 })
        return s
    }

    static func check(_ f: StylizedFacts, _ id: String) -> StylizedFacts.Check? { f.checks.first { $0.id == id } }

    @Test func stretchesKeepReturnsApart() {
        var s = ReturnSeries()
        s.append(stretchOf: [1, 2, nil, 4, 8, 16, 32])
        #expect(s.count == 4)
        #expect(s.stretch == [0, 1, 1, 1])
        #expect(s.returns.allSatisfy { abs($0 - log(2)) < 1e-12 })
        // Sums of two within a stretch: the first stretch has one return, the second one pair and a leftover.
        let two = s.aggregated(2)
        #expect(two.count == 1 && abs(two.returns[0] - 2 * log(2)) < 1e-12)
        // Lag 1 has two pairs within the second stretch and none across.
        let x: [Double] = [10, 1, 2, 3]
        let m = 4.0, variance = ((10 - m) * (10 - m) + 9 + 4 + 1) / 4
        let expected = ((1 - m) * (2 - m) + (2 - m) * (3 - m)) / 2 / variance
        #expect(abs(s.autocorrelation(x, lag: 1) - expected) < 1e-12)
    }

    @Test func independentNormalReturnsShowNoneOfTheFactsButUnpredictability() {
        let f = StylizedFacts(Self.series(Self.normals(20_000, seed: 3).map { $0 * 1e-3 }), resamples: 50)
        #expect(abs(f.atHorizon[0].excessKurtosis) < 0.2)
        #expect(Self.check(f, "kurtosis_1")?.holds == false)
        #expect(Self.check(f, "mean_abs_acf")?.holds == true)
        #expect(Self.check(f, "abs_acf_1")?.holds == false)
        #expect(Self.check(f, "abs_acf_10")?.holds == false)
        #expect(f.volumeCorrelation.isNaN && Self.check(f, "volume_correlation") == nil, "no volumes, no check")
    }

    @Test func garchReturnsShowFatTailsAndClustering() {
        // α = 0.1, β = 0.85: the fourth moment is finite (β² + 2αβ + 9α² < 1 for t₅ innovations).
        let r = Self.garch(30_000, alpha: 0.1, beta: 0.85, seed: 11)
        // Volume grows with |r|, with noise of its own.
        let noise = Self.normals(r.count, seed: 12)
        var volumes: [Double] = []
        for (x, e) in zip(r, noise) {
            let v: Double = 1 + 400 * abs(x) + 0.2 * abs(e)
            volumes.append(1_000 * v)
        }
        let f = StylizedFacts(Self.series(r, volumes: volumes), resamples: 50)
        for id in ["kurtosis_1", "mean_abs_acf", "abs_acf_1", "abs_acf_10", "volume_correlation"] {
            #expect(Self.check(f, id)?.holds == true, "\(id): \(Self.check(f, id)?.value ?? .nan)")
        }
        #expect(f.score.holds >= 5)
    }

    @Test func sumsOfIndependentReturnsLoseTheirKurtosis() {
        // Laplace returns: excess kurtosis 3, and 3 / h for sums of h of them.
        var random = SplitMix64(seed: 8)
        let returns = (0..<40_000).map { _ -> Double in
            let u = Double((random.next() >> 11) + 1) * 0x1p-53 - 0.5
            return -1e-3 * (u < 0 ? -1 : 1) * log(1 - 2 * abs(u))
        }
        let f = StylizedFacts(Self.series(returns), resamples: 0)
        let k = f.atHorizon.map(\.excessKurtosis)
        #expect(abs(k[0] - 3) < 0.4 && abs(k[1] - 0.6) < 0.3 && abs(k[2] - 0.15) < 0.3, "\(k)")
        #expect(Self.check(f, "aggregational_gaussianity")?.holds == true)
        #expect(Self.check(f, "kurtosis_1")?.holds == (k[0] >= 3))
    }

    @Test func theHillIndexFindsAParetoTail() {
        var random = SplitMix64(seed: 5)
        let returns = (0..<20_000).map { k -> Double in
            let u = Double((random.next() >> 11) + 1) * 0x1p-53
            return (k % 2 == 0 ? 1 : -1) * 1e-4 * pow(u, -1.0 / 3)
        }
        let f = StylizedFacts(Self.series(returns), resamples: 0)
        #expect(abs(f.atHorizon[0].hillTailIndex - 3) < 0.4)
        #expect(f.intervals.isEmpty)
    }

    @Test func bootstrapIntervalsAreOrderedAndRepeatable() {
        let s = Self.series(Self.garch(5_000, alpha: 0.12, beta: 0.85, seed: 2))
        let a = StylizedFacts(s, resamples: 40, seed: 9), b = StylizedFacts(s, resamples: 40, seed: 9)
        #expect(!a.intervals.isEmpty)
        for (id, i) in a.intervals {
            #expect(i.lowerBound <= i.upperBound)
            #expect(b.intervals[id] == i)
        }
        let k = try! #require(a.intervals["kurtosis_1"])
        #expect(k.lowerBound > 0)
    }

    // MARK: price files

    static func minutes(_ n: Int, start: String = "2024-03-01T09:30:00Z") -> [String] {
        let t0 = PriceFile.timestamp(start)!
        var price = 100.0
        return (0..<n).map { i in
            price *= exp(0.001 * sin(Double(i) * 1.7))
            let t = Date(timeIntervalSince1970: t0 + Double(i) * 60)
            let f = ISO8601DateFormatter()
            return "\(f.string(from: t)),\(String(format: "%.4f", price)),\(100 + i % 7)"
        }
    }

    @Test func aPriceFileGivesStretchesSplitAtGaps() throws {
        let day1 = Self.minutes(150), day2 = Self.minutes(150, start: "2024-03-02T09:30:00Z")
        let s = try PriceFile.parse((["timestamp,price,volume"] + day1 + day2).joined(separator: "\n") + "\n", path: "p.csv")
        #expect(s.count == 298, "149 returns a day: none across the night")
        #expect(Set(s.stretch) == [0, 1])
        #expect(s.hasVolumes)
        let f = StylizedFacts(s, resamples: 0)
        #expect(f.count == 298 && f.checks.count == 8)
    }

    @Test func timestampsOfEveryFormAreRead() {
        #expect(PriceFile.timestamp("1970-01-02") == 86_400)
        #expect(PriceFile.timestamp("2024-03-01T09:30:00Z") == 1_709_285_400)
        #expect(PriceFile.timestamp("2024-03-01 09:30") == 1_709_285_400)
        #expect(PriceFile.timestamp("2024-03-01T10:30:00+01:00") == 1_709_285_400)
        #expect(PriceFile.timestamp("2024-03-01T09:30:00.250Z") == 1_709_285_400.25)
        #expect(PriceFile.timestamp("1709285400") == 1_709_285_400)
        for bad in ["2024-13-01", "2024-03-01T25:00", "yesterday", "2024-03-01T09:30:00+1", "2024-03-01T09:30:00.Z"] {
            #expect(PriceFile.timestamp(bad) == nil, "\(bad)")
        }
    }

    @Test func badPriceFilesNameTheLineAndField() {
        let good = Self.minutes(120)
        func problem(_ rows: [String], header: String = "timestamp,price,volume") -> PriceFile.Problem? {
            do { _ = try PriceFile.parse(([header] + rows).joined(separator: "\n"), path: "real.csv") } catch { return error }
            return nil
        }
        var rows = good
        rows[9] = "not-a-time,100,5"
        #expect(problem(rows)?.description.hasPrefix("real.csv:11: timestamp: 'not-a-time' is not a timestamp") == true)
        rows = good
        rows[4] = rows[4].replacingOccurrences(of: #",[0-9.]+,"#, with: ",-3,", options: .regularExpression)
        #expect(problem(rows)?.description.hasPrefix("real.csv:6: price: -3 is not a positive price") == true)
        rows = good
        rows[7] = rows[5]
        #expect(problem(rows)?.description.contains("real.csv:9: timestamp:") == true)
        #expect(problem(rows)?.description.contains("is not after the row before (line 8)") == true)
        #expect(problem(Array(good.prefix(50)))?.description.contains("too few rows: 50 prices give 49 returns") == true)
        #expect(problem(good, header: "when,price,volume")?.line == 1)
        rows = good
        rows[2] += ",extra"
        #expect(problem(rows)?.description.hasPrefix("real.csv:4: 4 fields where the header has 3") == true)
        rows = good
        rows[3] = rows[3].replacingOccurrences(of: #",[0-9]+$"#, with: ",lots", options: .regularExpression)
        #expect(problem(rows)?.description.hasPrefix("real.csv:5: volume:") == true)
        #expect(problem(good) == nil)
    }
}
