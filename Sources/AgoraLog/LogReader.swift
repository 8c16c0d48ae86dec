import AgoraCompression
import Foundation

/// One chunk as read: a kind's records as columns.
public struct LogChunk: Sendable {
    public let kind: UInt16
    public let firstTick: Int64
    public let lastTick: Int64
    public let count: Int
    /// columns[c][i]: column c of record i, in the kind's schema order.
    public let columns: [[Int64]]
    /// Where the frame starts in the file, and its index among frames.
    public let offset: Int
    public let frame: Int
}

/// A damaged or truncated part of a log: which frame, which bytes, and why. The reader skips it and
/// goes on with the next frame it can find.
public struct LogProblem: Sendable, Hashable, CustomStringConvertible {
    public let frame: Int
    public let offset: Int
    public let length: Int
    public let reason: String

    public var description: String { "frame \(frame) at byte \(offset) (\(length) bytes): \(reason)" }
}

/// Reads an event log chunk by chunk, never the whole log into memory at once (the file is mapped).
public final class LogReader {
    public let path: String
    public let schema: LogSchema
    private let data: Data
    private let firstFrame: Int
    /// The string table as far as `forEachChunk` has read: `text` column values are indexes.
    public private(set) var strings: [String] = []

    /// The string a `text` column value refers to.
    public func string(_ id: Int64) -> String? { id >= 0 && id < Int64(strings.count) ? strings[Int(id)] : nil }

