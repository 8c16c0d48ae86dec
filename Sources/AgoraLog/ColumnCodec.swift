/// How one column of one chunk is stored (docs/log-format.md, "Columns").
///
/// Every value is an `Int64`. In a chunk meant for zstd it is zigzag-mapped to unsigned (so small
/// negatives stay small), then stored in `width` bytes per value, byte planes one after another
/// (all first bytes, then all second bytes, …), which lets zstd model each byte position on its
/// own. In a chunk stored as it is, values are bit-packed offsets from the column's smallest.
public enum ColumnEncoding: UInt8, Sendable {
    /// Every value is the same: 8 bytes, little-endian.
    case constant = 0
    /// The zigzag values, `width` byte planes.
    case plain = 1
    /// The first value (8 bytes), then the zigzag differences of the rest as `width` byte planes.
    case delta = 2
    /// The smallest value (8 bytes), then each value's offset from it in `width` bits, packed.
    case packed = 3
    /// The first value and the smallest step (8 bytes each), then each later step's offset from
    /// the smallest in `width` bits, packed. Values are the running sum.
    case packedDelta = 4
}

@inline(__always) func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
@inline(__always) func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: (u &>> 1) ^ (0 &- (u & 1))) }

/// Bytes needed for `u` (0 needs none; at least 1 is used for a non-constant column).
@inline(__always) func byteWidth(_ u: UInt64) -> Int { max(1, (64 - u.leadingZeroBitCount + 7) / 8) }

/// The value each byte stands for in a one-byte column: its zigzag decoding.
private let byteValues: [Int64] = (0..<256).map { unzigzag(UInt64($0)) }

enum ColumnCodec {
    /// Appends `values` encoded with the smallest of the byte-plane encodings (constant, plain,
    /// delta): `u8 encoding, u8 width, u32 byte length, bytes`.
    static func encode(_ values: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) {
        encode(values, stats: ColumnStats(values), into: &out)
    }

    /// How a non-constant column is laid out in byte planes: delta or plain, and bytes per value.
    static func planesLayout(_ s: ColumnStats) -> (delta: Bool, width: Int) {
        let plainWidth = byteWidth(s.maxPlain), deltaWidth = byteWidth(s.maxDelta)
        return deltaWidth < plainWidth ? (true, deltaWidth) : (false, plainWidth)
    }

    /// The bytes (header included) `encode` appends for a column with these statistics.
    static func planesSize(_ s: ColumnStats) -> Int {
        if s.count == 0 || s.constant { return 6 + 8 }
        let (delta, width) = planesLayout(s)
        return 6 + (delta ? 8 : 0) + s.count * width
    }

