import AgoraCore

/// One growable buffer of plain values per shard, for what shards produce in parallel and a serial
/// phase consumes (orders for the exchange, reports back to agents).
///
/// A shard appends only to its own queue during a parallel phase; serial phases read or fill any
/// queue. Buffers keep their memory from tick to tick and sit 128 bytes apart, so shards never
/// write the same cache line.
public final class ShardQueues<Element: BitwiseCopyable>: @unchecked Sendable {
    public let shardCount: Int
    @usableFromInline let buffers: UnsafeMutablePointer<MessageBuffer<Element>>

    public init(shards: Int) {
        precondition(shards >= 1, "at least one shard")
        shardCount = shards
        buffers = .allocate(capacity: shards)
        for i in 0..<shards { (buffers + i).initialize(to: MessageBuffer()) }
    }

    deinit {
        for i in 0..<shardCount { buffers[i].free() }
        buffers.deinitialize(count: shardCount)
        buffers.deallocate()
    }

    /// Appends to the queue of `shard`.
    @inlinable @inline(__always)
    public func append(_ element: Element, shard: Int) {
        buffers[shard].append(element)
    }

    /// The contents of the queue of `shard`, valid until it next changes.
    @inlinable public func contents(_ shard: Int) -> UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(start: buffers[shard].base, count: buffers[shard].count)
    }

    public func count(_ shard: Int) -> Int { buffers[shard].count }

    /// Empties the queue of `shard`, keeping its memory.
    public func clear(_ shard: Int) { buffers[shard].count = 0 }

    public func clearAll() { for s in 0..<shardCount { clear(s) } }

    /// Writes the queue of `shard`, for another process.
    public func write(_ shard: Int, into w: inout StateWriter) {
        w.write(contents(shard))
    }

    /// Replaces the queue of `shard` with what another process's `write` wrote.
    public func read(_ shard: Int, from r: inout StateReader) throws(StateReader.Failure) {
        let buffer = buffers + shard
        try r.readValues(of: Element.self) { raw, count in
            buffer.pointee.count = 0
            buffer.pointee.reserve(count)
            if count > 0 { UnsafeMutableRawPointer(buffer.pointee.base).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            buffer.pointee.count = count
        }
    }

    /// Elements over all queues.
    public var totalCount: Int { (0..<shardCount).reduce(0) { $0 + buffers[$1].count } }
}
