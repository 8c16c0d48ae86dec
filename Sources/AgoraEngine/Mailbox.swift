import AgoraCore

/// A message addressed to one agent. `Message` is a plain value: no references, no allocation.
public struct Envelope<Message: BitwiseCopyable>: BitwiseCopyable {
    public var to: UInt32
    public var message: Message

    @inlinable public init(to: UInt32, message: Message) {
        self.to = to
        self.message = message
    }
}

/// The message of a model whose agents only need to know that something arrived.
public struct NoPayload: BitwiseCopyable, Sendable {
    @inlinable public init() {}
}

/// A growable buffer of plain values that keeps its memory from tick to tick.
///
/// Padded to 128 bytes (two cache lines, the unit of the adjacent-line prefetcher) so that shards
/// appending to neighbouring buffers never write the same cache line.
@usableFromInline
struct MessageBuffer<Element: BitwiseCopyable> {
    @usableFromInline var base: UnsafeMutablePointer<Element>
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int
    private var padding: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init() {
        capacity = 16
        count = 0
        base = .allocate(capacity: capacity)
    }

    @inlinable @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        base[count] = element
        count &+= 1
    }

    /// Writes `element` and keeps it only when `keep` is true: no branch on `keep`, for loops where
    /// a mispredicted branch would cost more than the write.
    @inlinable @inline(__always)
    mutating func append(_ element: Element, keep: Bool) {
        if count == capacity { grow() }
        base[count] = element
        count &+= keep ? 1 : 0
    }

    /// Makes room for `extra` more elements.
    @inlinable mutating func reserve(_ extra: Int) {
        while count + extra > capacity { grow() }
    }

    @usableFromInline @inline(never)
    mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    func free() { base.deallocate() }
}

/// All messages of one tick, bucketed by (source shard, destination shard).
///
/// A shard writes only to its own row during decide; during propagate a shard reads only its own
/// column, source shards in order. Because shards are contiguous and agents emit in order, that
/// read order equals the order a single shard would have produced: the merge is the same for any
/// shard count.
final class Mailbox<Message: BitwiseCopyable>: @unchecked Sendable {
    let layout: ShardLayout
    let buckets: UnsafeMutablePointer<MessageBuffer<Envelope<Message>>>

    init(layout: ShardLayout) {
        self.layout = layout
        let n = layout.shardCount * layout.shardCount
        buckets = .allocate(capacity: n)
        for i in 0..<n { (buckets + i).initialize(to: MessageBuffer()) }
    }

    deinit {
        for i in 0..<(layout.shardCount * layout.shardCount) { buckets[i].free() }
        buckets.deinitialize(count: layout.shardCount * layout.shardCount)
        buckets.deallocate()
    }

    func outbox(shard: Int) -> Outbox<Message> {
        Outbox(row: buckets + shard * layout.shardCount, layout: layout)
    }

    func inbox(shard: Int) -> Inbox<Message> {
        Inbox(buckets: buckets, destination: shard, shardCount: layout.shardCount)
    }

    /// Empties the row of `shard`, keeping its memory.
    func clearRow(shard: Int) {
        let row = buckets + shard * layout.shardCount
        for d in 0..<layout.shardCount { row[d].count = 0 }
    }

    /// Messages the shards `sources` sent this tick.
    func sentCount(from sources: Range<Int>) -> Int {
        var n = 0
        for s in sources { for d in 0..<layout.shardCount { n += buckets[s * layout.shardCount + d].count } }
        return n
    }

    /// Writes the messages from shard `source` to shard `destination`, for another process.
    func write(source: Int, destination: Int, into w: inout StateWriter) {
        let b = buckets[source * layout.shardCount + destination]
        w.write(UnsafeBufferPointer(start: b.base, count: b.count))
    }

