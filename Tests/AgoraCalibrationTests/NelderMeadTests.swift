@testable import AgoraCalibration
import Testing

@Suite struct NelderMeadTests {
    /// Runs the search on `f` until it converges or `limit` evaluations; the points it asked for, in order.
    static func minimize(_ f: ([Double]) -> Double, start: [Double], limit: Int = 400) -> (search: NelderMead, asked: [[Double]]) {
        var search = NelderMead(start: start, step: 0.25, tolerance: 1e-10)
        var asked: [[Double]] = []
        while !search.converged && asked.count < limit {
            let points = search.ask()
            asked += points
            search.tell(points.map(f))
        }
        return (search, asked)
    }

    @Test func itFindsTheMinimumOfAValleyInTheBox() throws {
        let f = { (x: [Double]) in (x[0] - 0.3) * (x[0] - 0.3) + 5 * (x[1] - 0.7) * (x[1] - 0.7) + (x[0] - 0.3) * (x[1] - 0.7) }
        let (search, asked) = Self.minimize(f, start: [0.9, 0.1])
        let best = try #require(search.best)
        #expect(abs(best.point[0] - 0.3) < 1e-3 && abs(best.point[1] - 0.7) < 1e-3, "\(best.point)")
        #expect(search.converged && asked.count < 400)
        #expect(asked.allSatisfy { $0.allSatisfy { (0...1).contains($0) } }, "every point in the box")
    }

    @Test func aMinimumOnTheEdgeIsFoundWithoutLeavingTheBox() throws {
        let (search, asked) = Self.minimize({ x in (x[0] - 1.4) * (x[0] - 1.4) + (x[1] + 0.2) * (x[1] + 0.2) }, start: [0.5, 0.5])
        let best = try #require(search.best)
        #expect(abs(best.point[0] - 1) < 1e-3 && abs(best.point[1]) < 1e-3, "\(best.point)")
        #expect(asked.allSatisfy { $0.allSatisfy { (0...1).contains($0) } })
    }

    @Test func theSameValuesGiveTheSamePoints() {
        // What resuming a calibration relies on: replaying the values replays the points.
        let f = { (x: [Double]) in abs(x[0] - 0.2) + abs(x[1] - 0.6) + abs(x[2] - 0.9) }
        let a = Self.minimize(f, start: [0.5, 0.5, 0.5], limit: 60).asked
        let b = Self.minimize(f, start: [0.5, 0.5, 0.5], limit: 60).asked
        #expect(a == b && a.count >= 60)
        // The first batch is the whole first simplex.
        var search = NelderMead(start: [0.5, 0.5, 0.5], step: 0.25, tolerance: 0)
        #expect(search.ask().count == 4)
    }

    @Test func aFailedCandidateCountsAsTheWorst() throws {
        var search = NelderMead(start: [0.5], step: 0.25, tolerance: 1e-9)
        _ = search.ask()
        search.tell([.nan, 1])
        let best = try #require(search.best)
        #expect(best.value == 1 && best.point[0] > 0.5, "the second vertex, a step up from the middle")
    }
}
