import AgoraCore
@testable import AgoraLog
import Foundation
import Testing

let tradeKind = EventKindSchema(id: 1, name: "trade", columns: ["tick", "agent", "price", "qty"])
let stateKind = EventKindSchema(id: 7, name: "state", columns: ["tick", "agent", "value"])
let testSchema = LogSchema(kinds: [tradeKind, stateKind], meta: ["run": "test"])

func temporaryLogPath() -> String { NSTemporaryDirectory() + "agora-log-\(UUID().uuidString).agl" }

/// Writes `n` trade records and `n / 3` state records with chunks of `chunk` records; returns the
/// expected columns per kind.
@discardableResult
func writeSampleLog(path: String, n: Int, chunk: Int, queue: Int = 8) throws -> [UInt16: [[Int64]]] {
    let w = try LogWriter(path: path, schema: testSchema, chunkRecords: chunk, maxQueuedChunks: queue)
    var rng = SplitMix64(seed: 5)
    var trades = [[Int64]](repeating: [], count: 4), states = [[Int64]](repeating: [], count: 3)
    var price: Int64 = 10_000
    for i in 0..<n {
        price += Int64(rng.next() % 3) - 1
        let row: [Int64] = [Int64(i / 10), Int64(rng.next() % 1_000), price, Int64(1 + rng.next() % 100)]
        row.withUnsafeBufferPointer { w.append(kind: 1, $0) }
        for c in 0..<4 { trades[c].append(row[c]) }
        if i % 3 == 0 {
            let s: [Int64] = [Int64(i / 10), Int64(i), -Int64(rng.next() % 50)]
            s.withUnsafeBufferPointer { w.append(kind: 7, $0) }
            for c in 0..<3 { states[c].append(s[c]) }
        }
    }
    try w.close()
    return [1: trades, 7: states]
}

func readAll(_ path: String) throws -> (columns: [UInt16: [[Int64]]], problems: [LogProblem], chunks: Int) {
    let r = try LogReader(path: path)
    var out: [UInt16: [[Int64]]] = [:]
    var chunks = 0
    let problems = r.forEachChunk { c in
        chunks += 1
        var cols = out[c.kind] ?? [[Int64]](repeating: [], count: c.columns.count)
        for (k, col) in c.columns.enumerated() { cols[k] += col }
        out[c.kind] = cols
        #expect(c.firstTick == c.columns[0].min() && c.lastTick == c.columns[0].max())
    }
    return (out, problems, chunks)
}

@Suite struct CRC32Tests {
    @Test func standardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        // zlib and a plain bit-by-bit loop agree on every length.
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        for n in 0..<bytes.count {
            var slow: UInt32 = 0xFFFF_FFFF
            for b in bytes.prefix(n) {
                slow ^= UInt32(b)
                for _ in 0..<8 { slow = slow & 1 != 0 ? 0xEDB8_8320 ^ (slow >> 1) : slow >> 1 }
            }
            #expect(CRC32.checksum(Array(bytes.prefix(n))) == ~slow)
        }
    }
}

@Suite struct ColumnCodecTests {
    static let cases: [[Int64]] = [
        [Int64](),
        [5],
        [7, 7, 7, 7],
        [1, 2, 3, 4, 5, 6],
        [0, -1, 1, -2, 2],
        [Int64.min, Int64.max, 0, -1],
        (0..<1_000).map { Int64($0 * $0) },
        (0..<500).map { Int64(bitPattern: mix64(UInt64($0))) },
        // A walk of −1/0/+1 steps from a large start: a one-byte delta column with negative steps.
        walk(count: 300),
    ] + (1...8).flatMap { width in [13, 64].map { n in ofWidth(width, count: n) } }

    /// `n` values from 1,000,000 on, each a step of −1, 0 or +1 from the one before.
    static func walk(count n: Int) -> [Int64] {
        var values: [Int64] = [1_000_000]
        for i in 1..<n { values.append(values[i - 1] + Int64(mix64(UInt64(i)) % 3) - 1) }
        return values
    }

