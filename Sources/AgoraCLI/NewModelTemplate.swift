/// The files `agora new model NAME` writes: a package of its own with a complete small model (the
/// voter model on a grid), its executable, a scenario, a test and a README. `__NAME__` is the
/// model's name (`voter`), `__TYPE__` its type's stem (`Voter`), `__AGORA__` the Agora checkout the
/// package depends on by path.
enum NewModelTemplate {
    static let package = #"""
    // swift-tools-version:6.0
    // __TYPE__: a model of one's own for Agora. Build: swift build; test: swift test;
    // run: .build/debug/__NAME__-agora run scenarios/__NAME__.yaml
    import Foundation
    import PackageDescription

    // The Agora checkout this package builds against; a path dependency's identity is its folder's name.
    let agoraPath = "__AGORA__"
    let agora = URL(fileURLWithPath: agoraPath).lastPathComponent.lowercased()

    let package = Package(
        name: "__TYPE__",
        platforms: [.macOS(.v14)],
        dependencies: [.package(path: agoraPath)],
        targets: [
            .target(name: "__TYPE__", dependencies: [.product(name: "Agora", package: agora)]),
            .executableTarget(name: "__NAME__-agora", dependencies: ["__TYPE__", .product(name: "Agora", package: agora)]),
            .testTarget(name: "__TYPE__Tests", dependencies: ["__TYPE__", .product(name: "Agora", package: agora)]),
        ]
    )

    """#

    static let model = #"""
    import Agora

    /// The voter model on a grid, one agent per cell: each tick, with chance `rate`, a cell adopts
    /// the opinion of one of its four neighbours, drawn at random, as the grid was at the start of
    /// the tick. Opinions coarsen into domains; on a finite grid one of them eventually wins.
    ///
    /// Phases: decide (each shard writes its cells' next opinions), match (the next opinions become
    /// the current ones), record (a `flip` event for each cell that changed; counters).
    public final class __TYPE__Model: Model, @unchecked Sendable {
        public typealias Message = NoPayload

        /// Its event kind, declared by name: registration gives it a number no other model's has.
        public static let flipEvent = EventKind.named("flip", columns: ["opinion"])

        public let grid: Grid
        public let rate: Probability
        public let seed: UInt64
        /// The event kind as registered, and the model's random stream, by name.
        public let flip: EventKind
        public let stream: UInt64
        public let opinion: Column<UInt8>
        let next: Column<UInt8>
        /// By cell: whether decide changed its opinion this tick.
        let changed: Column<UInt8>
        let offsets = Grid.Neighbourhood.vonNeumann(radius: 1).offsets
        public let columns: StateColumns

        public init(grid: Grid, share: Double, rate: Double, seed: UInt64, flip: EventKind, stream: UInt64) {
            self.grid = grid
            self.flip = flip
            self.stream = stream
            self.rate = Probability(rate)
            self.seed = seed
            opinion = Column(count: grid.cellCount, repeating: 0)
            next = Column(count: grid.cellCount, repeating: 0)
            changed = Column(count: grid.cellCount, repeating: 0)
            let setup = RandomStream(seed: seed, stream: stream).tick(-1), ones = Probability(share)
            for c in 0..<grid.cellCount {
                var r = setup.agent(c)
                opinion[c] = r.bernoulli(ones) ? 1 : 0
            }
            var cols = StateColumns()
            cols.add("opinion", opinion)
            cols.add("next", next, checkpoint: false, shared: [.afterDecide])
            cols.add("changed", changed, checkpoint: false)
            columns = cols
        }

        public var agentCount: Int { grid.cellCount }
        public var phases: Phases { [.decide, .match, .record] }
        public var eventKinds: [EventKind] { [flip] }
        public var counterCount: Int { 2 }
        public var metricNames: [String] { ["share_one", "flips"] }
        public var stateBytes: Int { columns.byteCount }

        public func decide(_ ctx: ShardContext, outbox: Outbox<NoPayload>) {
            let now = opinion.pointer, then = next.pointer, flipped = changed.pointer
            let draws = RandomStream(seed: seed, stream: stream).tick(ctx.tick)
            for c in ctx.agents {
                var r = draws.agent(c)
                then[c] = now[c]
                if r.bernoulli(rate) {
                    let o = offsets[Int(r.next() % UInt64(offsets.count))]
                    if let n = grid.cell(c, dx: o.dx, dy: o.dy) { then[c] = now[n] }
                }
                flipped[c] = then[c] != now[c] ? 1 : 0
            }
        }

        public func match(tick: Tick) {
            opinion.buffer.update(fromContentsOf: next.buffer)
        }

        /// Counts the ones and the flips, and records each flip (with the new opinion).
        public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
            let now = opinion.pointer, flipped = changed.pointer
            var ones: Int64 = 0, flips: Int64 = 0
            for c in ctx.agents {
                ones &+= Int64(now[c])
                if flipped[c] != 0 {
                    flips &+= 1
                    recorder.record(kind: flip.id, agent: c, Int64(now[c]))
                }
            }
            recorder.counters[0] &+= ones
            recorder.counters[1] &+= flips
        }

