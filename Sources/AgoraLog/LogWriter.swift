import AgoraCompression
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an event log: records are gathered per event kind into columns; every `chunkRecords`
/// records (or at `flush`) a kind's columns become one chunk, which a background thread encodes
/// (zstd-compressed, or bit-packed when that is nearly as small), checksums and appends. The
/// simulation's thread only copies integers.
///
/// Memory is bounded: at most `maxQueuedChunks` sealed chunks wait for the background threads; a
/// producer that gets ahead blocks until one is written (backpressure). Two encoder threads work
/// on consecutive chunks and write their frames in the order the chunks were sealed. Each frame is
/// written whole with one `write`, so a crash leaves every earlier frame readable. Column buffers
/// are recycled, so a long run allocates nothing per chunk.
public final class LogWriter: @unchecked Sendable {
    public let path: String
    public let schema: LogSchema
    public let chunkRecords: Int
    /// Records per chunk unless a writer is told otherwise (docs/log-format.md, "Chunks": at most `LogFormat.maxChunkRecords`).
    public static let defaultChunkRecords = 65_536

    /// A kind's open chunk: column-major values, `capacity` per column.
    final class Builder {
        let kind: EventKindSchema
        let capacity: Int
        var values: UnsafeMutablePointer<Int64>
        var count = 0

        init(kind: EventKindSchema, capacity: Int) {
            self.kind = kind
            self.capacity = capacity
            values = .allocate(capacity: capacity * kind.columns.count)
        }

        deinit { values.deallocate() }

        /// Hands the filled buffer over and continues in `fresh`.
        func take(sequence: Int, fresh: UnsafeMutablePointer<Int64>) -> SealedChunk {
            let chunk = SealedChunk(kind: kind.id, columns: kind.columns.count, capacity: capacity, count: count, values: values,
                                    sequence: sequence)
            values = fresh
            count = 0
            return chunk
        }
    }

    struct SealedChunk: @unchecked Sendable {
        let kind: UInt16
        let columns: Int
        let capacity: Int
        let count: Int
        let values: UnsafeMutablePointer<Int64>
        /// Frames are written in this order.
        let sequence: Int
        /// Set instead of values for a strings frame: the new strings and the id of the first.
        var strings: [String]? = nil
        var firstStringID: Int64 = 0
    }

    @exclusivity(unchecked) private var builders: [Builder?]
    private let fd: Int32
    private let queue: ChunkQueue
    private let encoders = 2
    private let done = DispatchSemaphore(value: 0)
    /// Column buffers handed back by the encoders, by size in values.
    private let pool = BufferPool()
    private var nextSequence = 0
    /// The sequence number whose frame is written next.
    private let turn = NSCondition()
    private var nextToWrite = 0
    private let errorLock = NSLock()
    private var firstError: LogError?
    private var closed = false
    /// Bytes written so far (header and frames), updated by the background thread.
    public private(set) var bytesWritten = 0

