import AgoraEngine

/// How much attention a user gets, for scoring its decisions by engagement (`agora export
/// trajectories`): the export follows the user's posts through the replayed `post` events and
/// reads these totals to count likes and the feeds each post reached.
extension NewsModel: OutcomeReporting {
    public var outcomeNames: [String] { ["likes_received", "followers"] }

    /// Likes the user has received ever, and how many follow it now.
    public func outcomes(of agent: Int) -> [Double] {
        [Double(likesReceived[agent]), Double(followerCount[agent])]
    }
}
