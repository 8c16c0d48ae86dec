import AgoraCore

/// What one shard records in the record phase: events folded into an order-independent hash, and
/// counters the engine sums across shards (population counts, totals).
public struct ShardRecorder: Sendable {
    public var events = EventSetHash()
    public var counters: [Int64]

    public init(counterCount: Int) {
        counters = Array(repeating: 0, count: counterCount)
    }

    /// Records one event. `kind` is a model-defined event kind; `a` and `b` its payload.
    @inlinable @inline(__always)
    public mutating func record(kind: UInt64, agent: Int, _ a: UInt64 = 0, _ b: UInt64 = 0) {
        events.add(kind: kind, agent: UInt64(truncatingIfNeeded: agent), a, b)
    }

    mutating func reset() {
        events = EventSetHash()
        for i in counters.indices { counters[i] = 0 }
    }
}
