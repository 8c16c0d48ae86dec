import AgoraCore
import AgoraExchange
import Foundation

extension Workloads {
    /// The names of the order-book workloads and their stream files.
    public static let orderBookStreams = ["lob_cross": "orders_n1000000_seed1", "lob_passive": "orders_n1000000_seed1_passive"]

    /// Replays an order stream into a fresh `LadderBook`, timing the matching only (the stream is
    /// decoded first), and checks the final state against the expected-final JSON when one is
    /// given. A second, separate pass times every command for the latency percentiles, so the
    /// throughput figure carries no timer overhead.
    public static func orderBook(name: String, streamPath: String, expectedPath: String?, repeat repetitions: Int) throws -> BenchReport {
        let setupStart = ProcessStats.now()
        let commands = try OrderStreamFile.load(path: streamPath)
        let setup = ProcessStats.now() - setupStart
        var wall = Double.infinity
        var summary = ReplaySummary()
        for _ in 0..<max(1, repetitions) {
            let book = LadderBook()
            let start = ProcessStats.now()
            let s = replay(commands, into: book)
            wall = min(wall, ProcessStats.now() - start)
            summary = s
        }
        let latency = commandLatencies(commands)

        var r = BenchReport(bench: name)
        r.set("events", commands.count)
        r.set("repeat", max(1, repetitions))
        r.set("wall_s", wall)
        r.set("events_per_s", Double(commands.count) / wall)
        r.set("p50_ns", latency.p50)
        r.set("p99_ns", latency.p99)
        r.set("p999_ns", latency.p999)
        r.set("max_ns", latency.max)
        r.set("timer_overhead_ns", latency.overhead)
        for (key, value) in finalState(summary).fields { r.set(key, value) }
        if let expectedPath {
            let mismatches = try compare(summary, expectedPath: expectedPath)
            r.set("matches_expected", mismatches.isEmpty)
            if !mismatches.isEmpty {
                throw Failure("\(name): final state differs from \(expectedPath): \(mismatches.joined(separator: "; "))")
            }
        }
        r.set("setup_s", setup)
        r.set("peak_rss_mb", ProcessStats.peakRSSMegabytes())
        return r
    }

    /// The final state with the keys of the workloads' expected-final JSON.
    public static func finalState(_ s: ReplaySummary) -> JSONLine {
        var j = JSONLine()
        j.set("n_trades", s.trades)
        j.set("traded_volume", Self.exact(s.tradedVolume))
        j.set("traded_notional", Self.exact(s.tradedNotional))
        j.set("resting_orders", s.restingOrders)
        j.set("best_bid", s.bestBid.map { .int(Int($0)) } ?? .null)
        j.set("best_ask", s.bestAsk.map { .int(Int($0)) } ?? .null)
        j.set("bid_volume", Int(s.bidVolume))
        j.set("ask_volume", Int(s.askVolume))
        j.set("bid_levels", s.bidLevels)
        j.set("ask_levels", s.askLevels)
        return j
    }

    /// A 128-bit sum as JSON: a number while it fits 64 bits, else its exact decimal digits as text.
    static func exact(_ v: Int128) -> JSONLine.Value {
        Int(exactly: v).map { .int($0) } ?? .text(String(v))
    }

    /// The keys of `expected_final` that `s` does not reproduce, as "key: got X, expected Y".
    public static func compare(_ s: ReplaySummary, expectedPath: String) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: expectedPath)) } catch {
            throw Failure("\(expectedPath): cannot read the file")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let expected = object["expected_final"] as? [String: Any] else {
            throw Failure("\(expectedPath): no expected_final object")
        }
        var mismatches: [String] = []
        for (key, value) in finalState(s).fields {
            guard let want = expected[key] else { continue }
            let got: String
            switch value {
            case .int(let v): got = String(v)
            case .text(let v): got = v
            case .null: got = "null"
            default: got = "\(value)"
            }
            let wanted = want is NSNull ? "null" : "\(want)"
            if got != wanted { mismatches.append("\(key): got \(got), expected \(wanted)") }
        }
        return mismatches
    }

    /// Per-command latency percentiles (ns) from a separate, timed replay.
    static func commandLatencies(_ commands: [BookCommand]) -> (p50: Double, p99: Double, p999: Double, max: Double, overhead: Double) {
        let book = LadderBook()
        var events: [BookEvent] = []
        events.reserveCapacity(256)
        var samples = [Double](repeating: 0, count: commands.count)
        var sink = 0
        for (i, c) in commands.enumerated() {
            let t0 = ProcessStats.nanoseconds()
            book.apply(c, events: &events)
            for e in events where e.kind == .fill { sink &+= Int(e.quantity) }
            events.removeAll(keepingCapacity: true)
            samples[i] = Double(ProcessStats.nanoseconds() - t0)
        }
        var empty = [Double](repeating: 0, count: 10_000)
        for i in empty.indices {
            let t0 = ProcessStats.nanoseconds()
            empty[i] = Double(ProcessStats.nanoseconds() - t0)
        }
        samples.sort()
        empty.sort()
        func pct(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        precondition(sink >= 0)
        return (pct(0.5), pct(0.99), pct(0.999), samples.last ?? 0, empty[empty.count / 2])
    }
}