    /// `n` values whose zigzag needs `width` bytes, at a length that may not be a multiple of the
    /// decoder's 8-value step: every plain loop, and its tail.
    static func ofWidth(_ width: Int, count n: Int) -> [Int64] {
        let shift = UInt64(64 - 8 * width + 2)
        var values: [Int64] = (0..<n).map { i -> Int64 in
            let r = Int64(bitPattern: mix64(UInt64(i * 31 + width)))
            return width == 8 ? r : r >> shift
        }
        values[0] = width == 8 ? Int64.min : Int64(1) << Int64(8 * width - 2)
        return values
    }

    @Test(arguments: cases)
    func roundTrips(values: [Int64]) throws {
        var bytes: [UInt8] = []
        values.withUnsafeBufferPointer { ColumnCodec.encode($0, into: &bytes) }
        var out = [Int64](repeating: 0, count: values.count)
        var offset = 0
        try bytes.withUnsafeBytes { b in
            try out.withUnsafeMutableBufferPointer { p in
                try ColumnCodec.decode(b, offset: &offset, count: values.count, into: p.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
            }
        }
        #expect(out == values)
        #expect(offset == bytes.count)
    }

    @Test(arguments: 1...8)
    func eachWidthIsEncodedAtThatWidth(width: Int) {
        var bytes: [UInt8] = []
        Self.ofWidth(width, count: 13).withUnsafeBufferPointer { ColumnCodec.encode($0, into: &bytes) }
        #expect(bytes[0] == ColumnEncoding.plain.rawValue && Int(bytes[1]) == width, "encoding \(bytes[0]), width \(bytes[1])")
    }

    @Test func picksCompactEncodings() {
        func encoded(_ v: [Int64]) -> [UInt8] {
            var bytes: [UInt8] = []
            v.withUnsafeBufferPointer { ColumnCodec.encode($0, into: &bytes) }
            return bytes
        }
        #expect(encoded(Array(repeating: 42, count: 1_000)).count == 6 + 8, "constant")
        #expect(encoded((0..<1_000).map { 1_000_000 + Int64($0) })[0] == ColumnEncoding.delta.rawValue, "a slow walk is delta")
        #expect(encoded((0..<1_000).map { Int64($0 % 200) }).count == 6 + 1_000 * 2, "plain, two bytes each")
    }
}

@Suite struct LogRoundTripTests {
    @Test(arguments: [(1_000, 100), (10_000, 4_096), (777, 1_000)])
    func everyRecordComesBack(n: Int, chunk: Int) throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = try writeSampleLog(path: path, n: n, chunk: chunk)
        let got = try readAll(path)
        #expect(got.problems.isEmpty)
        #expect(got.columns[1] == expected[1])
        #expect(got.columns[7] == expected[7])
        let r = try LogReader(path: path)
        #expect(r.schema == testSchema)
    }

