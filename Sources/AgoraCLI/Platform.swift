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