    /// `encode`, with the statistics already gathered (the writer gathers them once per column).
    static func encode(_ values: UnsafeBufferPointer<Int64>, stats s: ColumnStats, into out: inout [UInt8]) {
        let n = values.count
        if n == 0 || s.constant {
            out.append(ColumnEncoding.constant.rawValue); out.append(0); appendU32(&out, 8); appendI64(&out, s.first)
            return
        }
        let (useDelta, width) = planesLayout(s)
        out.append((useDelta ? ColumnEncoding.delta : ColumnEncoding.plain).rawValue)
        out.append(UInt8(width))
        appendU32(&out, UInt32((useDelta ? 8 : 0) + n * width))
        if useDelta { appendI64(&out, s.first) }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: n * width))
        out.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress! + start
            // One pass per byte plane: sequential writes, and a loop the compiler can vectorise.
            for plane in 0..<width {
                let dst = base + plane * n
                let shift = UInt64(8 * plane)
                if useDelta {
                    dst[0] = 0
                    for i in 1..<n { dst[i] = UInt8(truncatingIfNeeded: zigzag(values[i] &- values[i - 1]) >> shift) }
                } else {
                    for i in 0..<n { dst[i] = UInt8(truncatingIfNeeded: zigzag(values[i]) >> shift) }
                }
            }
        }
    }

    /// Decodes one column of `count` values at `offset` in `bytes`, advancing `offset`.
    static func decode(_ bytes: UnsafeRawBufferPointer, offset: inout Int, count n: Int, into out: UnsafeMutablePointer<Int64>) throws(LogError) {
        guard offset + 6 <= bytes.count else { throw LogError.malformed("column header past the end of the chunk") }
        guard let encoding = ColumnEncoding(rawValue: bytes[offset]) else {
            throw LogError.malformed("unknown column encoding \(bytes[offset])")
        }
        let width = Int(bytes[offset + 1])
        let length = Int(readU32(bytes, offset + 2))
        offset += 6
        guard offset + length <= bytes.count else { throw LogError.malformed("column data past the end of the chunk") }
        switch encoding {
        case .constant:
            guard length == 8 else { throw LogError.malformed("a constant column holds 8 bytes, not \(length)") }
            let v = readI64(bytes, offset)
            for i in 0..<n { out[i] = v }
        case .packed, .packedDelta:
            try decodePacked(bytes.baseAddress! + offset, length: length, count: n, bits: width, delta: encoding == .packedDelta, into: out)
        case .plain, .delta:
            let headerBytes = encoding == .delta ? 8 : 0
            guard (1...8).contains(width), length == headerBytes + n * width else {
                throw LogError.malformed("column of \(n) values × \(width) bytes cannot be \(length) bytes")
            }
            let p0 = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset + headerBytes
            // Gather byte planes back into values; the common narrow widths get loops of their own,
            // on a pointer per plane with wrapping arithmetic, which the compiler vectorizes.
            if width == 1 {
                // The commonest column by far (ticks, kinds, sides, small deltas): one table load
                // per value, and for a delta column the running sum in the same pass.
                byteValues.withUnsafeBufferPointer { table in
                    let t = table.baseAddress!
                    if encoding == .delta {
                        var acc = readI64(bytes, offset)
                        out[0] = acc
                        var i = 1
                        while i < n {
                            acc = acc &+ t[Int(p0[i])]
                            out[i] = acc
                            i += 1
                        }
                    } else {
                        for i in 0..<n { out[i] = t[Int(p0[i])] }
                    }
                }
                offset += length
                return
            }
            switch width {
            case 2:
                let p1 = p0 + n
                for i in 0..<n { out[i] = unzigzag(UInt64(p0[i]) | UInt64(p1[i]) &<< 8) }
            case 3:
                let p1 = p0 + n, p2 = p1 + n
                // Eight values at a time in SIMD lanes (the scalar loop does not vectorize).
                var i = 0
                let raw = UnsafeMutableRawPointer(out)
                while i + 8 <= n {
                    let b0 = SIMD8<UInt64>(truncatingIfNeeded: UnsafeRawPointer(p0 + i).loadUnaligned(as: SIMD8<UInt8>.self))
                    let b1 = SIMD8<UInt64>(truncatingIfNeeded: UnsafeRawPointer(p1 + i).loadUnaligned(as: SIMD8<UInt8>.self))
                    let b2 = SIMD8<UInt64>(truncatingIfNeeded: UnsafeRawPointer(p2 + i).loadUnaligned(as: SIMD8<UInt8>.self))
                    let u = b0 | b1 &<< 8 | b2 &<< 16
                    let v = (u &>> 1) ^ (SIMD8<UInt64>(repeating: 0) &- (u & 1))
                    raw.storeBytes(of: v, toByteOffset: i * 8, as: SIMD8<UInt64>.self)
                    i += 8
                }
                while i < n {
                    out[i] = unzigzag(UInt64(p0[i]) | UInt64(p1[i]) &<< 8 | UInt64(p2[i]) &<< 16)
                    i += 1
                }
            case 4:
                let p1 = p0 + n, p2 = p1 + n, p3 = p2 + n
                for i in 0..<n { out[i] = unzigzag(UInt64(p0[i]) | UInt64(p1[i]) &<< 8 | UInt64(p2[i]) &<< 16 | UInt64(p3[i]) &<< 24) }
            default:
                for i in 0..<n { out[i] = Int64(bitPattern: UInt64(p0[i])) }
                for plane in 1..<width {
                    let p = p0 + plane * n, shift = UInt64(8 * plane)
                    for i in 0..<n { out[i] = Int64(bitPattern: UInt64(bitPattern: out[i]) | UInt64(p[i]) &<< shift) }
                }
                for i in 0..<n { out[i] = unzigzag(UInt64(bitPattern: out[i])) }
            }
            if encoding == .delta {
                var acc = readI64(bytes, offset)
                out[0] = acc
                for i in 1..<max(1, n) {
                    acc = acc &+ out[i]
                    out[i] = acc
                }
            }
        }
        offset += length
    }
}

@inline(__always) func appendU32(_ out: inout [UInt8], _ v: UInt32) {
    out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
    out.append(UInt8(truncatingIfNeeded: v >> 16)); out.append(UInt8(truncatingIfNeeded: v >> 24))
}

@inline(__always) func appendU16(_ out: inout [UInt8], _ v: UInt16) {
    out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
}

@inline(__always) func appendI64(_ out: inout [UInt8], _ v: Int64) {
    let u = UInt64(bitPattern: v)
    for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: u >> UInt64(8 * k))) }
}

@inline(__always) func readU32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}

@inline(__always) func readU16(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }

@inline(__always) func readI64(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int64 {
    var u: UInt64 = 0
    for k in 0..<8 { u |= UInt64(b[at + k]) << UInt64(8 * k) }
    return Int64(bitPattern: u)
}
