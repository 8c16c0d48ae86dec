import AgoraCore

/// A column of plain values, whatever its element type: what `StateColumns` keeps.
public protocol AnyStateColumn: AnyObject {
    var byteCount: Int { get }
    func write(to w: inout StateWriter)
    func read(from r: inout StateReader) throws(StateReader.Failure)
    /// The values of `agents` (ids the column holds), and reading them back.
    func write(_ agents: Range<Int>, to w: inout StateWriter)
    func read(_ agents: Range<Int>, from r: inout StateReader) throws(StateReader.Failure)
}

extension Column: AnyStateColumn {
    public func write(to w: inout StateWriter) { w.write(self) }
    public func read(from r: inout StateReader) throws(StateReader.Failure) { try r.read(into: self) }
    public func write(_ agents: Range<Int>, to w: inout StateWriter) { w.write(UnsafeBufferPointer(slice(agents))) }
    public func read(_ agents: Range<Int>, from r: inout StateReader) throws(StateReader.Failure) { try r.read(into: slice(agents)) }
}

/// A model's state columns, each declared once with what it is for; the model's memory figure,
/// its checkpoint and what its processes share are all derived from this one list, so a column
/// added to a model cannot be forgotten in one of them.
///
/// - `checkpoint`: saved and loaded with the run's checkpoints, in declaration order (columns the
///   scenario rebuilds, or scratch space, are not).
/// - `perAgent`: counted in the model's bytes per agent (not a few values per instrument).
/// - `shared`: the sync points at which each process sends the others its own agents' values.
public struct StateColumns {
    public struct Entry {
        public let name: String
        public let column: any AnyStateColumn
        public let checkpoint: Bool
        public let perAgent: Bool
        public let shared: Set<SyncPoint>
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// Declares `column`.
    public mutating func add(_ name: String, _ column: any AnyStateColumn, checkpoint: Bool = true, perAgent: Bool = true,
                             shared: Set<SyncPoint> = []) {
        precondition(!entries.contains { $0.name == name }, "the state column '\(name)' is declared twice")
        entries.append(Entry(name: name, column: column, checkpoint: checkpoint, perAgent: perAgent, shared: shared))
    }

    /// Bytes of the per-agent columns.
    public var byteCount: Int { entries.filter(\.perAgent).reduce(0) { $0 + $1.column.byteCount } }

    /// The checkpointed columns, in declaration order.
    public func save(to w: inout StateWriter) {
        for e in entries where e.checkpoint { e.column.write(to: &w) }
    }

    public func load(from r: inout StateReader) throws(StateReader.Failure) {
        for e in entries where e.checkpoint { try e.column.read(from: &r) }
    }

    /// The values of `agents` of every column shared at `point`, in declaration order.
    public func share(_ point: SyncPoint, agents: Range<Int>, into w: inout StateWriter) {
        for e in entries where e.shared.contains(point) { e.column.write(agents, to: &w) }
    }

    public func absorb(_ point: SyncPoint, agents: Range<Int>, from r: inout StateReader) throws(StateReader.Failure) {
        for e in entries where e.shared.contains(point) { try e.column.read(agents, from: &r) }
    }
}

/// A model whose state that processes share is all in its `StateColumns`: its sync points are the
/// points its columns name, and `share`/`absorb` send and take those columns' values of the
/// process's own agents. Declaring the columns is then all a model writes to run spread.
public protocol ColumnSharingModel: DistributedModel {
    var columns: StateColumns { get }
}

extension ColumnSharingModel {
    public var syncPoints: [SyncPoint] { SyncPoint.allCases.filter { p in columns.entries.contains { $0.shared.contains(p) } } }

    public func share(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, into w: inout StateWriter) {
        columns.share(point, agents: agents, into: &w)
    }

    public func absorb(_ point: SyncPoint, shards: Range<Int>, agents: Range<Int>, from r: inout StateReader) throws(StateReader.Failure) {
        try columns.absorb(point, agents: agents, from: &r)
    }
}