    /// Replaces the messages from `source` to `destination` with what another process's `write` wrote.
    func read(source: Int, destination: Int, from r: inout StateReader) throws(StateReader.Failure) {
        let bucket = buckets + (source * layout.shardCount + destination)
        try r.readValues(of: Envelope<Message>.self) { raw, count in
            bucket.pointee.count = 0
            bucket.pointee.reserve(count)
            if count > 0 { UnsafeMutableRawPointer(bucket.pointee.base).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            bucket.pointee.count = count
        }
    }

    /// Messages sent this tick, over all shards.
    var totalCount: Int {
        (0..<(layout.shardCount * layout.shardCount)).reduce(0) { $0 + buckets[$1].count }
    }
}

/// Where one shard sends messages during the decide phase.
public struct Outbox<Message: BitwiseCopyable> {
    @usableFromInline let row: UnsafeMutablePointer<MessageBuffer<Envelope<Message>>>
    @usableFromInline let layout: ShardLayout

    init(row: UnsafeMutablePointer<MessageBuffer<Envelope<Message>>>, layout: ShardLayout) {
        self.row = row
        self.layout = layout
    }

    /// Sends `message` to `agent`; it is delivered in this tick's propagate phase.
    @inlinable @inline(__always)
    public func send(to agent: Int, _ message: Message) {
        assert(agent >= 0 && agent < layout.agentCount, "message to unknown agent \(agent)")
        row[layout.shard(of: agent)].append(Envelope(to: UInt32(truncatingIfNeeded: agent), message: message))
    }

    /// Sends `message` to `agent` only when `condition` holds, without branching on it. Use in hot
    /// loops whose condition is close to a coin flip; `agent` must be valid either way.
    @inlinable @inline(__always)
    public func send(to agent: Int, _ message: Message, if condition: Bool) {
        assert(agent >= 0 && agent < layout.agentCount, "message to unknown agent \(agent)")
        row[layout.shard(of: agent)].append(Envelope(to: UInt32(truncatingIfNeeded: agent), message: message),
                                            keep: condition)
    }
}

extension Outbox {
    /// Sends `message` to every agent in `targets`, in order: the same result as sending them one by
    /// one, faster. With few shards it makes one pass per destination that writes every target and
    /// keeps only its own, so no pass waits on a counter in memory.
    @inlinable
    public func send(all targets: UnsafeBufferPointer<UInt32>, _ message: Message) {
        let shards = layout.shardCount
        guard shards <= 4 else {
            for t in targets { send(to: Int(t), message) }
            return
        }
        let n = targets.count
        for d in 0..<shards {
            row[d].reserve(n)
            let out = row[d].base + row[d].count
            var k = 0
            for t in targets {
                out[k] = Envelope(to: t, message: message)
                // 1 when t belongs to shard d, else 0, from sign bits: a branch here mispredicts.
                let diff = layout.shard(of: Int(t)) &- d
                k &+= Int(bitPattern: ((UInt(bitPattern: diff) | UInt(bitPattern: 0 &- diff)) >> 63) ^ 1)
            }
            row[d].count &+= k
        }
    }
}

/// The messages addressed to one shard's agents, in the canonical order (source shard, then send
/// order). Iterate `segments` for speed.
public struct Inbox<Message: BitwiseCopyable> {
    @usableFromInline let buckets: UnsafeMutablePointer<MessageBuffer<Envelope<Message>>>
    @usableFromInline let destination: Int
    @usableFromInline let shardCount: Int

    init(buckets: UnsafeMutablePointer<MessageBuffer<Envelope<Message>>>, destination: Int, shardCount: Int) {
        self.buckets = buckets
        self.destination = destination
        self.shardCount = shardCount
    }

    /// The contiguous runs of messages, one per source shard, in source order.
    @inlinable public var segments: [UnsafeBufferPointer<Envelope<Message>>] {
        (0..<shardCount).map { s in
            let b = buckets[s * shardCount + destination]
            return UnsafeBufferPointer(start: b.base, count: b.count)
        }
    }

    /// Calls `body` for every message in canonical order.
    @inlinable public func forEach(_ body: (Envelope<Message>) throws -> Void) rethrows {
        for s in 0..<shardCount {
            let b = buckets[s * shardCount + destination]
            for i in 0..<b.count { try body(b.base[i]) }
        }
    }

    public var count: Int { (0..<shardCount).reduce(0) { $0 + buckets[$1 * shardCount + destination].count } }
}