    @Test func bulkColumnsAndATinyQueueLoseNothing() throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try LogWriter(path: path, schema: testSchema, chunkRecords: 50, maxQueuedChunks: 1)
        let ticks = (0..<1_234).map { Int64($0 / 7) }, agents = (0..<1_234).map { Int64($0) }
        let values = (0..<1_234).map { Int64($0 % 13) - 6 }
        ticks.withUnsafeBufferPointer { t in agents.withUnsafeBufferPointer { a in values.withUnsafeBufferPointer { v in
            w.append(kind: 7, columns: [t, a, v], count: 1_234)
        } } }
        try w.close()
        let got = try readAll(path)
        #expect(got.columns[7] == [ticks, agents, values])
        #expect(got.chunks == 25)
    }

    @Test func rowMajorRecordsWithATickRoundTrip() throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try LogWriter(path: path, schema: testSchema, chunkRecords: 7)
        // 20 records of `state` (agent, value) at tick 3, then 5 at tick 4: they straddle chunks.
        let first = (0..<40).map { Int64($0) }, second = (0..<10).map { -Int64($0) }
        first.withUnsafeBufferPointer { w.append(kind: 7, tick: 3, rows: $0, width: 2) }
        second.withUnsafeBufferPointer { w.append(kind: 7, tick: 4, rows: $0, width: 2) }
        try w.close()
        let got = try readAll(path).columns[7]!
        #expect(got[0] == Array(repeating: 3, count: 20) + Array(repeating: 4, count: 5))
        #expect(got[1] == stride(from: 0, to: 40, by: 2).map(Int64.init) + stride(from: 0, to: 10, by: 2).map { -Int64($0) })
        #expect(got[2] == stride(from: 1, to: 40, by: 2).map(Int64.init) + stride(from: 1, to: 10, by: 2).map { -Int64($0) })
    }

    @Test func notALogIsRefusedClearly() throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("hello, world, this is not a log".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try LogReader(path: path) } throws: { "\($0)".contains("not an Agora event log") }
        #expect(throws: LogError.self) { try LogReader(path: "/nonexistent/x.agl") }
    }
}

@Suite struct LogDamageTests {
    /// Frame offsets of a log, from its own reader.
    static func frameOffsets(_ path: String) throws -> [Int] {
        var offsets: [Int] = []
        try LogReader(path: path).forEachChunk { offsets.append($0.offset) }
        return offsets
    }

    @Test func truncatingTheLastFrameAnywhereLeavesEveryEarlierFrameReadable() throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSampleLog(path: path, n: 600, chunk: 100)
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        let offsets = try Self.frameOffsets(path)
        let last = offsets.max()!
        let intact = try readAll(path).chunks
        let cut = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: cut) }
        for length in last..<full.count {
            try full.prefix(length).write(to: URL(fileURLWithPath: cut))
            let got = try readAll(cut)
            #expect(got.chunks == intact - 1, "cut at \(length)")
            if length > last {
                #expect(got.problems.count == 1 && got.problems[0].offset == last, "cut at \(length): \(got.problems)")
            }
        }
    }

    @Test func aFlippedBitIsDetectedAndSkipped() throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSampleLog(path: path, n: 600, chunk: 100)
        let offsets = try Self.frameOffsets(path).sorted()
        let intact = try readAll(path).chunks
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        // A bit in the payload of the second frame, then a bit in the header of the fourth.
        data[offsets[1] + LogFormat.frameHeaderSize + 3] ^= 0x10
        data[offsets[3] + 9] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
        let got = try readAll(path)
        #expect(got.chunks == intact - 2)
        #expect(got.problems.map(\.offset) == [offsets[1], offsets[3]])
        #expect(got.problems[0].reason == "payload checksum mismatch")
        #expect(got.problems[1].reason.hasPrefix("bad frame header"))
        #expect(got.problems[1].length == offsets[4] - offsets[3], "the reader resyncs at the next frame")
    }

    /// A header whose checksum is recomputed after its counts were made absurd: the reader names
    /// it and skips it, allocating nothing by it.
    @Test(arguments: [(16, UInt32.max), (16, UInt32(LogFormat.maxChunkRecords + 1)), (12, UInt32.max), (12, UInt32(1 << 30))])
    func aChecksumValidHeaderWithAbsurdCountsIsSkipped(field: Int, value: UInt32) throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSampleLog(path: path, n: 600, chunk: 100)
        let offsets = try Self.frameOffsets(path).sorted()
        let intact = try readAll(path).chunks
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let at = offsets[2]
        withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[at + field + i] = b } }
        let crc = CRC32.checksum(Array(bytes[at..<(at + 40)]))
        withUnsafeBytes(of: crc.littleEndian) { for (i, b) in $0.enumerated() { bytes[at + 40 + i] = b } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let got = try readAll(path)
        #expect(got.chunks == intact - 1)
        #expect(got.problems.map(\.offset) == [at])
        #expect(got.problems.first?.reason.contains("announced") == true, "\(got.problems)")
    }
}

