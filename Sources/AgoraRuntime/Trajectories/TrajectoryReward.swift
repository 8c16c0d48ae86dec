import Foundation

/// What an LLM decision earned over the N ticks after it was applied (`--reward`):
///
/// - `pnl@N`, for traders: the change of mark-to-market wealth (cash plus positions at the mid, in
///   the exchange's cash units) from the end of the tick the answer arrived to N ticks later;
/// - `engagement@N`, for network users: the likes the user received in those ticks plus the
///   reposts, direct or further down, of what it posted in them;
/// - `reach@N`: the feeds its posts of those ticks and their reposts reached (each post counts
///   its author's followers at the end of the tick it was made).
public struct TrajectoryReward: Sendable, Hashable, CustomStringConvertible {
    public enum Measure: String, Sendable, CaseIterable {
        case pnl, engagement, reach

        /// The totals (`OutcomeReporting.outcomeNames`) the measure reads.
        var needs: String { self == .pnl ? "wealth" : self == .engagement ? "likes_received" : "followers" }
    }

    public var measure: Measure
    public var horizon: Int

    public init(measure: Measure, horizon: Int) {
        precondition(horizon >= 1, "a reward's window is at least one tick")
        self.measure = measure
        self.horizon = horizon
    }

    /// `pnl@20`, `engagement@10`, `reach@5`.
    public init(parsing text: String) throws(TrajectoryExport.Failure) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let names = Measure.allCases.map { $0.rawValue + "@N" }.joined(separator: ", ")
        guard parts.count == 2, let measure = Measure(rawValue: String(parts[0])) else {
            throw TrajectoryExport.Failure("unknown --reward '\(text)'; rewards: \(names)")
        }
        guard let n = Int(parts[1]), n >= 1 else {
            throw TrajectoryExport.Failure("--reward '\(text)': N must be a whole number of ticks, at least 1")
        }
        self.init(measure: measure, horizon: n)
    }

    public var description: String { "\(measure.rawValue)@\(horizon)" }

    /// The model's usual reward: `pnl@20` for a market, `engagement@10` for a network of users;
    /// other models need `--reward`.
    public static func usual(model: String) -> TrajectoryReward? {
        switch model {
        case "market": return TrajectoryReward(measure: .pnl, horizon: 20)
        case "news": return TrajectoryReward(measure: .engagement, horizon: 10)
        default: return nil
        }
    }

    /// The reward of member `position` of question `q`, or nil when its window never closed.
    func score(_ q: TrajectoryQuestion, position: Int, recorder: TrajectoryRecorder) -> Double? {
        guard let e = q.event, q.end.count == q.members.count, position < q.members.count,
              let column = recorder.outcomeNames.firstIndex(of: measure.needs) else { return nil }
        let agent = q.members[position]
        let from = e.collectedAt, to = q.endTick
        switch measure {
        case .pnl:
            return q.end[position][column] - q.start[position][column]
        case .engagement:
            let likes = q.end[position][column] - q.start[position][column]
            let posts = (recorder.posts[agent] ?? []).filter { $0.tick > from && $0.tick <= to }
            return likes + Double(posts.reduce(0) { $0 + $1.reposts.filter { $0.tick <= to }.count })
        case .reach:
            let posts = (recorder.posts[agent] ?? []).filter { $0.tick > from && $0.tick <= to }
            return posts.reduce(0) { $0 + $1.followers + $1.reposts.filter { $0.tick <= to }.reduce(0) { $0 + $1.followers } }
        }
    }

    /// The question's reward and its baseline: the mean reward of the members who took the answer
    /// (all members when none did), and the mean of those who followed their rules instead (nil
    /// when every member took it, or none did).
    func score(_ q: TrajectoryQuestion, recorder: TrajectoryRecorder) -> (reward: Double, baseline: Double?)? {
        let takers = Set(q.takers)
        var took: [Double] = [], ruled: [Double] = []
        for (i, m) in q.members.enumerated() {
            guard let s = score(q, position: i, recorder: recorder) else { return nil }
            if takers.contains(m) { took.append(s) } else { ruled.append(s) }
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        if took.isEmpty { return ruled.isEmpty ? nil : (mean(ruled), nil) }
        return (mean(took), ruled.isEmpty ? nil : mean(ruled))
    }
}
