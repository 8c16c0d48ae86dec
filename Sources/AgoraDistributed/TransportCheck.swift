import AgoraCore
import Foundation

/// A synthetic exchange among all ranks: every rank sends every rank (itself included) a message
/// whose bytes are a function of (source, destination, position), and checks every byte it gets.
/// Measures the transport's throughput and proves its ordering and chunking.
public enum TransportCheck {
    public struct Result: Sendable {
        public var ranks: Int
        public var bytesPerPair: Int
        public var chunk: Int
        /// Fastest repetition, seconds, and the bytes each rank sent in it.
        public var seconds: Double
        public var bytesSent: Int
        /// Problems found on any rank (summed over ranks).
        public var wrongBytes: Int64
    }

    @inline(__always) static func byte(_ source: Int, _ destination: Int, _ i: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: mix64(UInt64(source) << 48 ^ UInt64(destination) << 32 ^ UInt64(i / 8)) >> (8 * UInt64(i % 8)))
    }

    /// Runs the exchange `repeat` times; message sizes differ per pair (up to `bytesPerPair`) so
    /// pairs end in different rounds.
    public static func run(_ world: MPIWorld, bytesPerPair: Int, chunk: Int, repeat: Int) throws -> Result {
        let size = world.size, me = world.rank
        func length(_ s: Int, _ d: Int) -> Int { bytesPerPair - (s * 7 + d * 13) % Swift.max(1, bytesPerPair / 4) }
        let outgoing = (0..<size).map { d in (0..<length(me, d)).map { byte(me, d, $0) } }
        var best = Double.infinity
        var wrong: Int64 = 0
        for _ in 0..<Swift.max(1, `repeat`) {
            try world.barrier()
            let start = Date()
            let incoming = try world.transfer(outgoing, chunkLimit: chunk)
            best = Swift.min(best, Date().timeIntervalSince(start))
            for s in 0..<size {
                let expected = length(s, me)
                if incoming[s].count != expected { wrong += Int64(abs(incoming[s].count - expected)) + 1; continue }
                for (i, b) in incoming[s].enumerated() where b != byte(s, me, i) { wrong += 1 }
            }
        }
        let total = try world.sum([wrong])[0]
        let slowest = try world.largest(Int64(best * 1e9))
        return Result(ranks: size, bytesPerPair: bytesPerPair, chunk: chunk, seconds: Double(slowest) / 1e9,
                      bytesSent: outgoing.reduce(0) { $0 + $1.count }, wrongBytes: total)
    }
}
