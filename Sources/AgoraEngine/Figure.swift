/// A chart a model adds to its run's report: what only the model knows how to show (a wealth
/// distribution, a Lorenz curve, an opinion histogram). Plain data — series of points with a title
/// and axis labels — so the engine and the model know nothing of HTML: the run writes a model's
/// figures to `figures.json` when it ends, and the report draws them.
public struct Figure: Sendable, Hashable {
    /// How the series are drawn.
    public enum Style: String, Sendable, Hashable { case line, bars, points }

    /// One named series: y against x.
    public struct Series: Sendable, Hashable {
        public var name: String
        public var x: [Double]
        public var y: [Double]

        public init(name: String, x: [Double], y: [Double]) {
            precondition(x.count == y.count, "one y per x")
            self.name = name
            self.x = x
            self.y = y
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var style: Style
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, style: Style = .line, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.style = style
        self.series = series
    }
}
