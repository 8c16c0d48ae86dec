import Agora

/// The Drossel–Schwabl forest fire (1992) on a grid, one agent per cell: a burning cell burns out,
/// a tree with a burning neighbour catches fire, a tree is struck by lightning with `lightning`,
/// and an empty cell grows a tree with `growth`. Every cell's next state comes from the grid as
/// the tick found it, so the cells of a shard can be stepped in parallel.
///
/// Phases: decide (each shard writes its cells' next states), match (the next states become the
/// current ones), record (a `fire` event for each cell that catches fire; counters). Spread over
/// processes, each shares its cells' next states after decide.
public final class ForestFireModel: Model, @unchecked Sendable {
    public typealias Message = NoPayload

    public enum Cell: UInt8 { case empty = 0, tree = 1, burning = 2 }

    /// Its event kind, declared by name: registration numbers it (`inputs.eventKind("fire")`).
    public static let fireEvent = EventKind.named("fire", columns: ["x", "y"])

    public let grid: Grid
    public let growth: Probability
    public let lightning: Probability
    public let seed: UInt64
    /// The event kind as registered, and the model's random stream (`inputs.stream("fire")`).
    public let fire: EventKind
    public let stream: UInt64
    public let state: Column<UInt8>
    let next: Column<UInt8>
    let offsets: [(dx: Int, dy: Int)]
    var burned = 0
    public let columns: StateColumns

    public init(grid: Grid, neighbourhood: Grid.Neighbourhood = .vonNeumann(radius: 1), density: Double, growth: Double,
                lightning: Double, seed: UInt64, fire: EventKind, stream: UInt64) {
        self.grid = grid
        self.fire = fire
        self.stream = stream
        self.growth = Probability(growth)
        self.lightning = Probability(lightning)
        self.seed = seed
        state = Column(count: grid.cellCount, repeating: Cell.empty.rawValue)
        next = Column(count: grid.cellCount, repeating: Cell.empty.rawValue)
        offsets = neighbourhood.offsets
        let setup = RandomStream(seed: seed, stream: stream).tick(-1)
        let trees = Probability(density)
        for c in 0..<grid.cellCount {
            var r = setup.agent(c)
            if r.bernoulli(trees) { state[c] = Cell.tree.rawValue }
        }
        var cols = StateColumns()
        cols.add("state", state)
        cols.add("next", next, checkpoint: false, shared: [.afterDecide])
        columns = cols
    }

    public var agentCount: Int { grid.cellCount }
    public var phases: Phases { [.decide, .match, .record] }
    public var eventKinds: [EventKind] { [fire] }
    public var counterCount: Int { 2 }
    public var metricNames: [String] { ["trees", "burning"] }
    public var stateBytes: Int { columns.byteCount }

    public func decide(_ ctx: ShardContext, outbox: Outbox<NoPayload>) {
        let now = state.pointer, then = next.pointer
        let draws = RandomStream(seed: seed, stream: stream).tick(ctx.tick)
        let tree = Cell.tree.rawValue, burning = Cell.burning.rawValue
        for c in ctx.agents {
            switch now[c] {
            case burning:
                then[c] = Cell.empty.rawValue
            case tree:
                var fire = false
                for o in offsets where !fire { if let n = grid.cell(c, dx: o.dx, dy: o.dy), now[n] == burning { fire = true } }
                if !fire {
                    var r = draws.agent(c)
                    fire = r.bernoulli(lightning)
                }
                then[c] = fire ? burning : tree
            default:
                var r = draws.agent(c)
                then[c] = r.bernoulli(growth) ? tree : Cell.empty.rawValue
            }
        }
    }

    public func match(tick: Tick) {
        state.buffer.update(fromContentsOf: next.buffer)
    }

    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        let now = state.pointer
        var trees: Int64 = 0, fires: Int64 = 0
        for c in ctx.agents {
            trees &+= now[c] == Cell.tree.rawValue ? 1 : 0
            if now[c] == Cell.burning.rawValue {
                fires &+= 1
                let (x, y) = grid.coordinates(of: c)
                recorder.record(kind: fire.id, agent: c, Int64(x), Int64(y))
            }
        }
        recorder.counters[0] &+= trees
        recorder.counters[1] &+= fires
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        burned += Int(counters[1])
        return [Double(counters[0]) / Double(agentCount), Double(counters[1]) / Double(agentCount)]
    }

    public func summary() -> [(name: String, value: Double)] { [("burned", Double(burned))] }
}

extension ForestFireModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        columns.save(to: &w)
        w.write(burned)
    }

    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        try columns.load(from: &r)
        burned = try r.int()
    }
}

/// Spread over processes, the next states of each process's cells are shared after decide.
extension ForestFireModel: ColumnSharingModel {}

extension ForestFireModel {
    public enum Parameters {
        public static let width = Parameter<Int>("width", .integer(min: 1, max: 10_000), default: 100, "Cells across.")
        public static let height = Parameter<Int>("height", .integer(min: 1, max: 10_000), default: 100, "Cells down.")
        public static let density = Parameter<Double>("density", .probability, default: 0.5, "Share of cells with a tree at the start.")
        public static let growth = Parameter<Double>("growth", .probability, default: 0.02, "Chance an empty cell grows a tree in a tick.")
        public static let lightning = Parameter<Double>("lightning", .probability, default: 0.0001,
                                                        "Chance a tree catches fire by itself in a tick.")
    }

    /// The forest fire as a scenario names it: one population of kind `cell`, its count the grid's.
    public static let descriptor = ModelDescriptor(
        name: "forest_fire",
        summary: "Drossel–Schwabl forest fire on a grid: trees grow, lightning strikes, fire spreads to neighbours.",
        agentKinds: [AgentKindDescriptor(name: "cell", summary: "A cell: empty, a tree, or burning.", parameters: [
            Parameters.width.spec, Parameters.height.spec, Parameters.density.spec, Parameters.growth.spec, Parameters.lightning.spec,
        ])],
        maxPopulations: 1, network: .none, usesExchange: false, events: [fireEvent],
        build: { (inputs) throws(ModelBuildError) -> any Model in
            let p = inputs.population
            let grid = Grid(width: p[Parameters.width], height: p[Parameters.height])
            if let count = inputs.count, count != grid.cellCount {
                throw ModelBuildError(parameter: "count", "count \(count) is not the grid's \(grid.cellCount) cells (omit it)")
            }
            return ForestFireModel(grid: grid, density: p[Parameters.density], growth: p[Parameters.growth],
                                   lightning: p[Parameters.lightning], seed: inputs.seed, fire: inputs.eventKind("fire"),
                                   stream: inputs.stream("fire"))
        })
}
