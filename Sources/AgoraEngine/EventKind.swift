import AgoraCore

/// A kind of event a model records: its number, its name, and its value columns. In the event log
/// a kind's columns are `tick`, `agent`, then these.
///
/// Ids 1…255 belong to models; id 0 is the engine's own per-tick digest rows.
public struct EventKind: Sendable, Hashable {
    public let id: UInt16
    public let name: String
    public let columns: [String]
    /// The share of agents whose events of this kind are logged unless the scenario says
    /// otherwise. Below 1 for kinds that would otherwise log every agent every tick.
    public let defaultSample: Double
    /// How to read each value column: `i64`, `f64` (IEEE bits) or `text` (a string-table id);
    /// nil: all `i64`.
    public let types: [String]?
    /// Names of a coded column's values (column → code → name), written into the log's schema so
    /// that readers decode `side` 0 as `buy` without a table of their own. Columns not listed are
    /// plain numbers; a code with no name stays a number.
    public private(set) var labels: [String: [Int64: String]] = [:]

    public init(id: UInt16, name: String, columns: [String], defaultSample: Double = 1, types: [String]? = nil) {
        precondition(id >= 1 && id <= 255, "model event kinds are numbered 1…255")
        self.init(unchecked: id, name: name, columns: columns, defaultSample: defaultSample, types: types)
    }

    /// A kind declared by name for a model of one's own, numbered when its model is registered
    /// (`ModelRegistry`), so that no two models' kinds share a number: the model takes it back,
    /// numbered, with `ModelInputs.eventKind(_:)`.
    public static func named(_ name: String, columns: [String], defaultSample: Double = 1, types: [String]? = nil) -> EventKind {
        EventKind(unchecked: 0, name: name, columns: columns, defaultSample: defaultSample, types: types)
    }

    /// Whether the kind has its number (0: declared by name, not yet registered).
    public var isNumbered: Bool { id != 0 }

    /// This kind with the number `id`.
    public func numbered(_ id: UInt16) -> EventKind {
        var k = EventKind(id: id, name: name, columns: columns, defaultSample: defaultSample, types: types)
        k.labels = labels
        return k
    }

    /// This kind with `names` for the codes of `column` (a value column, or `agent`).
    public func labelled(_ column: String, _ names: [Int64: String]) -> EventKind {
        precondition(column == "agent" || columns.contains(column), "kind \(name) has no column \(column)")
        var k = self
        k.labels[column] = names
        return k
    }

    /// This kind with `names[i]` for code `i` of `column`.
    public func labelled(_ column: String, _ names: [String]) -> EventKind {
        labelled(column, Dictionary(uniqueKeysWithValues: names.enumerated().map { (Int64($0.offset), $0.element) }))
    }

    private init(unchecked id: UInt16, name: String, columns: [String], defaultSample: Double, types: [String]?) {
        precondition(defaultSample > 0 && defaultSample <= 1, "a sample is a share in (0, 1]")
        precondition(types == nil || types!.count == columns.count, "one type per value column")
        self.id = id
        self.name = name
        self.columns = columns
        self.defaultSample = defaultSample
        self.types = types
    }
}

/// Which recorded events go to the log. Every event is hashed into the digest regardless.
public struct LogPolicy: Sendable, Hashable {
    /// Per kind id: log this kind's events on ticks divisible by `every`, for the agents a
    /// deterministic hash puts in the `sample` share (1: all). Kinds not listed are not logged.
    public struct Rule: Sendable, Hashable {
        public var every: Int
        public var sample: Double

        public init(every: Int = 1, sample: Double = 1) {
            precondition(every >= 1 && sample >= 0 && sample <= 1, "every ≥ 1, sample in [0, 1]")
            self.every = every
            self.sample = sample
        }
    }

    public var rules: [UInt16: Rule]
    /// Keys the agent sample; the run's seed, so a sample is reproducible.
    public var sampleKey: UInt64

    public init(rules: [UInt16: Rule], sampleKey: UInt64) {
        self.rules = rules
        self.sampleKey = sampleKey
    }

    /// Log nothing (only the digest).
    public static let none = LogPolicy(rules: [:], sampleKey: 0)

    /// Each kind's default sample, every tick.
    public static func defaults(for kinds: [EventKind], seed: UInt64) -> LogPolicy {
        LogPolicy(rules: Dictionary(uniqueKeysWithValues: kinds.map { ($0.id, Rule(every: 1, sample: $0.defaultSample)) }),
                  sampleKey: seed)
    }

    /// True when `kind`'s rows of `agent` are logged (ignoring `every`).
    public func samples(kind: UInt16, agent: Int) -> Bool {
        guard let r = rules[kind] else { return false }
        return r.sample >= 1 || mix64(sampleKey ^ 0x5A4D_504C ^ UInt64(truncatingIfNeeded: agent)) < Probability(r.sample).threshold
    }
}

extension EventKind {
    /// The 64-bit hash of one event, as the record phase computes it and a log checker recomputes
    /// it from a logged row: mix64 over the kind and agent, then over each value in turn.
    @inlinable @inline(__always)
    public static func eventHash(kind: UInt16, agent: Int64, values: UnsafeBufferPointer<Int64>) -> UInt64 {
        var h = mix64(UInt64(kind) &* 0x9FB2_1C65_1E98_DF25 ^ UInt64(bitPattern: agent))
        for v in values { h = mix64(h ^ UInt64(bitPattern: v)) }
        return h
    }
}
