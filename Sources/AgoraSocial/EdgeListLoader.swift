import AgoraCompression
import Foundation

/// Reads edge lists from disk into flat u32 pair arrays, ready for `CSRGraph`.
public enum EdgeListLoader {
    /// A file that cannot be read as an edge list, with where and why.
    public struct LoadError: Error, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)" }
    }

    /// A text edge list: one edge per line, `u v` or `u,v` (spaces or tabs, or one comma),
    /// `#` starting a comment. When every id is a non-negative integer the ids are kept; otherwise
    /// every id is a label, numbered densely in order of first appearance (`labels[i]` is node i's).
    public struct TextEdges: Sendable {
        public var pairs: [UInt32]
        public var labels: [String]?

        public init(pairs: [UInt32], labels: [String]?) {
            self.pairs = pairs
            self.labels = labels
        }
    }

    /// Loads a text edge list, optionally zstd-compressed. A malformed line is an error naming
    /// the file and the line.
    public static func loadText(path: String) throws -> TextEdges {
        let raw: Data
        do { raw = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LoadError(path: path, message: "cannot read the file (\(error.localizedDescription))")
        }
        let data: Data
        if Zstd.isCompressed(raw) {
            do { data = try Zstd.decompress(raw) } catch { throw LoadError(path: path, message: "\(error)") }
        } else {
            data = raw
        }
        var tokens: [Substring] = []
        var lineNumber = 0
        // Lines are split on bytes: "\r\n" is a single Character in Swift, so a file written on
        // Windows would be one line if split on the Character "\n". A line's "\r" is dropped.
        let lines: [Substring] = data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            var out: [Substring] = []
            var start = 0
            for i in 0...b.count where i == b.count || b[i] == UInt8(ascii: "\n") {
                var end = i
                if end > start && b[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                out.append(Substring(String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<end]), as: UTF8.self)))
                start = i + 1
            }
            return out
        }
        for line in lines {
            lineNumber += 1
            var body = line
            if let hash = body.firstIndex(of: "#") { body = body[..<hash] }
            let fields = body.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 2 else {
                throw LoadError(path: "\(path):\(lineNumber)", message: "expected two node ids ('u v' or 'u,v'), got \(fields.count): \(line.trimmingCharacters(in: .whitespaces))")
            }
            tokens.append(fields[0])
            tokens.append(fields[1])
        }
        let numeric = tokens.allSatisfy { t in UInt32(t).map { $0 < UInt32.max } ?? false }
        if numeric {
            return TextEdges(pairs: tokens.map { UInt32($0)! }, labels: nil)
        }
        var ids: [Substring: UInt32] = [:]
        var labels: [String] = []
        var pairs: [UInt32] = []
        pairs.reserveCapacity(tokens.count)
        for t in tokens {
            if let id = ids[t] { pairs.append(id); continue }
            let id = UInt32(labels.count)
            ids[t] = id
            labels.append(String(t))
            pairs.append(id)
        }
        return TextEdges(pairs: pairs, labels: labels)
    }

    /// An edge list made simple: each undirected edge once, no self-loops, with how many of
    /// each were dropped.
    public struct SimpleEdges: Sendable {
        public var pairs: [UInt32]
        public var selfLoops: Int
        public var repeats: Int
    }

    /// `pairs` as a simple undirected graph's edges (in order of (smaller, larger) end): what
    /// `agora graph stats` measures, as network libraries do by default.
    /// - Complexity: O(E log E).
    public static func simple(_ pairs: [UInt32]) -> SimpleEdges {
        var keys: [UInt64] = []
        keys.reserveCapacity(pairs.count / 2)
        var loops = 0
        var i = 0
        while i + 1 < pairs.count {
            let u = pairs[i], v = pairs[i + 1]
            if u == v { loops += 1 } else { keys.append(UInt64(min(u, v)) << 32 | UInt64(max(u, v))) }
            i += 2
        }
        keys.sort()
        var out: [UInt32] = []
        out.reserveCapacity(keys.count * 2)
        var last: UInt64?
        for k in keys where k != last {
            out.append(UInt32(truncatingIfNeeded: k >> 32))
            out.append(UInt32(truncatingIfNeeded: k))
            last = k
        }
        return SimpleEdges(pairs: out, selfLoops: loops, repeats: keys.count - out.count / 2)
    }

    /// Loads any edge list: `.txt`, `.csv`, `.edges` (and those with `.zst`) as text, others as
    /// binary u32 pairs.
    public static func load(path: String) throws -> TextEdges {
        let name = path.hasSuffix(".zst") ? String(path.dropLast(4)) : path
        if [".txt", ".csv", ".edges", ".tsv"].contains(where: { name.hasSuffix($0) }) { return try loadText(path: path) }
        return TextEdges(pairs: try loadBinaryPairs(path: path), labels: nil)
    }

    /// Writes binary u32 pairs, zstd-compressed when the path ends in `.zst`.
    public static func writeBinaryPairs(_ pairs: [UInt32], path: String) throws {
        var data = pairs.withUnsafeBytes { Data($0) }
        if path.hasSuffix(".zst") { data = try Zstd.compress(data) }
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw LoadError(path: path, message: "cannot write (\(error.localizedDescription))")
        }
    }

    /// Loads the binary format: little-endian u32 pairs `(u, v)`, no header, optionally one or more
    /// zstd frames (detected by their magic number).
    public static func loadBinaryPairs(path: String) throws -> [UInt32] {
        let raw: Data
        do {
            raw = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw LoadError(path: path, message: "cannot read the file (\(error.localizedDescription))")
        }
        let data: Data
        if Zstd.isCompressed(raw) {
            do { data = try Zstd.decompress(raw) } catch {
                throw LoadError(path: path, message: "\(error)")
            }
        } else {
            data = raw
        }
        guard data.count % 8 == 0 else {
            throw LoadError(path: path, message: "\(data.count) bytes is not a whole number of u32 pairs (8 bytes each)")
        }
        var pairs = [UInt32](repeating: 0, count: data.count / 4)
        pairs.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in dst.copyMemory(from: src) }
        }
        #if _endian(big)
        for i in pairs.indices { pairs[i] = UInt32(littleEndian: pairs[i]) }
        #endif
        return pairs
    }
}
