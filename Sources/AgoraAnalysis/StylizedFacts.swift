import AgoraCore
import Foundation

/// The stylized facts of a price series — the statistical regularities that returns of real
/// markets share (Cont, "Empirical properties of asset returns: stylized facts and statistical
/// issues", Quantitative Finance 2001) — each with a 95% block-bootstrap interval, and checked
/// against the ranges measured in real markets (`checks`; docs/analysis.md gives the sources).
/// `agora analyze` computes them for every instrument of a run and for a price file
/// (`--prices`), so that simulated and real markets can be set side by side.
public struct StylizedFacts: Sendable {
    /// The horizons (in steps) at which returns are aggregated.
    public static let horizons = [1, 5, 20]
    /// The lags the autocorrelations run to.
    public static let returnLags = 50
    public static let absoluteLags = 100
    public static let leverageLags = 20
    public static let signLags = 100
    /// The share of the largest |returns| the Hill estimator reads.
    public static let tailShare = 0.05
    /// Bins of the intraday pattern.
    public static let intradayBins = 10

    /// Returns at one step.
    public var count = 0
    /// Per horizon (`horizons`): how many returns, their excess kurtosis and Hill tail index, and
    /// the autocorrelation of |r| at lag 1.
    public var atHorizon: [Horizon] = []
    /// Autocorrelation of returns and of |returns| at lags 0 … `returnLags` / `absoluteLags`.
    public var returnACF: [Double] = []
    public var absoluteACF: [Double] = []
    /// The mean |autocorrelation| of returns over lags 2 … 20: near 0 in a market without
    /// predictable returns.
    public var meanAbsoluteReturnACF = Double.nan
    /// Correlation of each step's volume with its |return| (NaN without volumes).
    public var volumeCorrelation = Double.nan
    /// The leverage effect: correlation of r_t with |r_{t+k}|, k = 0 … `leverageLags` (negative in
    /// equity markets: falls raise volatility more than rises; Bouchaud, Matacz and Potters 2001).
    public var leverage: [Double] = []
    /// Autocorrelation of the signs of trades (+1 bought, −1 sold by the side that took liquidity),
    /// lags 0 … `signLags`: slowly decaying in real markets (Lillo and Farmer 2004). Empty when the
    /// trades are not known.
    public var orderSignACF: [Double] = []
    /// The intraday pattern: through the day in `intradayBins` bins, the mean |return|, volume and
    /// spread (NaN when unknown).
    public var intraday: [(absoluteReturn: Double, volume: Double, spread: Double)] = []
    /// 95% intervals of the checked figures, from a moving-block bootstrap.
    public var intervals: [String: ClosedRange<Double>] = [:]

    /// One horizon's figures.
    public struct Horizon: Sendable {
        public var steps: Int
        public var count: Int
        public var excessKurtosis: Double
        public var hillTailIndex: Double
        public var absoluteACF1: Double
    }

    /// A figure set against the range observed in real markets.
    public struct Check: Sendable {
        /// Short id (`kurtosis_1`, …), the fact in words, and the range it must fall in, in words.
        public var id: String
        public var fact: String
        public var range: String
        public var value: Double
        public var interval: ClosedRange<Double>?
        public var holds: Bool
    }

    /// The facts of `series`; `signs` are the trades' signs in order (empty: unknown). `resamples`
    /// block-bootstrap resamples of `block` steps give the intervals (0: none), drawn from `seed`.
    public init(_ series: ReturnSeries, signs: [Int8] = [], resamples: Int = 200, block: Int = 200, seed: UInt64 = 1) {
        count = series.count
        guard series.count >= 2 else { return }
        let r = series.returns, absolute = r.map(abs)
        atHorizon = Self.horizons.map { h in
            let a = series.aggregated(h)
            return Horizon(steps: h, count: a.count, excessKurtosis: Stats.excessKurtosis(a.returns),
                           hillTailIndex: Self.hill(a.returns), absoluteACF1: a.autocorrelation(a.returns.map(abs), lag: 1))
        }
        returnACF = (0...Self.returnLags).map { series.autocorrelation(r, lag: $0) }
        absoluteACF = (0...Self.absoluteLags).map { series.autocorrelation(absolute, lag: $0) }
        meanAbsoluteReturnACF = Self.meanAbsoluteACF(series)
        if series.hasVolumes { volumeCorrelation = Stats.correlation(series.volumes, absolute) }
        leverage = (0...Self.leverageLags).map { series.crossCorrelation(r, absolute, lag: $0) }
        if signs.count > Self.signLags {
            let s = signs.map(Double.init)
            orderSignACF = (0...Self.signLags).map { Stats.autocorrelation(s, lag: $0) }
        }
        var sums = [(r: Double, v: Double, s: Double, n: Int, sn: Int)](repeating: (0, 0, 0, 0, 0), count: Self.intradayBins)
        for i in 0..<series.count {
            let b = min(Self.intradayBins - 1, max(0, Int(series.position[i] * Double(Self.intradayBins))))
            sums[b].r += absolute[i]
            sums[b].n += 1
            if series.hasVolumes { sums[b].v += series.volumes[i] }
            if series.hasSpreads, series.spreads[i].isFinite { sums[b].s += series.spreads[i]; sums[b].sn += 1 }
        }
        intraday = sums.map { b in
            (b.n > 0 ? b.r / Double(b.n) : .nan, series.hasVolumes && b.n > 0 ? b.v / Double(b.n) : .nan, b.sn > 0 ? b.s / Double(b.sn) : .nan)
        }
        if resamples > 0 { intervals = Self.bootstrap(series, resamples: resamples, block: block, seed: seed) }
    }

