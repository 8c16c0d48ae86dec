import CZlib

/// CRC-32 (IEEE 802.3, the polynomial of zlib and PNG), so that any reader — Python's
/// `zlib.crc32` included — can check a frame. Computed by zlib itself, which folds with
/// carry-less multiplication where the CPU has it (several GB/s).
public enum CRC32 {
    /// The CRC of `bytes`, continuing from `crc` (0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return crc }
        var c = UInt(crc)
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, Int(UInt32.max))
            c = crc32(c, base + offset, UInt32(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: c)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }
}
