import Foundation

/// The statistics `agora analyze` reports, as plain functions over arrays: each one small enough to
/// check by hand (Tests/AgoraAnalysisTests holds the hand-computed cases).
public enum Stats {
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// Population variance (divides by n).
    public static func variance(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let m = mean(x)
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)
    }

    /// Excess kurtosis, m4 / m2² − 3 (population moments): 0 for a normal distribution, positive for
    /// fat tails. NaN with fewer than 4 values or no variance.
    public static func excessKurtosis(_ x: [Double]) -> Double {
        guard x.count >= 4 else { return .nan }
        let m = mean(x)
        var m2 = 0.0, m4 = 0.0
        for v in x {
            let d = (v - m) * (v - m)
            m2 += d
            m4 += d * d
        }
        m2 /= Double(x.count)
        m4 /= Double(x.count)
        return m2 > 0 ? m4 / (m2 * m2) - 3 : .nan
    }

    /// The Hill estimator of the tail index α from the k largest values of |x|:
    /// α = k / Σ_{i<k} ln(x_(i) / x_(k)), x_(0) ≥ x_(1) ≥ … the order statistics. Smaller α, fatter
    /// tail (returns of real markets: about 3). NaN when k is out of range or the threshold is 0.
    public static func hill(_ x: [Double], k: Int) -> Double {
        let a = x.map(abs).sorted(by: >)
        guard k >= 1, k < a.count, a[k] > 0 else { return .nan }
        var s = 0.0
        for i in 0..<k { s += log(a[i] / a[k]) }
        return s > 0 ? Double(k) / s : .nan
    }

    /// Sample autocorrelation at `lag`: Σ (x_t − m)(x_{t+lag} − m) / Σ (x_t − m)², m the mean of all.
    public static func autocorrelation(_ x: [Double], lag: Int) -> Double {
        guard lag >= 0, lag < x.count else { return .nan }
        let m = mean(x)
        var num = 0.0, den = 0.0
        for i in x.indices { den += (x[i] - m) * (x[i] - m) }
        for i in 0..<(x.count - lag) { num += (x[i] - m) * (x[i + lag] - m) }
        return den > 0 ? num / den : .nan
    }

    /// Pearson correlation; NaN when either side has no variance.
    public static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count, x.count >= 2 else { return .nan }
        let mx = mean(x), my = mean(y)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
            syy += (y[i] - my) * (y[i] - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }
}