/// Chunks decoded on several threads at once: the same records as one thread reads, and the same
/// problems for a damaged log.
@Suite struct ConcurrentReadTests {
    final class Gathered: @unchecked Sendable {
        let lock = NSLock()
        var byFrame: [Int: (kind: UInt16, columns: [[Int64]])] = [:]
        func add(_ c: LogChunk) { lock.withLock { byFrame[c.frame] = (c.kind, c.columns) } }
    }

    static func concurrently(_ path: String, threads: Int) throws -> (columns: [UInt16: [[Int64]]], problems: [LogProblem]) {
        let gathered = Gathered()
        let problems = try LogReader(path: path).forEachChunkConcurrently(threads: threads) { gathered.add($0) }
        var out: [UInt16: [[Int64]]] = [:]
        for (_, chunk) in gathered.byFrame.sorted(by: { $0.key < $1.key }) {
            var cols = out[chunk.kind] ?? [[Int64]](repeating: [], count: chunk.columns.count)
            for (k, col) in chunk.columns.enumerated() { cols[k] += col }
            out[chunk.kind] = cols
        }
        return (out, problems)
    }

    @Test(arguments: [1, 2, 5])
    func everyChunkOnceWhateverTheThreads(threads: Int) throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = try writeSampleLog(path: path, n: 20_000, chunk: 700)
        let got = try Self.concurrently(path, threads: threads)
        #expect(got.problems.isEmpty)
        #expect(got.columns == expected)
    }

    @Test func aDamagedLogGivesTheSameProblemsAsOneThreadReading() throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSampleLog(path: path, n: 6_000, chunk: 100)
        let offsets = try LogDamageTests.frameOffsets(path).sorted()
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        for k in [2, 9, 30] { data[offsets[k] + LogFormat.frameHeaderSize + 5] ^= 0x40 }
        data[offsets[40] + 9] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
        let serial = try readAll(path)
        let parallel = try Self.concurrently(path, threads: 3)
        #expect(parallel.problems == serial.problems && parallel.problems.count == 4)
        #expect(parallel.columns == serial.columns)
    }
}

@Suite struct TypedColumnTests {
    @Test func textColumnsGoThroughTheStringTable() throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let kind = EventKindSchema(id: 3, name: "answer", columns: ["tick", "agent", "text", "score"], types: ["i64", "i64", "text", "f64"])
        let schema = LogSchema(kinds: [kind, tradeKind])
        let w = try LogWriter(path: path, schema: schema, chunkRecords: 4)
        let texts = ["buy 10 @ 99", "hold", "", "sell — ünïcode ✓", "hold"]
        for (i, t) in texts.enumerated() {
            let row: [Int64] = [Int64(i), 7, w.intern(t), Int64(bitPattern: (Double(i) / 3).bitPattern)]
            row.withUnsafeBufferPointer { w.append(kind: 3, $0) }
            // Another kind's chunks seal in between; strings must still precede their first use.
            let other: [Int64] = [Int64(i), 1, 2, 3]
            for _ in 0..<5 { other.withUnsafeBufferPointer { w.append(kind: 1, $0) } }
        }
        try w.close()
        let r = try LogReader(path: path)
        var got: [String] = [], scores: [Double] = []
        let problems = r.forEachChunk(kinds: [3]) { c in
            for i in 0..<c.count {
                got.append(r.string(c.columns[2][i]) ?? "<missing>")
                scores.append(Double(bitPattern: UInt64(bitPattern: c.columns[3][i])))
            }
        }
        #expect(problems.isEmpty)
        #expect(got == texts)
        #expect(scores == (0..<5).map { Double($0) / 3 })
        #expect(r.strings.count == 4, "each distinct string is stored once")
        #expect(r.schema.kind(3)?.type(ofColumn: 2) == "text")
    }
}

