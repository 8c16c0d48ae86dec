import AgoraScenario
import Foundation

// MARK: the series a run's stylized facts are computed from

extension Streamer {
    /// Mid-price returns over continuous trading: one stretch per day's continuous session, broken
    /// where a side of the book is empty; each step's volume and spread, and where in the session it falls.
    func midReturns(_ ticks: [(tick: Int, last: Int64, mid: Double, spread: Double, depth: Double, volume: Int64)]) -> ReturnSeries {
        let schedule = scenario.market?.exchange.schedule
        var prices: [Double?] = [], volumes: [Double] = [], spreads: [Double] = [], positions: [Double] = []
        var previous: Int?
        for t in ticks {
            if let p = previous, t.tick != p + 1 { prices.append(nil); volumes.append(0); spreads.append(.nan); positions.append(0) }
            previous = t.tick
            let continuous = schedule.map { $0.phase(at: t.tick) == .continuous } ?? true
            prices.append(continuous && t.mid.isFinite ? t.mid : nil)
            volumes.append(Double(t.volume))
            spreads.append(t.spread)
            if let s = schedule {
                let open = s.ticksPerDay - s.preOpen - s.closingCall - s.closed
                positions.append(Double(t.tick % s.ticksPerDay - s.preOpen) / Double(max(1, open - 1)))
            } else {
                positions.append(0)
            }
        }
        var series = ReturnSeries()
        series.append(stretchOf: prices, volumes: volumes, spreads: spreads, positions: positions)
        return series
    }
}
