import AgoraCompression
import Foundation

/// Merges the logs of a run spread over processes into the one log a single process writes.
///
/// Each process writes its shards' rows to its own segment; process 0 writes the main log with the
/// rows no shard owns (per-tick digests and metrics, events recorded serially). One process orders
/// a tick's rows of a kind as: its shards' rows, shard by shard, then the serial rows. Segments hold
/// contiguous blocks of shards in process order, so that order is: segment 0's rows of the tick,
/// segment 1's, …, then the main log's. The merge walks the ticks once, holding one decoded chunk
/// per file and kind, and writes through a `LogWriter`: the same rows, in the same order, as one
/// process's log; text values are re-interned into the merged log's string table.
public enum LogMerge {
    /// What the merge wrote: rows per event kind, and the file's size.
    public struct Result: Sendable {
        public let rows: [UInt16: Int]
        public let bytes: Int
    }

    /// Merges `segments` (in process order) and `main` into a new log at `output`, whose schema is
    /// `main`'s — its meta too (the run, the log policy), less the keys `dropping` names.
    public static func merge(main: String, segments: [String], into output: String, dropping: Set<String> = []) throws -> Result {
        let mainReader = try LogReader(path: main)
        let readers = try segments.map { try LogReader(path: $0) } + [mainReader]
        let schema = mainReader.schema
        for r in readers where r.schema.kinds != schema.kinds {
            throw LogError.malformed("\(r.path) does not have the event kinds of \(main)")
        }
        // Every file's chunks per kind, in file order (which is tick order).
        var refs: [[UInt16: [LogReader.ChunkRef]]] = []
        var first = Int64.max, last = Int64.min
        for r in readers {
            let (chunks, problems) = r.index()
            if let p = problems.first { throw LogError.malformed("\(r.path): \(p)") }
            refs.append(Dictionary(grouping: chunks, by: \.kind))
            for c in chunks { first = min(first, c.firstTick); last = max(last, c.lastTick) }
        }
        let writer = try LogWriter(path: output, schema: LogSchema(kinds: schema.kinds, meta: schema.meta.filter { !dropping.contains($0.key) }))
        let decompressor = ZstdDecompressor()
        var rows: [UInt16: Int] = [:]
        // Per file and kind: the chunk being read, and the next row in it.
        struct Cursor {
            var refs: [LogReader.ChunkRef]
            var next = 0
            var chunk: LogChunk?
            var row = 0
        }
        var cursors: [[Cursor]] = readers.indices.map { f in schema.kinds.map { Cursor(refs: refs[f][$0.id] ?? []) } }
        let textColumns: [[Int]] = schema.kinds.map { k in (k.types ?? []).indices.filter { k.types![$0] == "text" } }
        var out: [[Int64]] = []
        // A tick's kinds in the order a run writes them: digests and metrics (kind 0 and the
        // largest id), then the model's kinds.
        let maxID = schema.kinds.map(\.id).max() ?? 0
        let order = schema.kinds.indices.sorted { a, b in
            func rank(_ i: Int) -> Int { schema.kinds[i].id == 0 ? 0 : schema.kinds[i].id == maxID && maxID >= 256 ? 1 : 2 }
            return (rank(a), a) < (rank(b), b)
        }
        if first <= last {
            for tick in first...last {
                for k in order {
                    let kind = schema.kinds[k]
                    out = Array(repeating: [], count: kind.columns.count)
                    for f in readers.indices {
                        while true {
                            if cursors[f][k].chunk == nil || cursors[f][k].row == cursors[f][k].chunk!.count {
                                guard cursors[f][k].next < cursors[f][k].refs.count,
                                      cursors[f][k].refs[cursors[f][k].next].firstTick <= tick else { break }
                                cursors[f][k].chunk = try readers[f].read(cursors[f][k].refs[cursors[f][k].next], decompressor: decompressor)
                                cursors[f][k].next += 1
                                cursors[f][k].row = 0
                                continue
                            }
                            let chunk = cursors[f][k].chunk!, i = cursors[f][k].row
                            let t = chunk.columns[0][i]
                            guard t <= tick else { break }
                            guard t == tick else { throw LogError.malformed("\(readers[f].path): \(kind.name) rows out of tick order at \(t)") }
                            for c in out.indices {
                                var v = chunk.columns[c][i]
                                if textColumns[k].contains(c) { v = writer.intern(readers[f].string(v) ?? "") }
                                out[c].append(v)
                            }
                            cursors[f][k].row += 1
                        }
                    }
                    guard let n = out.first?.count, n > 0 else { continue }
                    out.flatMap { $0 }.withUnsafeBufferPointer { flat in
                        writer.append(kind: kind.id, columns: out.indices.map { UnsafeBufferPointer(rebasing: flat[($0 * n)..<(($0 + 1) * n)]) },
                                      count: n)
                    }
                    rows[kind.id, default: 0] += n
                }
            }
        }
        try writer.close()
        for (f, r) in readers.enumerated() {
            for (k, kind) in schema.kinds.enumerated() where cursors[f][k].next < cursors[f][k].refs.count
                || (cursors[f][k].chunk.map { cursors[f][k].row < $0.count } ?? false) {
                throw LogError.malformed("\(r.path): \(kind.name) rows after the last tick")
            }
        }
        return Result(rows: rows, bytes: writer.bytesWritten)
    }
}
