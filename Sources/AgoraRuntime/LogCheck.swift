import AgoraCore
import AgoraEngine
import AgoraLog
import AgoraScenario
import Foundation

/// Verifies a run's event log without re-running it: every frame readable, the digest rows
/// chaining to the manifest's digest, and — for kinds logged in full — the logged events hashing
/// to their digest rows.
public enum LogCheck {
    public struct Report {
        public var problems: [LogProblem] = []
        public var rowsPerKind: [String: Int] = [:]
        public var ticks = 0
        public var chainedDigest: String?
        public var manifestDigest: String?
        /// (tick, kind) whose logged events do not hash to their digest row.
        public var mismatches: [(tick: Int, kind: String)] = []
        /// Kinds whose rows were re-hashed (logged in full).
        public var verifiedKinds: [String] = []

        /// The scenario's ticks, when its `scenario.yaml` reads.
        public var scenarioTicks: Int?

        /// Whether what is there is sound: every frame reads, fully logged kinds match their
        /// digest rows, and the digest chains to the manifest's (when there is one).
        public var ok: Bool {
            problems.isEmpty && mismatches.isEmpty && (manifestDigest == nil || chainedDigest == manifestDigest)
        }

        /// Whether the run finished: its manifest holds the digest the log was checked against. A
        /// killed run's log may be sound as far as it goes, but nothing says it is all there.
        public var complete: Bool { manifestDigest != nil }

        /// `ok`, `incomplete` (sound, but the run did not finish) or `not ok`.
        public var verdict: String { !ok ? "not ok" : complete ? "ok" : "incomplete" }
    }

    public static func run(directory: String) throws(LogError) -> Report {
        let path = (directory as NSString).appendingPathComponent(RunLog.fileName)
        let reader = try LogReader(path: path)
        try RunLog.requireWhole(reader)
        var report = Report()
        report.manifestDigest = RunReference.manifest(directory)?["digest"] as? String
        report.scenarioTicks = (try? ScenarioLoader.load(path: (directory as NSString).appendingPathComponent("scenario.yaml"),
                                                          environment: [:]))?.ticks
        // Kinds logged in full (every tick, every agent) can be re-hashed row by row.
        var full: Set<UInt16> = []
        if let policy = reader.schema.meta["policy"], let data = policy.data(using: .utf8),
           let rules = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Double]] {
            for (id, rule) in rules where rule["every"] == 1 && rule["sample"] == 1 {
                if let k = UInt16(id) { full.insert(k) }
            }
        }
        report.verifiedKinds = reader.schema.kinds.filter { full.contains($0.id) }.map(\.name).sorted()
        var digestRows: [(tick: Int64, kind: UInt16, hash: EventSetHash)] = []
        var rehashed: [Int64: [UInt16: EventSetHash]] = [:]
        report.problems = reader.forEachChunk { chunk in
            let name = reader.schema.kind(chunk.kind)?.name ?? "kind \(chunk.kind)"
            report.rowsPerKind[name, default: 0] += chunk.count
            if chunk.kind == 0 {
                for i in 0..<chunk.count {
                    digestRows.append((chunk.columns[0][i], UInt16(chunk.columns[1][i]),
                                       EventSetHash(lane0: UInt64(bitPattern: chunk.columns[2][i]), lane1: UInt64(bitPattern: chunk.columns[3][i]),
                                                    count: UInt64(bitPattern: chunk.columns[4][i]))))
                }
            } else if full.contains(chunk.kind) {
                var values = [Int64](repeating: 0, count: chunk.columns.count - 2)
                // Text columns hold string ids in the log and content hashes in the digest.
                let textColumns = (0..<values.count).filter { reader.schema.kind(chunk.kind)?.type(ofColumn: $0 + 2) == "text" }
                for i in 0..<chunk.count {
                    for c in 0..<values.count { values[c] = chunk.columns[c + 2][i] }
                    for c in textColumns { values[c] = textHash(reader.string(values[c]) ?? "") }
                    let h = values.withUnsafeBufferPointer { EventKind.eventHash(kind: chunk.kind, agent: chunk.columns[1][i], values: $0) }
                    rehashed[chunk.columns[0][i], default: [:]][chunk.kind, default: EventSetHash()].add(h)
                }
            }
        }
        var digest = RunDigest()
        var lastTick: Int64 = -1
        for row in digestRows {
            digest.absorb(tick: Int(row.tick), kind: row.kind, events: row.hash)
            lastTick = max(lastTick, row.tick)
            if full.contains(row.kind) {
                let mine = rehashed[row.tick]?[row.kind] ?? EventSetHash()
                if mine != row.hash {
                    report.mismatches.append((Int(row.tick), reader.schema.kind(row.kind)?.name ?? "kind \(row.kind)"))
                }
            }
        }
        report.ticks = Int(lastTick + 1)
        report.chainedDigest = digestRows.isEmpty ? nil : digest.hex
        return report
    }
}
