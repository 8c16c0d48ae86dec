import AgoraCore
import AgoraLog
import Foundation

extension Workloads {
    /// The eventlog workload: `records` event records generated from SplitMix64(7) exactly as the
    /// shared workloads define them (record i uses outputs 4i+1 … 4i+4), written through
    /// `LogWriter`, read back into columns with `LogReader`, sums checked.
    public static func eventLog(records n: Int, directory: String, repeat repetitions: Int,
                                threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                                chunkRecords: Int = LogWriter.defaultChunkRecords) throws -> BenchReport {
        var tick = [Int64](repeating: 0, count: n), agent = tick, kind = tick, price = tick, qty = tick
        var rng = SplitMix64(seed: 7)
        var p: Int64 = 1_000_000
        for i in 0..<n {
            let r0 = rng.next(), r1 = rng.next(), r2 = rng.next(), r3 = rng.next()
            tick[i] = Int64(i / 100)
            agent[i] = Int64(r0 % 1_000_000)
            let k = r1 % 100
            kind[i] = k < 60 ? 0 : k < 70 ? 1 : 2
            p += Int64(r2 % 3) - 1
            price[i] = p
            qty[i] = Int64(1 + r3 % 100)
        }
        let expected = [tick, agent, kind, price, qty].map { $0.reduce(0, &+) }
        let schema = LogSchema(kinds: [EventKindSchema(id: 1, name: "event", columns: ["tick", "agent", "kind", "price", "qty"])],
                               meta: ["bench": "eventlog"])
        let path = (directory as NSString).appendingPathComponent("agora-bench-eventlog-\(getpid()).agl")
        defer { try? FileManager.default.removeItem(atPath: path) }

        var writeWall = Double.infinity, readWall = Double.infinity
        for _ in 0..<max(1, repetitions) {
            let start = ProcessStats.now()
            let w = try LogWriter(path: path, schema: schema, chunkRecords: chunkRecords)
            tick.withUnsafeBufferPointer { t in agent.withUnsafeBufferPointer { a in kind.withUnsafeBufferPointer { k in
                price.withUnsafeBufferPointer { pr in qty.withUnsafeBufferPointer { q in
                    w.append(kind: 1, columns: [t, a, k, pr, q], count: n)
                } }
            } } }
            try w.close()
            writeWall = min(writeWall, ProcessStats.now() - start)

            // Chunks decode on every core at once, each thread summing what it decoded.
            let readStart = ProcessStats.now()
            let totals = ChunkTotals(columns: 5)
            let problems = try LogReader(path: path).forEachChunkConcurrently(threads: threads) { c in
                var sums = [Int64](repeating: 0, count: c.columns.count)
                for (k, column) in c.columns.enumerated() { sums[k] = column.reduce(0, &+) }
                totals.add(count: c.count, sums: sums)
            }
            readWall = min(readWall, ProcessStats.now() - readStart)
            let (count, sums) = totals.value
            guard problems.isEmpty, count == n, sums == expected else {
                throw Failure("eventlog: read back \(count) records, sums \(sums), problems \(problems); expected \(n), \(expected)")
            }
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var r = BenchReport(bench: "eventlog")
        r.set("records", n)
        r.set("repeat", max(1, repetitions))
        r.set("bytes_on_disk", bytes)
        r.set("bytes_per_record", Double(bytes) / Double(n))
        r.set("write_records_per_s", Double(n) / writeWall)
        r.set("read_records_per_s", Double(n) / readWall)
        r.set("wall_s", writeWall + readWall)
        r.set("write_s", writeWall)
        r.set("read_s", readWall)
        r.set("read_threads", threads)
        r.set("chunk_records", chunkRecords)
        r.set("peak_rss_mb", ProcessStats.peakRSSMegabytes())
        return r
    }
}

/// Record counts and column sums gathered from the threads that decode a log's chunks.
final class ChunkTotals: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var sums: [Int64]

    init(columns: Int) { sums = [Int64](repeating: 0, count: columns) }

    func add(count n: Int, sums s: [Int64]) {
        lock.withLock {
            count += n
            for k in sums.indices where k < s.count { sums[k] = sums[k] &+ s[k] }
        }
    }

    var value: (Int, [Int64]) { lock.withLock { (count, sums) } }
}
