import AgoraEngine
import AgoraSocial

// MARK: live: the contact network of the spreading models, for the monitor

extension CSRGraph {
    /// The network's degree distribution and its mean and largest degree, as the live monitor shows them.
    func liveView() -> LiveView {
        var view = LiveView()
        let degrees = LiveView.Histogram.doubling(title: "Contacts per person", xLabel: "degree (doubling bins)", count: nodeCount) {
            degree($0)
        }
        view.histograms = [degrees.histogram]
        view.figures = [("degree.mean", degrees.mean), ("degree.max", Double(degrees.largest))]
        return view
    }
}

extension SIRModel: LiveModel {
    public func liveView(depth: Int) -> LiveView { graph.liveView() }
}

extension CascadeModel: LiveModel {
    public func liveView(depth: Int) -> LiveView { graph.liveView() }
}