    public init(path: String) throws(LogError) {
        self.path = path
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw LogError.io(path: path, message: "cannot read the log (\(error.localizedDescription))")
        }
        let header = data.prefix(LogFormat.fileHeaderSize)
        guard header.count == LogFormat.fileHeaderSize, Array(header.prefix(8)) == LogFormat.magic else {
            throw LogError.notALog(path: path, message: "no AGORALOG header")
        }
        let version = UInt16(header[header.startIndex + 8]) | UInt16(header[header.startIndex + 9]) << 8
        guard LogFormat.readableVersions.contains(version) else {
            throw LogError.notALog(path: path, message: "format version \(version); this reader knows \(LogFormat.readableVersions.lowerBound) to \(LogFormat.readableVersions.upperBound)")
        }
        let parsed: (LogSchema, Int)? = data.withUnsafeBytes { b in
            guard let h = FrameHeader.parse(b, at: LogFormat.fileHeaderSize), h.type == LogFormat.FrameType.schema.rawValue else { return nil }
            let start = LogFormat.fileHeaderSize + LogFormat.frameHeaderSize
            guard start + h.storedLength <= b.count else { return nil }
            let payload = UnsafeRawBufferPointer(rebasing: b[start..<(start + h.storedLength)])
            guard CRC32.checksum(payload) == h.payloadCRC,
                  let s = try? JSONDecoder().decode(LogSchema.self, from: Data(payload)) else { return nil }
            return (s, start + h.storedLength)
        }
        guard let parsed else { throw LogError.notALog(path: path, message: "its schema frame is missing or damaged") }
        schema = parsed.0
        firstFrame = parsed.1
    }

    /// Calls `body` with every readable chunk in file order, and returns the problems met.
    /// - Parameter kinds: only these kinds (nil: all); other chunks are skipped undecoded.
    @discardableResult
    public func forEachChunk(kinds: Set<UInt16>? = nil, _ body: (LogChunk) throws -> Void) rethrows -> [LogProblem] {
        let decompressor = ZstdDecompressor()
        var raw: [UInt8] = []
        // Reused across chunks: when the caller keeps no chunk, its columns are decoded in place;
        // when it does, copy-on-write leaves the kept one alone.
        var columns: [[Int64]] = []
        return try frames(kinds: kinds) { h, payload, at, frame, kind in
            try body(try decode(h, payload: payload, kind: kind, offset: at, frame: frame, decompressor: decompressor,
                                raw: &raw, columns: &columns))
        }
    }

    /// Calls `body` with every readable chunk, decoded on `threads` threads at once, and returns
    /// the problems met in file order. Each thread checks, decompresses and decodes the chunks it
    /// takes into buffers of its own, so the calls come in no particular order and several at a
    /// time: `body` must be safe to call from several threads, and must not keep a chunk's columns
    /// past its call cheaply (they are the thread's buffers; keeping them copies). The string table
    /// is read whole before any chunk is decoded.
    public func forEachChunkConcurrently(kinds: Set<UInt16>? = nil, threads: Int, _ body: @Sendable (LogChunk) -> Void) -> [LogProblem] {
        var refs: [ChunkRef] = []
        let scanned = frames(kinds: kinds, checkChunks: false) { h, _, at, frame, _ in
            refs.append(ChunkRef(kind: h.kind, firstTick: h.firstTick, lastTick: h.lastTick, records: h.records, offset: at, frame: frame))
        }
        let work = ConcurrentChunks(refs)
        nonisolated(unsafe) let reader = self
        data.withUnsafeBytes { (all: UnsafeRawBufferPointer) in
            nonisolated(unsafe) let b = all
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, refs.count))) { _ in
                let decompressor = ZstdDecompressor()
                var raw: [UInt8] = [], columns: [[Int64]] = []
                while let ref = work.next() {
                    let start = ref.offset + LogFormat.frameHeaderSize
                    guard let h = FrameHeader.parse(b, at: ref.offset), let kind = reader.schema.kind(h.kind) else { continue }
                    let payload = UnsafeRawBufferPointer(rebasing: b[start..<(start + h.storedLength)])
                    let problem: String?
                    if CRC32.checksum(payload) != h.payloadCRC {
                        problem = "payload checksum mismatch"
                    } else {
                        do {
                            body(try reader.decode(h, payload: payload, kind: kind, offset: ref.offset, frame: ref.frame,
                                                   decompressor: decompressor, raw: &raw, columns: &columns))
                            problem = nil
                        } catch let e as LogError { problem = e.description } catch let e as Zstd.Failure { problem = e.description } catch {
                            problem = "\(error)"
                        }
                    }
                    if let problem {
                        work.report(LogProblem(frame: ref.frame, offset: ref.offset, length: LogFormat.frameHeaderSize + h.storedLength,
                                               reason: problem))
                    }
                }
            }
        }
        return (scanned + work.problems).sorted { $0.frame < $1.frame }
    }

    /// Where one chunk is in the file, found without decoding it (see `index`).
    public struct ChunkRef: Sendable {
        public let kind: UInt16
        public let firstTick: Int64
        public let lastTick: Int64
        public let records: Int
        public let offset: Int
        public let frame: Int
    }

    /// Every readable chunk in file order, without decoding any; reads the whole string table.
    public func index() -> (chunks: [ChunkRef], problems: [LogProblem]) {
        var refs: [ChunkRef] = []
        let problems = frames(kinds: nil) { h, _, at, frame, _ in
            refs.append(ChunkRef(kind: h.kind, firstTick: h.firstTick, lastTick: h.lastTick, records: h.records, offset: at, frame: frame))
        }
        return (refs, problems)
    }

    /// Decodes one chunk `index` found.
    public func read(_ ref: ChunkRef, decompressor: ZstdDecompressor) throws -> LogChunk {
        var raw: [UInt8] = [], columns: [[Int64]] = []
        return try data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            guard let h = FrameHeader.parse(b, at: ref.offset), let kind = schema.kind(h.kind),
                  ref.offset + LogFormat.frameHeaderSize + h.storedLength <= b.count else {
                throw LogError.malformed("no chunk at byte \(ref.offset)")
            }
            let start = ref.offset + LogFormat.frameHeaderSize
            return try decode(h, payload: UnsafeRawBufferPointer(rebasing: b[start..<(start + h.storedLength)]), kind: kind,
                              offset: ref.offset, frame: ref.frame, decompressor: decompressor, raw: &raw, columns: &columns)
        }
    }

    /// Walks the frames in file order: reads string frames into the table, hands every chunk frame
    /// whose payload checks out (of `kinds`, nil: all) to `body`, and reports damage — a bad header
    /// is skipped to the next sync marker whose header checks out, a bad payload to the next frame.
    /// With `checkChunks` false a chunk's payload checksum is left to `body` (which may check it on
    /// another thread); strings frames are always checked before they are read.
    private func frames(kinds: Set<UInt16>?, checkChunks: Bool = true,
                        _ body: (FrameHeader, UnsafeRawBufferPointer, _ offset: Int, _ frame: Int, EventKindSchema) throws -> Void) rethrows
        -> [LogProblem] {
        var problems: [LogProblem] = []
        strings = []
        try data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            var at = firstFrame
            var frame = 1
            while at < b.count {
                guard let h = FrameHeader.parse(b, at: at) else {
                    // Damaged or truncated header: report, then look for the next frame that checks out.
                    let next = Self.resync(b, from: at + 1)
                    let reason = at + LogFormat.frameHeaderSize > b.count ? "truncated frame header" : "bad frame header (sync marker or header checksum)"
                    problems.append(LogProblem(frame: frame, offset: at, length: (next ?? b.count) - at, reason: reason))
                    frame += 1
                    guard let next else { break }
                    at = next
                    continue
                }
                let start = at + LogFormat.frameHeaderSize
                let end = start + h.storedLength
                defer { frame += 1 }
                guard end <= b.count else {
                    problems.append(LogProblem(frame: frame, offset: at, length: b.count - at,
                                               reason: "truncated: \(h.storedLength) payload bytes announced, \(b.count - start) present"))
                    break
                }
                let payload = UnsafeRawBufferPointer(rebasing: b[start..<end])
                let deferred = !checkChunks && h.type == LogFormat.FrameType.chunk.rawValue
                guard deferred || CRC32.checksum(payload) == h.payloadCRC else {
                    problems.append(LogProblem(frame: frame, offset: at, length: end - at, reason: "payload checksum mismatch"))
                    at = end
                    continue
                }
                defer { at = end }
                if h.type == LogFormat.FrameType.strings.rawValue {
                    if let problem = readStrings(payload) {
                        problems.append(LogProblem(frame: frame, offset: at, length: end - at, reason: problem))
                    }
                    continue
                }
                guard h.type == LogFormat.FrameType.chunk.rawValue else { continue }
                if let kinds, !kinds.contains(h.kind) { continue }
                guard let kind = schema.kind(h.kind) else {
                    problems.append(LogProblem(frame: frame, offset: at, length: end - at, reason: "event kind \(h.kind) is not in the schema"))
                    continue
                }
                // The header's counts decide what decoding allocates: they must be ones a writer
                // can make, whatever the header's checksum says.
                if let problem = LogFormat.implausible(records: h.records, rawLength: h.rawLength, columns: kind.columns.count) {
                    problems.append(LogProblem(frame: frame, offset: at, length: end - at, reason: problem))
                    continue
                }
                do {
                    try body(h, payload, at, frame, kind)
                } catch let e as LogError {
                    problems.append(LogProblem(frame: frame, offset: at, length: end - at, reason: e.description))
                } catch let e as Zstd.Failure {
                    problems.append(LogProblem(frame: frame, offset: at, length: end - at, reason: e.description))
                }
            }
        }
        return problems
    }

    private func decode(_ h: FrameHeader, payload: UnsafeRawBufferPointer, kind: EventKindSchema, offset: Int, frame: Int,
                        decompressor: ZstdDecompressor, raw: inout [UInt8], columns: inout [[Int64]]) throws -> LogChunk {
        if columns.count != kind.columns.count { columns = Array(repeating: [], count: kind.columns.count) }
        for c in columns.indices where columns[c].count != h.records {
            columns[c] = [Int64](repeating: 0, count: h.records)
        }
        if h.codec == LogFormat.Codec.none.rawValue {
            // Stored as it is: decoded straight from the mapped file, no copy.
            guard payload.count == h.rawLength else {
                throw LogError.malformed("a chunk stored as it is holds \(payload.count) bytes, its header says \(h.rawLength)")
            }
            try Self.decodeColumns(payload, records: h.records, kind: kind, into: &columns)
        } else if h.codec == LogFormat.Codec.zstd.rawValue {
            // `raw` is reused from chunk to chunk: fresh pages for every chunk cost more than decoding.
            if raw.count < h.rawLength { raw = [UInt8](repeating: 0, count: h.rawLength) }
            try raw.withUnsafeMutableBytes { try decompressor.decompress(payload, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<h.rawLength])) }
            try raw.withUnsafeBytes { all in
                try Self.decodeColumns(UnsafeRawBufferPointer(rebasing: all[0..<h.rawLength]), records: h.records, kind: kind, into: &columns)
            }
        } else {
            throw LogError.malformed("unknown codec \(h.codec)")
        }
        return LogChunk(kind: h.kind, firstTick: h.firstTick, lastTick: h.lastTick, count: h.records, columns: columns,
                        offset: offset, frame: frame)
    }

    /// Decodes a chunk's payload `r` (after decompression) into `columns`, sized for `records`.
    private static func decodeColumns(_ r: UnsafeRawBufferPointer, records: Int, kind: EventKindSchema,
                                      into columns: inout [[Int64]]) throws(LogError) {
        guard r.count >= 2, Int(readU16(r, 0)) == kind.columns.count else {
            throw LogError.malformed("kind \(kind.name) has \(kind.columns.count) columns")
        }
        var at = 2
        for c in columns.indices {
            try columns[c].withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<Int64>) throws(LogError) in
                if let base = p.baseAddress {
                    try ColumnCodec.decode(r, offset: &at, count: records, into: base)
                } else {
                    var none: Int64 = 0
                    try ColumnCodec.decode(r, offset: &at, count: 0, into: &none)
                }
            }
        }
        guard at == r.count else { throw LogError.malformed("\(r.count - at) stray bytes after the columns") }
    }

    /// Adds a strings frame's entries to the table; returns a problem if it does not fit.
    private func readStrings(_ p: UnsafeRawBufferPointer) -> String? {
        guard p.count >= 12 else { return "strings frame too short" }
        let first = readI64(p, 0), count = Int(readU32(p, 8))
        guard first == Int64(strings.count) else { return "strings frame starts at id \(first), the table has \(strings.count)" }
        var at = 12
        for _ in 0..<count {
            guard at + 4 <= p.count else { return "strings frame ends early" }
            let n = Int(readU32(p, at))
            guard at + 4 + n <= p.count else { return "strings frame ends early" }
            strings.append(String(decoding: UnsafeRawBufferPointer(rebasing: p[(at + 4)..<(at + 4 + n)]), as: UTF8.self))
            at += 4 + n
        }
        return nil
    }

    /// The offset of the next frame header at or after `from` that checks out, if any.
    static func resync(_ b: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        while i + LogFormat.frameHeaderSize <= b.count {
            if b[i] == LogFormat.sync[0], FrameHeader.parse(b, at: i) != nil { return i }
            i += 1
        }
        return nil
    }
}

/// The chunks left to decode and the problems found, shared by the threads of
/// `forEachChunkConcurrently` (a chunk is taken by exactly one thread).
private final class ConcurrentChunks: @unchecked Sendable {
    private let lock = NSLock()
    private let refs: [LogReader.ChunkRef]
    private var position = 0
    private var found: [LogProblem] = []

    init(_ refs: [LogReader.ChunkRef]) { self.refs = refs }

    func next() -> LogReader.ChunkRef? {
        lock.withLock {
            guard position < refs.count else { return nil }
            position += 1
            return refs[position - 1]
        }
    }

    func report(_ p: LogProblem) { lock.withLock { found.append(p) } }
    var problems: [LogProblem] { lock.withLock { found } }
}
