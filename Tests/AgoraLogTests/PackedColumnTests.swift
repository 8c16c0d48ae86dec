import AgoraCore
@testable import AgoraLog
import Foundation
import Testing

/// Bit-packed columns (encodings 3 and 4) and the writer's choice between them and zstd.
@Suite struct PackedColumnTests {
    /// `values` packed, as `encodePacked` writes them.
    static func packed(_ values: [Int64]) -> [UInt8] {
        var bytes: [UInt8] = []
        values.withUnsafeBufferPointer { ColumnCodec.encodePacked($0, stats: ColumnStats($0), into: &bytes) }
        return bytes
    }

    static func decoded(_ bytes: [UInt8], count: Int) throws -> (values: [Int64], offset: Int) {
        var out = [Int64](repeating: 0, count: count)
        var offset = 0
        try bytes.withUnsafeBytes { b in
            try out.withUnsafeMutableBufferPointer { p in
                try ColumnCodec.decode(b, offset: &offset, count: count, into: p.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
            }
        }
        return (out, offset)
    }

    /// `n` values spread over exactly `bits` bits above a negative base, so that every width's
    /// loads, its tail and a base below zero are exercised.
    static func spread(bits: Int, count n: Int) -> [Int64] {
        let mask = bits == 0 ? 0 : UInt64.max >> UInt64(64 - bits)
        var values = (0..<n).map { i in -1_000_003 + Int64(bitPattern: mix64(UInt64(i &* 7 &+ bits)) & mask) }
        values[0] = -1_000_003
        if n > 1 { values[n - 1] = -1_000_003 + Int64(bitPattern: mask) }
        return values
    }

    static let cases: [[Int64]] = ColumnCodecTests.cases + [
        (0..<1_000).map { 5 + 3 * Int64($0) },  // an arithmetic progression: delta of width 0
        [Int64.max, Int64.max - 1, Int64.max - 3],
        // Values 64 bits apart whose wrapping steps are small: packed delta.
        (0..<77).map { Int64($0 % 2 == 0 ? Int64.min + Int64($0) : Int64.max - Int64($0)) },
    ]

    @Test(arguments: cases)
    func everyColumnRoundTripsPacked(values: [Int64]) throws {
        let bytes = Self.packed(values)
        let got = try Self.decoded(bytes, count: values.count)
        #expect(got.values == values)
        #expect(got.offset == bytes.count)
        values.withUnsafeBufferPointer { #expect(ColumnCodec.packedSize(ColumnStats($0)) == bytes.count, "packedSize measures the bytes") }
    }

    @Test(arguments: 0...ColumnCodec.maxPackedBits)
    func eachBitWidthPacksAtThatWidth(bits: Int) throws {
        for n in [1, 2, 7, 8, 9, 64, 1_001] {
            let values = Self.spread(bits: bits, count: n)
            let bytes = Self.packed(values)
            let got = try Self.decoded(bytes, count: n)
            #expect(got.values == values, "\(bits) bits, \(n) values")
            guard n > 1, bits > 0, bytes[0] == ColumnEncoding.packed.rawValue else { continue }
            #expect(Int(bytes[1]) == bits)
            #expect(bytes.count == 6 + 8 + (n * bits + 7) / 8)
        }
        // A walk whose steps spread over `bits` bits: packed delta at that width.
        let steps = Self.spread(bits: bits, count: 1_001)
        var walk: [Int64] = [Int64.max - 12_345]
        for k in 1..<steps.count { walk.append(walk[k - 1] &+ steps[k]) }
        let bytes = Self.packed(walk)
        #expect(try Self.decoded(bytes, count: walk.count).values == walk, "a walk of \(bits)-bit steps")
        if bits > 0 && bits < 50 {
            #expect(bytes[0] == ColumnEncoding.packedDelta.rawValue && Int(bytes[1]) == bits, "\(bytes[0]) \(bytes[1])")
        }
    }

    @Test func aSlowWalkPacksItsSteps() {
        let walk = ColumnCodecTests.walk(count: 1_000)
        let bytes = Self.packed(walk)
        #expect(bytes[0] == ColumnEncoding.packedDelta.rawValue && bytes[1] == 2, "steps −1…1 take two bits")
        #expect(bytes.count == 6 + 16 + (999 * 2 + 7) / 8)
        #expect(Self.packed(Self.cases.last!)[0] == ColumnEncoding.packedDelta.rawValue, "steps wrap")
        let random = (0..<500).map { Int64(bitPattern: mix64(UInt64($0))) }
        #expect(Self.packed(random)[0] == ColumnEncoding.plain.rawValue, "a column needing 64 bits keeps byte planes")
    }

    @Test func aPackedColumnOfTheWrongLengthIsRefused() throws {
        var bytes = Self.packed(Self.spread(bits: 20, count: 100))
        #expect(bytes[0] == ColumnEncoding.packed.rawValue)
        #expect { _ = try Self.decoded(bytes, count: 101) } throws: { "\($0)".contains("packed column of 101 values") }
        bytes[1] = 57
        #expect { _ = try Self.decoded(bytes, count: 100) } throws: { "\($0)".contains("× 57 bits") }
    }

    /// The stored codec of each chunk frame of the log at `path`.
    static func chunkCodecs(_ path: String) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let refs = try LogReader(path: path).index().chunks
        return data.withUnsafeBytes { b in refs.compactMap { FrameHeader.parse(b, at: $0.offset)?.codec } }
    }

    @Test func theWriterStoresPackedChunksWhenZstdGainsLittle() throws {
        let kind = EventKindSchema(id: 1, name: "e", columns: ["tick", "agent", "qty"])
        let schema = LogSchema(kinds: [kind])
        let n = 5_000
        let ticks = (0..<n).map { Int64($0 / 50) }
        // Random agents and sizes: zstd finds nothing to gain over their packed bits.
        let agents = (0..<n).map { Int64(mix64(UInt64($0)) % 1_000_000) }
        let sizes = (0..<n).map { 1 + Int64(mix64(UInt64($0) ^ 0xABCD) % 100) }
        // Wide values repeating with period 3: packed they take 32 bits each, zstd next to nothing.
        let repeating = (0..<n).map { Int64(1) << 39 + Int64($0 % 3) * 1_234_567_891 }
        for (columns, codec) in [([ticks, agents, sizes], LogFormat.Codec.none), ([ticks, repeating, repeating], .zstd)] {
            let path = temporaryLogPath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let w = try LogWriter(path: path, schema: schema, chunkRecords: 1_024)
            columns[0].withUnsafeBufferPointer { t in columns[1].withUnsafeBufferPointer { a in columns[2].withUnsafeBufferPointer { q in
                w.append(kind: 1, columns: [t, a, q], count: n)
            } } }
            try w.close()
            #expect(try Self.chunkCodecs(path) == Array(repeating: codec.rawValue, count: 5))
            #expect(try readAll(path).columns[1] == columns)
            // The threads' reader decodes them the same way.
            let totals = LockedSums()
            let problems = try LogReader(path: path).forEachChunkConcurrently(threads: 2) { c in totals.add(c.columns.map { $0.reduce(0, &+) }) }
            #expect(problems.isEmpty)
            #expect(totals.value == columns.map { $0.reduce(0, &+) })
        }
    }

    static func setVersion(_ version: UInt16, of path: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: 8)
        handle.write(Data([UInt8(version & 0xFF), UInt8(version >> 8)]))
    }

