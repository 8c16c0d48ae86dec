import AgoraCore
import AgoraEngine
import AgoraLog
import Foundation

/// The event log of a run: the model's event kinds, plus kind 0, `digest`, one row per tick and
/// kind with that tick's event-set hash (so a replay can name the first tick and kind that differ).
public final class RunLog {
    public static let digestKind = EventKindSchema(id: 0, name: "digest", columns: ["tick", "kind", "lane0", "lane1", "count"])
    /// The run's per-tick metrics (the columns of metrics.csv), as doubles.
    public static let metricsKindID: UInt16 = 256

    public static func metricsKind(_ names: [String]) -> EventKindSchema {
        EventKindSchema(id: metricsKindID, name: "metrics", columns: ["tick"] + names, types: ["i64"] + names.map { _ in "f64" })
    }
    public static let fileName = "events.agl"

    public let writer: LogWriter
    public let kinds: [EventKind]
    public private(set) var rowsWritten = 0

    /// The log schema of a model's kinds.
    public static func schema(kinds: [EventKind], metrics: [String], policy: LogPolicy, meta: [String: String]) -> LogSchema {
        var m = meta
        let rules = policy.rules.sorted { $0.key < $1.key }.map { "\"\($0.key)\": {\"every\": \($0.value.every), \"sample\": \($0.value.sample)}" }
        m["policy"] = "{" + rules.joined(separator: ", ") + "}"
        let model = kinds.map {
            EventKindSchema(id: $0.id, name: $0.name, columns: ["tick", "agent"] + $0.columns, types: $0.types.map { ["i64", "i64"] + $0 },
                            labels: $0.labels.isEmpty ? nil : $0.labels.mapValues { names in
                                Dictionary(uniqueKeysWithValues: names.map { (String($0.key), $0.value) }) })
        }
        return LogSchema(kinds: [digestKind] + model + [metricsKind(metrics)], meta: m)
    }

    /// Creates the log, or with `continuingAt` reopens it cut back to that many bytes.
    public init(path: String, kinds: [EventKind], metrics: [String], policy: LogPolicy, meta: [String: String],
                continuingAt: Int? = nil) throws(LogError) {
        self.kinds = kinds
        writer = try LogWriter(path: path, schema: Self.schema(kinds: kinds, metrics: metrics, policy: policy, meta: meta),
                               continuingAt: continuingAt)
    }

    /// What a log file holds: a whole run's rows; or, for a run spread over processes, the main
    /// log (digests, metrics and the rows of serial hooks, written by process 0) or one process's
    /// segment (its shards' rows). `LogMerge` makes the whole log of the main log and the segments.
    public enum Contents: Sendable {
        case whole, main, segment
    }

    /// A segment's file name.
    public static func segmentName(rank: Int) -> String { "events.rank\(rank).agl" }

    /// Refuses the main log of an unfinished run spread over processes, whose shards' rows are
    /// still in the segments: read as it is, it would look as if they were lost.
    public static func requireWhole(_ reader: LogReader) throws(LogError) {
        guard let n = reader.schema.meta["segments"] else { return }
        throw LogError.misuse("\(reader.path) is the main log of an unfinished run spread over \(n) processes: its shards' events "
                              + "are in \(segmentName(rank: 0)) … until the run is resumed (mpirun -np \(n) agora run --resume) "
                              + "and its logs merged")
    }

    /// Writes one tick: its digest rows and metrics, then the rows the simulation kept (as
    /// `contents` says).
    public func write(_ result: TickResult, from sim: any SimulationRunner, contents: Contents = .whole) {
        let t = Int64(result.tick)
        if contents != .segment {
            for (k, kind) in kinds.enumerated() {
                let h = result.kindHashes[k]
                let digestRow: [Int64] = [t, Int64(kind.id), Int64(bitPattern: h.lane0), Int64(bitPattern: h.lane1), Int64(bitPattern: h.count)]
                digestRow.withUnsafeBufferPointer { writer.append(kind: 0, $0) }
            }
            let metrics = [t] + result.metrics.map { Int64(bitPattern: $0.bitPattern) }
            metrics.withUnsafeBufferPointer { writer.append(kind: Self.metricsKindID, $0) }
        }
        writeRows(t, from: sim, part: contents == .whole ? .all : contents == .main ? .serial : .shards)
    }

    private func writeRows(_ t: Int64, from sim: any SimulationRunner, part: LoggedPart) {
        sim.loggedRows(part) { kind, rows, width in
            if let types = kind.types, types.contains("text") {
                // Text columns carry the string's hash in memory; the log stores the string.
                var copy = Array(rows)
                for (c, type) in types.enumerated() where type == "text" {
                    for r in stride(from: 1 + c, to: copy.count, by: width) {
                        copy[r] = writer.intern(sim.loggedString(copy[r]) ?? "")
                    }
                }
                copy.withUnsafeBufferPointer { writer.append(kind: kind.id, tick: t, rows: $0, width: width) }
            } else {
                writer.append(kind: kind.id, tick: t, rows: rows, width: width)
            }
            rowsWritten += rows.count / width
        }
    }

    public func close() throws(LogError) { try writer.close() }
}