    static func hill(_ x: [Double]) -> Double {
        Stats.hill(x, k: max(1, Int(Double(x.count) * tailShare)))
    }

    static func meanAbsoluteACF(_ s: ReturnSeries) -> Double {
        let values = (2...20).map { abs(s.autocorrelation(s.returns, lag: $0)) }.filter { !$0.isNaN }
        return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// The checked figures of `s`, by id.
    static func checkedFigures(_ s: ReturnSeries) -> [String: Double] {
        let absolute = s.returns.map(abs)
        var out: [String: Double] = ["hill": hill(s.returns), "mean_abs_acf": meanAbsoluteACF(s)]
        for h in horizons { out["kurtosis_\(h)"] = Stats.excessKurtosis(s.aggregated(h).returns) }
        for lag in [1, 10, 50] { out["abs_acf_\(lag)"] = s.autocorrelation(absolute, lag: lag) }
        if s.hasVolumes { out["volume_correlation"] = Stats.correlation(s.volumes, absolute) }
        return out
    }

    /// 95% intervals (2.5% and 97.5% quantiles) of the checked figures over moving-block
    /// resamples of the series: blocks of `block` steps drawn with replacement until the resample
    /// is as long as the series.
    static func bootstrap(_ s: ReturnSeries, resamples: Int, block: Int, seed: UInt64) -> [String: ClosedRange<Double>] {
        let n = s.count, length = max(1, min(block, n))
        var random = SplitMix64(seed: seed)
        var values: [String: [Double]] = [:]
        for _ in 0..<resamples {
            var blocks: [Range<Int>] = [], total = 0
            while total < n {
                let start = Int(random.next() % UInt64(n - length + 1))
                let take = min(length, n - total)
                blocks.append(start..<(start + take))
                total += take
            }
            for (id, v) in checkedFigures(s.resampled(blocks)) where v.isFinite { values[id, default: []].append(v) }
        }
        var out: [String: ClosedRange<Double>] = [:]
        for (id, v) in values where v.count >= max(2, resamples / 2) {
            let sorted = v.sorted()
            let lo = sorted[Int(Double(sorted.count - 1) * 0.025)], hi = sorted[Int((Double(sorted.count - 1) * 0.975).rounded(.up))]
            out[id] = lo...hi
        }
        return out
    }

    /// Each fact against the range real markets show (docs/analysis.md, "Stylized facts").
    public var checks: [Check] {
        guard atHorizon.count == Self.horizons.count else { return [] }
        func check(_ id: String, _ fact: String, _ range: String, _ value: Double, _ holds: (Double) -> Bool) -> Check {
            Check(id: id, fact: fact, range: range, value: value, interval: intervals[id], holds: value.isFinite && holds(value))
        }
        let k = atHorizon.map(\.excessKurtosis)
        var out = [
            check("kurtosis_1", "excess kurtosis of 1-step returns", "≥ 3", k[0]) { $0 >= 3 },
            Check(id: "aggregational_gaussianity", fact: "excess kurtosis falls with the horizon (1, 5, 20 steps)",
                  range: "k(1) > k(5) > k(20)", value: k[2], interval: nil, holds: k[0] > k[1] && k[1] > k[2]),
            check("hill", "Hill tail index of the top 5% of |r|", "2 … 6", atHorizon[0].hillTailIndex) { $0 >= 2 && $0 <= 6 },
            check("mean_abs_acf", "mean |autocorrelation| of returns, lags 2–20", "≤ 0.05", meanAbsoluteReturnACF) { $0 <= 0.05 },
            check("abs_acf_1", "autocorrelation of |r| at lag 1", "≥ 0.15", absoluteACF.count > 1 ? absoluteACF[1] : .nan) { $0 >= 0.15 },
            check("abs_acf_10", "autocorrelation of |r| at lag 10", "≥ 0.08", absoluteACF.count > 10 ? absoluteACF[10] : .nan) { $0 >= 0.08 },
            check("abs_acf_50", "autocorrelation of |r| at lag 50", "≥ 0.03", absoluteACF.count > 50 ? absoluteACF[50] : .nan) { $0 >= 0.03 },
        ]
        if volumeCorrelation.isFinite {
            out.append(check("volume_correlation", "correlation of volume with |r|", "≥ 0.2", volumeCorrelation) { $0 >= 0.2 })
        }
        return out
    }

    /// How many checks hold, of how many.
    public var score: (holds: Int, of: Int) {
        let c = checks
        return (c.filter(\.holds).count, c.count)
    }
}