    static func version(of path: String) throws -> UInt16 {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        return UInt16(d[8]) | UInt16(d[9]) << 8
    }

    @Test func versionOneLogsAreReadAndContinuedAsVersionTwo() throws {
        let path = temporaryLogPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = try writeSampleLog(path: path, n: 900, chunk: 100)
        #expect(try Self.version(of: path) == LogFormat.version && LogFormat.version == 2)
        try Self.setVersion(1, of: path)
        #expect(try readAll(path).columns[1] == expected[1], "a version-1 header is read")
        try Self.setVersion(3, of: path)
        #expect { try LogReader(path: path) } throws: { "\($0)".contains("format version 3; this reader knows 1 to 2") }
        try Self.setVersion(1, of: path)
        let length = try Data(contentsOf: URL(fileURLWithPath: path)).count
        let w = try LogWriter(path: path, schema: testSchema, chunkRecords: 100, continuingAt: length)
        let row: [Int64] = [1_000, 7, 10_000, 5]
        row.withUnsafeBufferPointer { w.append(kind: 1, $0) }
        try w.close()
        #expect(try Self.version(of: path) == 2, "continuing an older log says what it now holds")
        #expect(try readAll(path).columns[1]?[2].last == 10_000)
    }
}

/// Column sums gathered from the reader's threads.
final class LockedSums: @unchecked Sendable {
    private let lock = NSLock()
    private var sums: [Int64] = []

    func add(_ s: [Int64]) {
        lock.withLock {
            if sums.isEmpty { sums = Array(repeating: 0, count: s.count) }
            for k in s.indices { sums[k] = sums[k] &+ s[k] }
        }
    }

    var value: [Int64] { lock.withLock { sums } }
}