        public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
            [Double(counters[0]) / Double(agentCount), Double(counters[1])]
        }

        public func summary() -> [(name: String, value: Double)] {
            let ones = opinion.buffer.reduce(0) { $0 + Int($1) }
            return [("share_one", Double(ones) / Double(agentCount))]
        }
    }

    extension __TYPE__Model: CheckpointableModel {
        public func saveState(to w: inout StateWriter) { columns.save(to: &w) }
        public func loadState(from r: inout StateReader) throws(StateReader.Failure) { try columns.load(from: &r) }
    }

    /// Spread over processes, the next opinions of each process's cells are shared after decide.
    extension __TYPE__Model: ColumnSharingModel {}

    extension __TYPE__Model {
        /// The parameters, each declared once with its default.
        public enum Parameters {
            public static let width = Parameter<Int>("width", .integer(min: 1, max: 10_000), default: 64, "Cells across.")
            public static let height = Parameter<Int>("height", .integer(min: 1, max: 10_000), default: 64, "Cells down.")
            public static let share = Parameter<Double>("share", .probability, default: 0.5, "Share of cells that start with opinion 1.")
            public static let rate = Parameter<Double>("rate", .probability, default: 0.5, "Chance a cell copies a neighbour in a tick.")
        }

        /// The model as a scenario names it: one population of kind `cell`, as many as the grid's cells.
        public static let descriptor = ModelDescriptor(
            name: "__NAME__",
            summary: "The voter model on a grid: cells copy a random neighbour's opinion.",
            agentKinds: [AgentKindDescriptor(name: "cell", summary: "A cell with an opinion, 0 or 1.", parameters: [
                Parameters.width.spec, Parameters.height.spec, Parameters.share.spec, Parameters.rate.spec,
            ])],
            maxPopulations: 1, network: .none, usesExchange: false, events: [flipEvent],
            build: { (inputs) throws(ModelBuildError) -> any Model in
                let p = inputs.population
                let grid = Grid(width: p[Parameters.width], height: p[Parameters.height])
                if let count = inputs.count, count != grid.cellCount {
                    throw ModelBuildError(parameter: "count", "count \(count) is not the grid's \(grid.cellCount) cells")
                }
                return __TYPE__Model(grid: grid, share: p[Parameters.share], rate: p[Parameters.rate], seed: inputs.seed,
                                     flip: inputs.eventKind("flip"), stream: inputs.stream("opinions"))
            })
    }

    """#

    static let main = #"""
    // `agora` with this package's model beside Agora's own: run, validate, models, sweep, replay,
    // log check, analyze, runs and mpirun all know it.
    import Agora
    import __TYPE__

    AgoraCommand.main(models: ModelCatalog.all + [__TYPE__Model.descriptor])

    """#

    static let scenario = #"""
    # The voter model on a 64 × 64 torus, half the cells of each opinion.
    name: __NAME__
    model: __NAME__
    seed: 1
    ticks: 200
    agents:
      - kind: cell
        count: 4096
        params: {width: 64, height: 64, share: 0.5, rate: 0.5}

    """#

    static let test = #"""
    import Agora
    import Foundation
    import Testing
    import __TYPE__

    let registry = try! ModelRegistry(ModelCatalog.all + [__TYPE__Model.descriptor])
    let scenarioPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios/__NAME__.yaml").path

    @Suite struct __TYPE__Tests {
        func digest(_ s: Scenario, shards: Int) throws -> String {
            let world = try World.assemble(s)
            let sim = makeSimulation(world.model, shards: shards, threads: 2)
            for _ in 0..<s.ticks { sim.step() }
            return sim.digest.hex
        }

        @Test func theDigestIsTheSameForAnyShardOrProcessCount() throws {
            let s = try ScenarioLoader.load(path: scenarioPath, overrides: [try Override.parse("ticks=50")], environment: [:], models: registry)
            let one = try digest(s, shards: 1)
            #expect(try digest(s, shards: 3) == one)
            #expect(try World.runInProcesses(s, processes: 2).allSatisfy { $0.digest.hex == one })
        }

        @Test func opinionsStayZeroOrOne() throws {
            let m = __TYPE__Model(grid: Grid(width: 16, height: 16), share: 0.3, rate: 1, seed: 2,
                                  flip: __TYPE__Model.flipEvent.numbered(100), stream: 1)
            let sim = Simulation(model: m, shards: 2, threads: 1)
            sim.run(ticks: 30)
            #expect(m.opinion.buffer.allSatisfy { $0 <= 1 })
        }
    }

    """#

    static let readme = #"""
    # __TYPE__

    A model of one's own for Agora: the voter model on a grid (`Sources/__TYPE__/__TYPE__Model.swift`),
    an `agora` of its own that knows it (`Sources/__NAME__-agora`), a scenario and a test.

    ```sh
    swift build
    swift test
    .build/debug/__NAME__-agora run scenarios/__NAME__.yaml
    .build/debug/__NAME__-agora validate scenarios/__NAME__.yaml
    .build/debug/__NAME__-agora models
    ```

    Agora's docs/extending.md explains the parts: parameters declared once, state columns, phases,
    checkpoints and running over several processes.

    """#
}
