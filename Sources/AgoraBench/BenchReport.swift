import AgoraCore
import Foundation

/// One benchmark's figures: a `JSONLine` whose first key is `bench`, printed as one line so that
/// runs of Agora and of the peer systems compare line by line.
public typealias BenchReport = JSONLine

extension JSONLine {
    public init(bench: String) {
        self.init()
        set("bench", bench)
    }
}

/// Process-level measurements shared by the benches.
public enum ProcessStats {
    /// Peak resident set size in MiB (VmHWM), or 0 where /proc is not available.
    public static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? 0
            return kb / 1024
        }
        return 0
    }

    /// Nanoseconds on a monotonic clock.
    @inline(__always) public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Seconds on a monotonic clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
