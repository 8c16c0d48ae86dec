import AgoraEngine

// MARK: live: what the monitor shows of the network between ticks

extension NewsModel: LiveModel {
    /// The follower distribution as it stands, its mean and largest value, and the LLM users'
    /// totals and latest questions.
    public func liveView(depth: Int) -> LiveView {
        var view = LiveView()
        let followers = LiveView.Histogram.doubling(title: "Followers per person", xLabel: "followers (doubling bins)",
                                                    count: agentCount) { Int(followerCount[$0]) }
        view.histograms = [followers.histogram]
        view.figures = [("followers.mean", followers.mean), ("followers.max", Double(followers.largest))]
        if let llm {
            view.llm = llm.accounting.figures
            view.exchanges = llm.liveExchanges
        }
        return view
    }
}
