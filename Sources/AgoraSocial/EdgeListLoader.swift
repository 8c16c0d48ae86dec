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
