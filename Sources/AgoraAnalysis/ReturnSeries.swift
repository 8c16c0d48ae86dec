import Foundation

/// Log returns of a price, step by step, cut into stretches within which steps follow each other:
/// what the stylized facts (`StylizedFacts`) are computed from. A run gives the mid-price returns
/// of one instrument over its continuous sessions, one stretch per trading day, leaving out ticks
/// where a side of the book is empty; a price file (`PriceFile`) gives its rows' returns, a stretch
/// ending where rows are much further apart than usual (a night, a weekend).
public struct ReturnSeries: Sendable {
    /// The log returns, in order.
    public private(set) var returns: [Double] = []
    /// Per return: the volume traded over its step; empty when the source has no volumes.
    public private(set) var volumes: [Double] = []
    /// Per return: the spread at the end of its step (NaN: unknown); empty when the source has none.
    public private(set) var spreads: [Double] = []
    /// Per return: the stretch it belongs to. Returns are consecutive only within a stretch.
    public private(set) var stretch: [Int32] = []
    /// Per return: how far through its stretch it falls, 0 … 1 (for the intraday pattern).
    public private(set) var position: [Double] = []

    public init() {}

    public var count: Int { returns.count }
    public var hasVolumes: Bool { !volumes.isEmpty && volumes.count == returns.count }
    public var hasSpreads: Bool { !spreads.isEmpty && spreads.count == returns.count }

    /// Adds the stretches of `prices` (one price per step; nil breaks the stretch), with each step's
    /// volume and spread when known. `positions` (0 … 1 per step) say where in the day a step falls;
    /// by default, how far through its stretch.
    public mutating func append(stretchOf prices: [Double?], volumes stepVolumes: [Double]? = nil, spreads stepSpreads: [Double]? = nil,
                                positions: [Double]? = nil) {
        var run: [Int] = []
        func flush() {
            defer { run.removeAll(keepingCapacity: true) }
            guard run.count >= 2 else { return }
            let id = Int32((stretch.last ?? -1) + 1)
            for j in 1..<run.count {
                let a = prices[run[j - 1]]!, b = prices[run[j]]!
                returns.append(log(b / a))
                if let stepVolumes { volumes.append(stepVolumes[run[j]]) }
                if let stepSpreads { spreads.append(stepSpreads[run[j]]) }
                stretch.append(id)
                position.append(positions?[run[j]] ?? Double(j - 1) / Double(max(1, run.count - 2)))
            }
        }
        for i in prices.indices {
            if let p = prices[i], p > 0, p.isFinite { run.append(i) } else { flush() }
        }
        flush()
    }

    /// Sums of `h` consecutive returns, block by block within each stretch (a stretch's last
    /// incomplete block is left out), with their blocks' volumes.
    public func aggregated(_ h: Int) -> ReturnSeries {
        precondition(h >= 1, "a horizon of at least one step")
        guard h > 1 else { return self }
        var out = ReturnSeries()
        var i = 0
        while i + h <= returns.count {
            guard stretch[i + h - 1] == stretch[i] else {
                while i + 1 < returns.count && stretch[i + 1] == stretch[i] { i += 1 }
                i += 1
                continue
            }
            out.returns.append(returns[i..<(i + h)].reduce(0, +))
            if hasVolumes { out.volumes.append(volumes[i..<(i + h)].reduce(0, +)) }
            if hasSpreads { out.spreads.append(spreads[i + h - 1]) }
            out.stretch.append(stretch[i])
            out.position.append(position[i])
            i += h
        }
        return out
    }

    /// The returns of indices `blocks` (each a range), in order, as a new series: a block-bootstrap
    /// resample. Each block keeps its own stretch, so no lag reaches across two blocks.
    func resampled(_ blocks: [Range<Int>]) -> ReturnSeries {
        var out = ReturnSeries()
        for (b, range) in blocks.enumerated() {
            out.returns += returns[range]
            if hasVolumes { out.volumes += volumes[range] }
            if hasSpreads { out.spreads += spreads[range] }
            out.position += position[range]
            // A block that straddles two stretches keeps the break.
            let base = Int32(2 * b)
            out.stretch += stretch[range].map { $0 == stretch[range.lowerBound] ? base : base + 1 }
        }
        return out
    }

    /// Autocorrelation of `x` (aligned with the returns) at `lag`, over pairs in the same stretch:
    /// the mean product of deviations from the mean over those pairs, over the variance.
    func autocorrelation(_ x: [Double], lag: Int) -> Double {
        guard lag >= 0, lag < x.count else { return .nan }
        let m = Stats.mean(x)
        var den = 0.0
        for v in x { den += (v - m) * (v - m) }
        den /= Double(x.count)
        var num = 0.0, pairs = 0
        for i in 0..<(x.count - lag) where stretch[i] == stretch[i + lag] {
            num += (x[i] - m) * (x[i + lag] - m)
            pairs += 1
        }
        return den > 0 && pairs > 0 ? num / Double(pairs) / den : .nan
    }

    /// Correlation of `x_t` with `y_{t+lag}` over pairs in the same stretch.
    func crossCorrelation(_ x: [Double], _ y: [Double], lag: Int) -> Double {
        var a: [Double] = [], b: [Double] = []
        for i in 0..<max(0, x.count - lag) where stretch[i] == stretch[i + lag] {
            a.append(x[i])
            b.append(y[i + lag])
        }
        return Stats.correlation(a, b)
    }
}
