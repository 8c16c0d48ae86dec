import AgoraCore

/// A simulation model: agent state (in columns) and what its agents do in each phase of a tick.
///
/// The engine calls a phase hook once per shard per tick, in parallel across shards; the hook loops
/// over `ctx.agents`. A hook may write only the state of its own agents (and its own shard's
/// scratch space), and read shared state that no hook writes during that phase. Agents reach
/// other agents only through messages. Under those rules the engine guarantees the same result for
/// any shard or thread count.
///
/// Models are classes whose columns shards write in parallel; they conform `@unchecked Sendable`
/// because the phase rules above, not the compiler, keep those writes apart. Serial hooks
/// (`match`, `endTick`) may touch anything.
///
/// Models are generic parameters of `Simulation`, so the hooks are statically dispatched; the
/// per-agent loops inside them are ordinary tight loops over columns.
public protocol Model: AnyObject, Sendable {
    /// What agents send each other. A plain value.
    associatedtype Message: BitwiseCopyable = NoPayload

    /// The number of agents the engine partitions into shards.
    var agentCount: Int { get }
    /// The phases this model uses; the engine skips the barriers of the others.
    var phases: Phases { get }
    /// Names of the per-tick metrics `endTick` returns, in order.
    var metricNames: [String] { get }
    /// The kinds of event the record phase records; every one is hashed into the digest.
    var eventKinds: [EventKind] { get }
    /// How many counters the record phase sums across shards.
    var counterCount: Int { get }

    /// Called once before tick 0 with the final layout; allocate per-shard scratch here.
    func prepare(layout: ShardLayout)
    func observe(_ ctx: ShardContext)
    func decide(_ ctx: ShardContext, outbox: Outbox<Message>)
    func submit(_ ctx: ShardContext)
    /// Runs once per tick on one thread, after submit and before propagate.
    func match(tick: Tick)
    func propagate(_ ctx: ShardContext, inbox: Inbox<Message>)
    func record(_ ctx: ShardContext, into recorder: inout ShardRecorder)
    /// Runs once per tick on one thread after the record phase, for events whose canonical order
    /// is not by agent (an exchange's reports, in the order it produced them). Its rows are logged
    /// in the order recorded, after the shards' rows.
    func recordSerial(_ tick: Tick, into recorder: inout ShardRecorder)
    /// Runs once per tick on one thread after record, with the counters summed over shards.
    /// Returns the tick's metrics, in the order of `metricNames`.
    func endTick(_ tick: Tick, counters: [Int64]) -> [Double]
    /// Figures that describe the run once it has ended (name, value), in a fixed order.
    func summary() -> [(name: String, value: Double)]
    /// Lines of text the run's summary shows (where LLM answers came from, say).
    var notes: [String] { get }
    /// Charts of its own for the run's report, asked for once the run has ended (after `summary`).
    var figures: [Figure] { get }
    /// Bytes the model holds per agent, state and per-shard working memory, for memory-per-agent
    /// reports (the engine's mailboxes come on top).
    var stateBytes: Int { get }
}

extension Model {
    public var metricNames: [String] { [] }
    public var eventKinds: [EventKind] { [] }
    public var counterCount: Int { 0 }
    public func prepare(layout: ShardLayout) {}
    public func observe(_ ctx: ShardContext) {}
    public func decide(_ ctx: ShardContext, outbox: Outbox<Message>) {}
    public func submit(_ ctx: ShardContext) {}
    public func match(tick: Tick) {}
    public func propagate(_ ctx: ShardContext, inbox: Inbox<Message>) {}
    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {}
    public func recordSerial(_ tick: Tick, into recorder: inout ShardRecorder) {}
    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] { [] }
    public func summary() -> [(name: String, value: Double)] { [] }
    public var notes: [String] { [] }
    public var figures: [Figure] { [] }
    public var stateBytes: Int { 0 }
}

/// A run in progress, seen without its model type: what the command line and the benches drive.
/// Calls cross this existential once per tick, never per agent.
public protocol SimulationRunner: AnyObject {
    var digest: RunDigest { get }
    var eventKinds: [EventKind] { get }
    var tick: Tick { get }
    var agentCount: Int { get }
    var layout: ShardLayout { get }
    var metricNames: [String] { get }
    var messageCount: Int { get }
    @discardableResult func step() -> TickResult
    /// The model's end-of-run figures (name, value), in a fixed order.
    func summary() -> [(name: String, value: Double)]
    /// The model's notes for the summary.
    var notes: [String] { get }
    /// The model's charts for the report (after `summary`).
    var figures: [Figure] { get }
    /// The string behind a text column's value (its `textHash`) in the last tick's rows.
    func loggedString(_ hash: Int64) -> String?
    /// The rows the last tick kept for the log (`part` of them), per kind in canonical order.
    func loggedRows(_ part: LoggedPart, _ body: (_ kind: EventKind, _ rows: UnsafeBufferPointer<Int64>, _ width: Int) -> Void)
    /// The engine's and the model's state, or nil when the model cannot be checkpointed.
    func saveState() -> [UInt8]?
    /// Restores what `saveState` saved (into a simulation built from the same scenario).
    func loadState(_ bytes: [UInt8]) throws(StateReader.Failure)
    /// How many processes the run is spread over (1: this one alone).
    var processCount: Int { get }
    /// What this process sent the others, when there are several.
    var transport: TransportStats? { get }
    /// Where the time went.
    var timing: StepTiming { get }
    /// What the model shows the live monitor between ticks (nil: its metrics are all it shows).
    func liveView(depth: Int) -> LiveView?
}

extension Simulation: SimulationRunner {
    public var eventKinds: [EventKind] { kinds }

    public func saveState() -> [UInt8]? {
        guard let m = model as? any CheckpointableModel else { return nil }
        var w = StateWriter()
        saveEngineState(to: &w)
        m.saveState(to: &w)
        return w.bytes
    }

    public func loadState(_ bytes: [UInt8]) throws(StateReader.Failure) {
        guard let m = model as? any CheckpointableModel else {
            throw StateReader.Failure(description: "this model cannot be restored from a checkpoint")
        }
        var r = StateReader(bytes)
        try loadEngineState(from: &r)
        try m.loadState(from: &r)
        guard r.isAtEnd else { throw StateReader.Failure(description: "checkpoint state has trailing bytes") }
    }
    public var agentCount: Int { model.agentCount }
    public var metricNames: [String] { model.metricNames }
    /// Spread over processes, every process must ask (the model's last sync point runs first).
    public func summary() -> [(name: String, value: Double)] {
        shareForSummary()
        return model.summary()
    }
    public var notes: [String] { model.notes + (threadNote.map { [$0] } ?? []) }
    public var figures: [Figure] { model.figures }
}

/// Builds the simulation of a model whose type is only known at run time (opened existential).
public func makeSimulation<M: Model>(_ model: M, shards: Int, threads: Int, logPolicy: LogPolicy = .none,
                                     group: (any ProcessGroup)? = nil) -> any SimulationRunner {
    Simulation(model: model, shards: shards, threads: threads, logPolicy: logPolicy, group: group)
}

/// Whether a model can be spread over several processes (it is a `DistributedModel`).
public func isDistributable(_ model: any Model) -> Bool { model is any DistributedModel }