/// Per-process segments and a main log merge into the log one process would have written.
@Suite struct LogMergeTests {
    @Test func segmentsAndTheMainLogMergeTickByTickInProcessOrder() throws {
        let textKind = EventKindSchema(id: 9, name: "note", columns: ["tick", "agent", "text"], types: ["i64", "i64", "text"])
        let schema = LogSchema(kinds: [tradeKind, stateKind, textKind], meta: ["run": "merge", "segments": "3"])
        // Three processes' shard rows (agents 0–9, 10–19, 20–29) and serial rows (agent 100+) in
        // the main log; small chunks so that chunks end mid-tick and at different ticks per file.
        let whole = try LogWriter(path: temporaryLogPath(), schema: schema, chunkRecords: 5)
        let segments = try (0..<3).map { _ in try LogWriter(path: temporaryLogPath(), schema: schema, chunkRecords: 3 + Int.random(in: 0...4)) }
        let main = try LogWriter(path: temporaryLogPath(), schema: schema, chunkRecords: 4)
        var rng = SplitMix64(seed: 9)
        for tick in Int64(0)..<40 {
            for p in 0..<3 {
                // Some ticks a process keeps nothing.
                for a in 0..<Int(rng.next() % 4) {
                    let row: [Int64] = [tick, Int64(p * 10 + a), Int64(rng.next() % 1_000), 1]
                    row.withUnsafeBufferPointer { segments[p].append(kind: 1, $0); whole.append(kind: 1, $0) }
                }
                if rng.next() % 3 == 0 {
                    let text = "process \(p) at \(tick)"
                    let segmentRow: [Int64] = [tick, Int64(p * 10), segments[p].intern(text)]
                    let wholeRow: [Int64] = [tick, Int64(p * 10), whole.intern(text)]
                    segmentRow.withUnsafeBufferPointer { segments[p].append(kind: 9, $0) }
                    wholeRow.withUnsafeBufferPointer { whole.append(kind: 9, $0) }
                }
            }
            for a in 0..<Int(rng.next() % 3) {
                let row: [Int64] = [tick, Int64(100 + a), Int64(rng.next() % 1_000), 2]
                row.withUnsafeBufferPointer { main.append(kind: 1, $0); whole.append(kind: 1, $0) }
            }
            let state: [Int64] = [tick, 0, tick * 7]
            state.withUnsafeBufferPointer { main.append(kind: 7, $0); whole.append(kind: 7, $0) }
        }
        for w in segments + [main, whole] { try w.close() }
        let merged = temporaryLogPath()
        let result = try LogMerge.merge(main: main.path, segments: segments.map(\.path), into: merged, dropping: ["segments"])
        let expected = try readAll(whole.path), got = try readAll(merged)
        #expect(got.problems.isEmpty)
        #expect(got.columns[1] == expected.columns[1] && got.columns[7] == expected.columns[7])
        #expect(result.rows[1] == expected.columns[1]?[0].count && result.rows[7] == 40)
        // Text values name the same strings, through the merged log's own table.
        func texts(_ path: String) throws -> [String] {
            let r = try LogReader(path: path)
            var out: [String] = []
            r.forEachChunk(kinds: [9]) { c in out += c.columns[2].map { r.string($0) ?? "?" } }
            return out
        }
        #expect(try texts(merged) == texts(whole.path) && !(try texts(merged)).isEmpty)
        // The main log's meta is kept, less what was only true of the parts.
        #expect(try LogReader(path: merged).schema.meta == ["run": "merge"])
    }

    @Test func aSegmentWithOtherKindsIsRefused() throws {
        let main = try LogWriter(path: temporaryLogPath(), schema: testSchema)
        let other = try LogWriter(path: temporaryLogPath(), schema: LogSchema(kinds: [tradeKind]))
        try main.close(); try other.close()
        #expect(throws: LogError.self) { try LogMerge.merge(main: main.path, segments: [other.path], into: temporaryLogPath()) }
    }
}
