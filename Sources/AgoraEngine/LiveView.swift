/// What a running model shows of itself between ticks, for the live monitor (`agora run --monitor`):
/// the parts of its state that its per-tick metrics cannot carry — an order book's ladder, the
/// last trades, the LLM's questions and answers, a degree distribution. Plain data, so the engine
/// and the model know nothing of the page that draws it.
///
/// A model offers it by conforming to `LiveModel`. The run asks between two ticks, on the thread
/// that drives the run, when nothing else touches the model; asking reads the model and changes
/// nothing, so a watched run's digest is an unwatched one's.
public struct LiveView: Sendable {
    /// One price level of a book: price units, shares.
    public struct Level: Sendable, Hashable {
        public var price: Int64
        public var quantity: Int64
        public init(price: Int64, quantity: Int64) {
            self.price = price
            self.quantity = quantity
        }
    }

    /// One instrument's book to the exchange's depth, and its trading state.
    public struct Book: Sendable {
        public var instrument: String
        /// The session's phase ("continuous", "pre_open", …) or "halted" during a volatility halt.
        public var state: String
        public var last: Int64
        /// Best first.
        public var bids: [Level]
        public var asks: [Level]
        public init(instrument: String, state: String, last: Int64, bids: [Level], asks: [Level]) {
            self.instrument = instrument
            self.state = state
            self.last = last
            self.bids = bids
            self.asks = asks
        }
    }

    /// A trade of the last tick.
    public struct Trade: Sendable, Hashable {
        public var tick: Int
        public var instrument: String
        public var price: Int64
        public var quantity: Int64
        /// "buy", "sell" or "auction".
        public var aggressor: String
        public init(tick: Int, instrument: String, price: Int64, quantity: Int64, aggressor: String) {
            self.tick = tick
            self.instrument = instrument
            self.price = price
            self.quantity = quantity
            self.aggressor = aggressor
        }
    }

    /// One question an agent put to the LLM and what came back: texts from a scenario and a
    /// model, to be shown as text, never as markup.
    public struct Exchange: Sendable, Hashable {
        public var tick: Int
        public var agent: Int
        public var question: String
        public var answer: String
        /// "applied", or the fallback's reason.
        public var status: String
        public init(tick: Int, agent: Int, question: String, answer: String, status: String) {
            self.tick = tick
            self.agent = agent
            self.question = question
            self.answer = answer
            self.status = status
        }
    }

    /// A distribution over bins: counts[i] values fell in [edges[i], edges[i + 1]).
    public struct Histogram: Sendable, Hashable {
        public var title: String
        public var xLabel: String
        public var edges: [Double]
        public var counts: [Int]
        public init(title: String, xLabel: String, edges: [Double], counts: [Int]) {
            precondition(edges.count == counts.count + 1, "one more edge than bins")
            self.title = title
            self.xLabel = xLabel
            self.edges = edges
            self.counts = counts
        }
    }

    public var books: [Book] = []
    public var trades: [Trade] = []
    /// The LLM side's running totals (`LLMAccounting.figures`: calls, fallbacks by reason,
    /// latency percentiles, tokens), empty when no agent asks an LLM.
    public var llm: [(name: String, value: Double)] = []
    /// The last tick's questions and answers, at most a few.
    public var exchanges: [Exchange] = []
    /// Figures of the moment that are not per-tick metrics (a network's mean and largest degree).
    public var figures: [(name: String, value: Double)] = []
    public var histograms: [Histogram] = []

    public init() {}
}

/// A model that shows the live monitor more than its metrics (see `LiveView`).
public protocol LiveModel: Model {
    /// What the model shows now, between ticks. Books go to `depth` levels a side.
    func liveView(depth: Int) -> LiveView
}

extension Simulation {
    /// The model's live view, or nil when the model offers none (its metrics are all there is).
    public func liveView(depth: Int) -> LiveView? {
        (model as? any LiveModel)?.liveView(depth: depth)
    }
}

extension LiveView.Histogram {
    /// The distribution of `value(i)` over `count` items on doubling bins (0, 1, 2–3, 4–7, …), with
    /// its mean and largest value: a degree distribution, for one.
    public static func doubling(title: String, xLabel: String, count: Int, value: (Int) -> Int)
        -> (histogram: LiveView.Histogram, mean: Double, largest: Int) {
        var counts = [Int](repeating: 0, count: Int.bitWidth + 1)
        var total = 0, largest = 0
        for i in 0..<count {
            let v = max(0, value(i))
            total += v
            largest = max(largest, v)
            counts[v == 0 ? 0 : Int.bitWidth - v.leadingZeroBitCount] += 1
        }
        let bins = (counts.lastIndex { $0 > 0 } ?? 0) + 1
        let edges = [0.0] + (0..<bins).map { Double(1 << $0) }
        return (LiveView.Histogram(title: title, xLabel: xLabel, edges: edges, counts: Array(counts.prefix(bins))),
                count > 0 ? Double(total) / Double(count) : 0, largest)
    }
}