    /// Creates (or truncates) `path` and writes the file header and the schema frame — or, with
    /// `continuingAt`, reopens an existing log, cuts it to that many bytes (a frame boundary
    /// recorded by `sync`) and appends after it.
    public init(path: String, schema: LogSchema, chunkRecords: Int = LogWriter.defaultChunkRecords, compressionLevel: Int32 = 1,
                maxQueuedChunks: Int = 8, continuingAt length: Int? = nil) throws(LogError) {
        precondition(chunkRecords >= 1 && chunkRecords <= LogFormat.maxChunkRecords && maxQueuedChunks >= 1,
                     "chunks hold 1 to LogFormat.maxChunkRecords records and the queue holds chunks")
        self.path = path
        self.schema = schema
        self.chunkRecords = chunkRecords
        let maxID = Int(schema.kinds.map(\.id).max() ?? 0)
        var b = [Builder?](repeating: nil, count: maxID + 1)
        for k in schema.kinds { b[Int(k.id)] = Builder(kind: k, capacity: chunkRecords) }
        builders = b
        queue = ChunkQueue(capacity: maxQueuedChunks)
        if let length {
            fd = open(path, O_WRONLY)
            if fd < 0 { throw LogError.io(path: path, message: "cannot reopen the log (\(String(cString: strerror(errno))))") }
            if ftruncate(fd, off_t(length)) != 0 || lseek(fd, off_t(length), SEEK_SET) < 0 {
                throw LogError.io(path: path, message: "cannot cut the log back to \(length) bytes (\(String(cString: strerror(errno))))")
            }
            // A log begun by an older writer says this one's version from now on: what is
            // appended may use what that version added.
            var version: [UInt8] = []
            appendU16(&version, LogFormat.version)
            if pwrite(fd, version, 2, 8) != 2 {
                throw LogError.io(path: path, message: "cannot update the log's format version (\(String(cString: strerror(errno))))")
            }
            bytesWritten = length
        } else {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd < 0 { throw LogError.io(path: path, message: "cannot create the log (\(String(cString: strerror(errno))))") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys  // the same schema, the same bytes
            let json = (try? encoder.encode(schema)) ?? Data()
            var first = LogFormat.fileHeader()
            json.withUnsafeBytes { p in
                first += LogFormat.frameHeader(type: .schema, codec: .none, kind: 0, payload: p, rawLength: p.count, records: 0,
                                               firstTick: 0, lastTick: 0)
                first += p
            }
            if let e = writeAll(first) { throw e }
        }
        for index in 0..<encoders {
            let thread = Thread { [queue, done] in
                let compressor = ZstdCompressor(level: compressionLevel)
                var raw: [UInt8] = [], stored: [UInt8] = [], stats: [ColumnStats] = []
                while let chunk = queue.pop() { self.write(chunk, compressor: compressor, raw: &raw, stored: &stored, stats: &stats) }
                done.signal()
            }
            thread.name = "agora-log-writer-\(index)"
            thread.start()
        }
    }

    /// The string table: ids of the strings interned so far, and those not yet written.
    @exclusivity(unchecked) private var stringIDs: [String: Int64] = [:]
    @exclusivity(unchecked) private var newStrings: [String] = []

    /// The id of `text` in the log's string table, for `text` columns. Each distinct string is
    /// stored once, in a strings frame written before the first chunk that can refer to it.
    public func intern(_ text: String) -> Int64 {
        if let id = stringIDs[text] { return id }
        let id = Int64(stringIDs.count)
        stringIDs[text] = id
        newStrings.append(text)
        return id
    }

    /// Seals `b`'s chunk and queues it, after any strings it may refer to.
    private func seal(_ b: Builder) {
        if !newStrings.isEmpty {
            let first = Int64(stringIDs.count - newStrings.count)
            queue.push(SealedChunk(kind: 0, columns: 0, capacity: 0, count: 0, values: pool.take(count: 1), sequence: nextSequence,
                                   strings: newStrings, firstStringID: first))
            nextSequence += 1
            newStrings.removeAll()
        }
        let fresh = pool.take(count: b.capacity * b.kind.columns.count)
        queue.push(b.take(sequence: nextSequence, fresh: fresh))
        nextSequence += 1
    }

    deinit {
        if !closed { try? close() }
    }

    // MARK: appending

    /// Appends one record of `kind`: `row` holds its columns in schema order, the tick first.
    @inline(__always)
    public func append(kind: UInt16, _ row: UnsafeBufferPointer<Int64>) {
        guard let b = builders[Int(kind)] else { preconditionFailure("event kind \(kind) is not in the log's schema") }
        precondition(row.count == b.kind.columns.count, "kind \(b.kind.name) has \(b.kind.columns.count) columns, not \(row.count)")
        let cap = b.capacity, n = b.count
        for c in 0..<row.count { b.values[c * cap + n] = row[c] }
        b.count = n + 1
        if b.count == cap { seal(b) }
    }

    /// Appends records of `kind` given row-major without their tick: `rows` holds `width` values per
    /// record (the kind's columns after `tick`), and every record gets `tick`.
    public func append(kind: UInt16, tick: Int64, rows: UnsafeBufferPointer<Int64>, width: Int) {
        guard let b = builders[Int(kind)] else { preconditionFailure("event kind \(kind) is not in the log's schema") }
        precondition(width == b.kind.columns.count - 1 && rows.count % max(1, width) == 0,
                     "kind \(b.kind.name) has \(b.kind.columns.count - 1) columns after its tick")
        var i = 0
        while i < rows.count {
            let cap = b.capacity
            let room = min(cap - b.count, (rows.count - i) / width)
            let base = b.values
            var n = b.count
            for _ in 0..<room {
                base[n] = tick
                for c in 0..<width { base[(c + 1) * cap + n] = rows[i + c] }
                n += 1
                i += width
            }
            b.count = n
            if b.count == cap { seal(b) }
        }
    }

    /// Appends `count` records of `kind` given as columns (each with at least `count` values).
    public func append(kind: UInt16, columns: [UnsafeBufferPointer<Int64>], count: Int) {
        guard let b = builders[Int(kind)] else { preconditionFailure("event kind \(kind) is not in the log's schema") }
        precondition(columns.count == b.kind.columns.count, "kind \(b.kind.name) has \(b.kind.columns.count) columns")
        var done = 0
        while done < count {
            let take = min(count - done, b.capacity - b.count)
            for (c, column) in columns.enumerated() {
                (b.values + c * b.capacity + b.count).update(from: column.baseAddress! + done, count: take)
            }
            b.count += take
            done += take
            if b.count == b.capacity { seal(b) }
        }
    }

    /// Seals every partly filled chunk, in kind order.
    public func flush() {
        for case let b? in builders where b.count > 0 { seal(b) }
    }

    /// Seals every open chunk and waits until every frame so far is written: afterwards the file
    /// ends at a frame boundary and holds every record appended before the call.
    public func sync() throws(LogError) {
        flush()
        turn.lock()
        while nextToWrite < nextSequence && firstErrorValue == nil { turn.wait() }
        turn.unlock()
        if fsync(fd) != 0 { record(.io(path: path, message: "fsync failed (\(String(cString: strerror(errno))))")) }
        if let e = firstErrorValue { throw e }
    }

    /// Flushes, waits until everything is on disk, and closes the file. Throws the first write
    /// error, if any happened.
    public func close() throws(LogError) {
        guard !closed else { return }
        closed = true
        flush()
        queue.finish()
        for _ in 0..<encoders { done.wait() }
        for case let b? in builders { b.values.deallocate(); b.values = .allocate(capacity: 1) }
        pool.drain()
        if fsync(fd) != 0, firstErrorValue == nil { record(.io(path: path, message: "fsync failed (\(String(cString: strerror(errno))))")) }
        Glibc.close(fd)
        if let e = firstErrorValue { throw e }
    }

    // MARK: the background thread

    private var firstErrorValue: LogError? { errorLock.withLock { firstError } }

    private func record(_ e: LogError) { errorLock.withLock { if firstError == nil { firstError = e } } }

    private func write(_ chunk: SealedChunk, compressor: ZstdCompressor, raw: inout [UInt8], stored: inout [UInt8],
                       stats: inout [ColumnStats]) {
        defer { pool.give(chunk.values, count: chunk.strings == nil ? chunk.capacity * chunk.columns : 1) }
        // Whatever happens, this chunk's turn passes, so later frames are not held up forever.
        defer { passTurn(after: chunk.sequence) }
        if let strings = chunk.strings {
            var payload: [UInt8] = []
            appendI64(&payload, chunk.firstStringID)
            appendU32(&payload, UInt32(strings.count))
            for s in strings {
                let utf8 = Array(s.utf8)
                appendU32(&payload, UInt32(utf8.count))
                payload += utf8
            }
            var frame = payload.withUnsafeBytes {
                LogFormat.frameHeader(type: .strings, codec: .none, kind: 0, payload: $0, rawLength: $0.count, records: strings.count,
                                      firstTick: 0, lastTick: 0)
            }
            frame += payload
            waitTurn(chunk.sequence)
            if firstErrorValue == nil, let e = writeAll(frame) { record(e) }
            return
        }
        raw.removeAll(keepingCapacity: true)
        appendU16(&raw, UInt16(chunk.columns))
        stats.removeAll(keepingCapacity: true)
        for c in 0..<chunk.columns {
            stats.append(ColumnStats(UnsafeBufferPointer(start: chunk.values + c * chunk.capacity, count: chunk.count)))
        }
        // Column 0 is the tick.
        let firstTick = stats.first?.min ?? Int64.max, lastTick = stats.first?.max ?? Int64.min
        for c in 0..<chunk.columns {
            ColumnCodec.encode(UnsafeBufferPointer(start: chunk.values + c * chunk.capacity, count: chunk.count), stats: stats[c], into: &raw)
        }
        do {
            try raw.withUnsafeBytes { try compressor.compress($0, into: &stored) }
        } catch {
            record(.io(path: path, message: "\(error)"))
            waitTurn(chunk.sequence)
            return
        }
        // Bit-packed columns stored as they are read without entropy decoding, several times
        // faster: they are chosen when at most an eighth larger than zstd's (docs/log-format.md).
        var codec = LogFormat.Codec.zstd
        let packedSize = 2 + stats.reduce(0) { $0 + ColumnCodec.packedSize($1) }
        if packedSize * 8 <= stored.count * 9 {
            codec = .none
            stored.removeAll(keepingCapacity: true)
            appendU16(&stored, UInt16(chunk.columns))
            for c in 0..<chunk.columns {
                ColumnCodec.encodePacked(UnsafeBufferPointer(start: chunk.values + c * chunk.capacity, count: chunk.count),
                                         stats: stats[c], into: &stored)
            }
            assert(stored.count == packedSize, "packedSize measures what encodePacked writes")
        }
        let rawLength = codec == .none ? stored.count : raw.count
        var frame = stored.withUnsafeBytes {
            LogFormat.frameHeader(type: .chunk, codec: codec, kind: chunk.kind, payload: $0, rawLength: rawLength,
                                  records: chunk.count, firstTick: firstTick, lastTick: lastTick)
        }
        frame += stored
        waitTurn(chunk.sequence)
        if firstErrorValue == nil, let e = writeAll(frame) { record(e) }
    }

    private func waitTurn(_ sequence: Int) {
        turn.lock()
        while nextToWrite != sequence { turn.wait() }
        turn.unlock()
    }

    private func passTurn(after sequence: Int) {
        turn.lock()
        if nextToWrite == sequence { nextToWrite += 1 }
        turn.broadcast()
        turn.unlock()
    }

    private func writeAll(_ bytes: [UInt8]) -> LogError? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return .io(path: path, message: "write failed (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
        bytesWritten += bytes.count
        return nil
    }
}

/// A bounded blocking queue of sealed chunks between the simulation and the writer thread.
final class ChunkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [LogWriter.SealedChunk] = []
    private let capacity: Int
    private var finished = false

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while the queue is full.
    func push(_ chunk: LogWriter.SealedChunk) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(chunk)
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, or nil once finished and drained.
    func pop() -> LogWriter.SealedChunk? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if items.isEmpty { return nil }
        let c = items.removeFirst()
        condition.broadcast()
        return c
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Column buffers of one size, handed from the encoder threads back to the producer.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Int: [UnsafeMutablePointer<Int64>]] = [:]

    func take(count: Int) -> UnsafeMutablePointer<Int64> {
        lock.withLock { free[count]?.popLast() } ?? .allocate(capacity: count)
    }

    func give(_ p: UnsafeMutablePointer<Int64>, count: Int) {
        lock.withLock { free[count, default: []].append(p) }
    }

    func drain() {
        lock.withLock {
            for list in free.values { for p in list { p.deallocate() } }
            free = [:]
        }
    }
}
