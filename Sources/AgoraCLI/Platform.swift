#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// write(2), for unbuffered terminal output.
func posixWrite(_ fd: Int32, _ pointer: UnsafePointer<UInt8>, _ count: Int) -> Int {
    write(fd, pointer, count)
}

/// True when `fd` is a terminal (progress bars only go to terminals).
func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

/// Cores available to this process.
func coreCount() -> Int {
    let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return n > 0 ? n : 1
}

/// Cores this process may run on: its affinity mask, which a launcher (mpirun, srun) may have
/// narrowed to fewer than the host has.
func usableCores() -> Int {
    // Linux reports the mask in /proc/self/status as hex words: "Cpus_allowed:\tff,ffffffff".
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return coreCount() }
    let hex = line.dropFirst("Cpus_allowed:".count).filter { $0.isHexDigit }
    let bits = hex.reduce(0) { $0 + (Int(String($1), radix: 16) ?? 0).nonzeroBitCount }
    return max(1, min(bits, coreCount()))
}
