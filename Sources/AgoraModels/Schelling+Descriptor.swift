import AgoraCore
import AgoraEngine
import AgoraSpace

extension SchellingModel {
    /// The schelling model's parameters, declared once.
    public enum Parameters {
        public static let width = Parameter<Int>("width", .integer(min: 1, max: 100_000), default: 50, "Cells across the grid.")
        public static let height = Parameter<Int>("height", .integer(min: 1, max: 100_000), default: 50, "Cells down the grid.")
        public static let topology = Parameter<String>("topology", .choice(["torus", "bounded"]), default: "torus",
                                                       "Whether the grid wraps around at its edges.")
        public static let neighbourhood = Parameter<String>("neighbourhood", .choice(["moore", "von_neumann"]), default: "moore",
                                                            "Moore (diagonals too) or von Neumann (no diagonals).")
        public static let radius = Parameter<Int>("radius", .integer(min: 1, max: 10), default: 1, "How far a neighbourhood reaches.")
        public static let minority = Parameter<Double>("minority", .probability, default: 0.3, "Share of residents in the second group.")
        public static let similarWanted = Parameter<Double>("similar_wanted", .probability, default: 0.375,
                                                            "A resident moves unless at least this share of its occupied neighbours are of its group.")
        public static let moveTries = Parameter<Int>("move_tries", .integer(min: 1, max: 10_000), default: 32,
                                                     "Random cells an unhappy resident tries for an empty one each tick.")
        static var specs: [ParameterSpec] {
            [width.spec, height.spec, topology.spec, neighbourhood.spec, radius.spec, minority.spec, similarWanted.spec, moveTries.spec]
        }
    }

    /// The schelling model as a scenario names it.
    public static let descriptor = ModelDescriptor(
        name: "schelling",
        summary: "Schelling's segregation on a grid: residents of two groups move while too few of their neighbours are like them.",
        agentKinds: [AgentKindDescriptor(name: "resident", summary: "A resident of one of two groups, in one cell.", parameters: Parameters.specs)],
        maxPopulations: 1, network: .none, usesExchange: false,
        events: [SchellingModel.moveEvent],
        bytesPerAgent: 16,
        build: { (inputs) throws(ModelBuildError) -> any Model in
            guard let count = inputs.count else { throw ModelBuildError(parameter: "count", "how many residents") }
            let p = inputs.population
            let grid = Grid(width: p[Parameters.width], height: p[Parameters.height],
                            topology: p[Parameters.topology] == "bounded" ? .bounded : .torus)
            guard grid.width.multipliedReportingOverflow(by: grid.height).partialValue <= 100_000_000 else {
                throw ModelBuildError(parameter: "height", "a grid of \(grid.width) × \(grid.height) cells is more than 10^8")
            }
            guard count <= grid.cellCount else {
                throw ModelBuildError(parameter: "count", "\(count) residents do not fit on \(grid.width) × \(grid.height) = \(grid.cellCount) cells")
            }
            let r = p[Parameters.radius]
            let neighbourhood: Grid.Neighbourhood = p[Parameters.neighbourhood] == "von_neumann" ? .vonNeumann(radius: r) : .moore(radius: r)
            return SchellingModel(grid: grid, neighbourhood: neighbourhood, residents: count, minority: p[Parameters.minority],
                                  similarWanted: p[Parameters.similarWanted], moveTries: p[Parameters.moveTries], seed: inputs.seed)
        })
}
