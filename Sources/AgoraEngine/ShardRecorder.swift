import AgoraCore

/// What one shard records in the record phase: events, hashed per kind into order-independent
/// sums and — when the log policy says so — kept as rows for the event log; and counters the
/// engine sums across shards (population counts, totals).
public struct ShardRecorder: Sendable {
    /// Per kind slot (the model's `eventKinds` order).
    @usableFromInline var hashes: [EventSetHash]
    /// Per kind slot: rows `agent, values…`, row-major, in recording order.
    @usableFromInline var rows: [[Int64]]
    public var counters: [Int64]
    /// The strings this tick's text columns name, by their `textHash`.
    public private(set) var strings: [Int64: String] = [:]

    /// Kind id → slot (255: not a kind of this model).
    @usableFromInline let slotOfKind: [UInt8]
    /// Per slot: whether rows are kept this tick, and the agent-sample threshold.
    @usableFromInline var logging: [Bool]
    @usableFromInline let sampleThreshold: [UInt64]
    @usableFromInline let sampleKey: UInt64
    let widths: [Int]
    let every: [Int]

    public init(kinds: [EventKind], counterCount: Int, policy: LogPolicy = .none) {
        var slots = [UInt8](repeating: 255, count: 256)
        for (s, k) in kinds.enumerated() { slots[Int(k.id)] = UInt8(s) }
        slotOfKind = slots
        hashes = Array(repeating: EventSetHash(), count: kinds.count)
        rows = Array(repeating: [], count: kinds.count)
        counters = Array(repeating: 0, count: counterCount)
        widths = kinds.map { 1 + $0.columns.count }
        every = kinds.map { policy.rules[$0.id]?.every ?? 0 }
        sampleThreshold = kinds.map { k in
            guard let r = policy.rules[k.id] else { return 0 }
            return r.sample >= 1 ? .max : Probability(r.sample).threshold
        }
        sampleKey = policy.sampleKey ^ 0x5A4D_504C
        logging = Array(repeating: false, count: kinds.count)
    }

    @inlinable @inline(__always)
    func slot(_ kind: UInt16) -> Int {
        let s = Int(slotOfKind[Int(kind & 0xFF)])
        precondition(kind <= 255 && s != 255, "event kind \(kind) is not declared in the model's eventKinds")
        return s
    }

    @inlinable @inline(__always)
    func keepsRow(_ slot: Int, agent: Int) -> Bool {
        logging[slot] && (sampleThreshold[slot] == .max || mix64(sampleKey ^ UInt64(truncatingIfNeeded: agent)) < sampleThreshold[slot])
    }

    /// Records an event of `kind` about `agent` with one value.
    @inlinable @inline(__always)
    public mutating func record(kind: UInt16, agent: Int, _ v0: Int64) {
        let s = slot(kind)
        hashes[s].add(mix64(mix64(UInt64(kind) &* 0x9FB2_1C65_1E98_DF25 ^ UInt64(truncatingIfNeeded: agent)) ^ UInt64(bitPattern: v0)))
        if keepsRow(s, agent: agent) { rows[s].append(Int64(agent)); rows[s].append(v0) }
    }

    /// Records an event of `kind` about `agent` with two values.
    @inlinable @inline(__always)
    public mutating func record(kind: UInt16, agent: Int, _ v0: Int64, _ v1: Int64) {
        let s = slot(kind)
        var h = mix64(UInt64(kind) &* 0x9FB2_1C65_1E98_DF25 ^ UInt64(truncatingIfNeeded: agent))
        h = mix64(h ^ UInt64(bitPattern: v0))
        h = mix64(h ^ UInt64(bitPattern: v1))
        hashes[s].add(h)
        if keepsRow(s, agent: agent) { rows[s].append(Int64(agent)); rows[s].append(v0); rows[s].append(v1) }
    }

    /// Records an event of `kind` about `agent` with any number of values (one per value column).
    public mutating func record(kind: UInt16, agent: Int, values: UnsafeBufferPointer<Int64>) {
        let s = slot(kind)
        precondition(values.count == widths[s] - 1, "kind \(kind) has \(widths[s] - 1) value columns, got \(values.count)")
        hashes[s].add(EventKind.eventHash(kind: kind, agent: Int64(agent), values: values))
        if keepsRow(s, agent: agent) {
            rows[s].append(Int64(agent))
            rows[s].append(contentsOf: values)
        }
    }

    public mutating func record(kind: UInt16, agent: Int, values: [Int64]) {
        values.withUnsafeBufferPointer { record(kind: kind, agent: agent, values: $0) }
    }

    /// The value to record in a `text` column: the string's content hash, which is what the
    /// digest sees; the log stores the string itself.
    public mutating func text(_ s: String) -> Int64 {
        let h = textHash(s)
        strings[h] = s
        return h
    }

    mutating func reset(tick: Int) {
        if !strings.isEmpty { strings.removeAll(keepingCapacity: true) }
        for s in hashes.indices {
            hashes[s] = EventSetHash()
            rows[s].removeAll(keepingCapacity: true)
            logging[s] = every[s] > 0 && tick % every[s] == 0
        }
        for i in counters.indices { counters[i] = 0 }
    }
}
