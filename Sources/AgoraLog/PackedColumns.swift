/// Bit-packed columns (docs/log-format.md, "Columns", encodings 3 and 4): each value stored as its
/// offset from the column's smallest, in just the bits the column's range needs, one after
/// another. A chunk of packed columns is stored without zstd, so reading it costs a checksum and
/// a shift per value instead of entropy decoding; writers choose it when it is nearly as small.
extension ColumnCodec {
    /// The widest packed value: a value and its bit offset within a byte fit one 64-bit load.
    static let maxPackedBits = 56

    /// Bits the offsets `0…range` need (0 when the range is empty).
    @inline(__always) static func bits(_ range: UInt64) -> Int { 64 - range.leadingZeroBitCount }

    /// Bytes `count` values of `bits` bits take.
    @inline(__always) static func packedBytes(count: Int, bits: Int) -> Int { (count * bits + 7) / 8 }

    /// How a non-constant column is packed: delta or not, bits per value, and the data's length
    /// after the header (first value and base included); nil when neither range fits 56 bits.
    static func packedLayout(_ s: ColumnStats) -> (delta: Bool, bits: Int, length: Int)? {
        let plainBits = bits(s.range), deltaBits = bits(s.stepRange)
        let plainSize = plainBits <= maxPackedBits ? 8 + packedBytes(count: s.count, bits: plainBits) : Int.max
        let deltaSize = deltaBits <= maxPackedBits ? 16 + packedBytes(count: s.count - 1, bits: deltaBits) : Int.max
        if min(plainSize, deltaSize) == Int.max { return nil }
        return deltaSize < plainSize ? (true, deltaBits, deltaSize) : (false, plainBits, plainSize)
    }

    /// The bytes (header included) `values` take in a packed chunk: constant, packed or packed
    /// delta, whichever is smallest, or byte planes if neither packs.
    static func packedSize(_ s: ColumnStats) -> Int {
        if s.count == 0 || s.constant { return 6 + 8 }
        return packedLayout(s).map { 6 + $0.length } ?? planesSize(s)
    }

    /// Appends `values` in the packed layout `packedSize` measured.
    static func encodePacked(_ values: UnsafeBufferPointer<Int64>, stats s: ColumnStats, into out: inout [UInt8]) {
        let n = values.count
        if n == 0 || s.constant {
            out.append(ColumnEncoding.constant.rawValue); out.append(0); appendU32(&out, 8); appendI64(&out, s.first)
            return
        }
        guard let (useDelta, width, size) = packedLayout(s) else { return encode(values, stats: s, into: &out) }
        out.append((useDelta ? ColumnEncoding.packedDelta : ColumnEncoding.packed).rawValue)
        out.append(UInt8(width))
        appendU32(&out, UInt32(size))
        if useDelta {
            appendI64(&out, s.first)
            appendI64(&out, s.minStep)
        } else {
            appendI64(&out, s.min)
        }
        let start = out.count, length = packedBytes(count: useDelta ? n - 1 : n, bits: width)
        out.append(contentsOf: repeatElement(0, count: length))
        guard width > 0 else { return }
        out.withUnsafeMutableBufferPointer { buf in
            let dst = buf.baseAddress! + start
            var pending: UInt64 = 0, held = 0, at = 0
            @inline(__always) func put(_ u: UInt64) {
                pending |= u &<< UInt64(held)
                held += width
                while held >= 8 {
                    dst[at] = UInt8(truncatingIfNeeded: pending)
                    at += 1
                    pending &>>= 8
                    held -= 8
                }
            }
            if useDelta {
                for i in 1..<n { put(UInt64(bitPattern: (values[i] &- values[i - 1]) &- s.minStep)) }
            } else {
                for i in 0..<n { put(UInt64(bitPattern: values[i] &- s.min)) }
            }
            if held > 0 { dst[at] = UInt8(truncatingIfNeeded: pending) }
        }
    }

    /// Decodes a packed (`delta` false) or packed-delta column's data at `data` (`length` bytes,
    /// already checked against the header) into `out`.
    static func decodePacked(_ data: UnsafeRawPointer, length: Int, count n: Int, bits width: Int, delta: Bool,
                             into out: UnsafeMutablePointer<Int64>) throws(LogError) {
        let head = delta ? 16 : 8
        let packed = delta ? max(0, n - 1) : n
        guard width <= maxPackedBits, length == head + packedBytes(count: packed, bits: width) else {
            throw LogError.malformed("packed column of \(n) values × \(width) bits cannot be \(length) bytes")
        }
        guard n > 0 else { return }
        let first = readI64(UnsafeRawBufferPointer(start: data, count: 8), 0)
        let base = delta ? readI64(UnsafeRawBufferPointer(start: data + 8, count: 8), 0) : first
        let bytes = data + head
        let dataLength = length - head
        if width == 0 {
            // Every offset is 0, and there are no data bytes to load.
            if delta {
                var acc = first
                out[0] = first
                for i in 1..<max(1, n) {
                    acc = acc &+ base
                    out[i] = acc
                }
            } else {
                for i in 0..<n { out[i] = base }
            }
            return
        }
        let mask = UInt64.max &>> UInt64(64 - width)
        // Offsets are read with one unaligned 8-byte load each while 8 bytes remain; the last few
        // from a zero-padded copy of the final bytes.
        let fast = dataLength >= 8 ? min(packed, ((dataLength - 7) * 8 - 1) / width + 1) : 0
        var acc = first
        if delta { out[0] = first }
        // The common widths go eight values (`width` whole bytes) at a time with constant shifts.
        func groups<let W: Int>(_ w: Width<W>) -> Int {
            unpackGroups(w, bytes, dataLength: dataLength, count: packed, base: base, delta: delta, acc: &acc,
                         into: delta ? out + 1 : out)
        }
        var i: Int
        switch width {
        case 1: i = groups(Width<1>())
        case 2: i = groups(Width<2>())
        case 3: i = groups(Width<3>())
        case 4: i = groups(Width<4>())
        case 5: i = groups(Width<5>())
        case 6: i = groups(Width<6>())
        case 7: i = groups(Width<7>())
        case 8: i = groups(Width<8>())
        case 9: i = groups(Width<9>())
        case 10: i = groups(Width<10>())
        case 11: i = groups(Width<11>())
        case 12: i = groups(Width<12>())
        case 13: i = groups(Width<13>())
        case 14: i = groups(Width<14>())
        case 15: i = groups(Width<15>())
        case 16: i = groups(Width<16>())
        case 17: i = groups(Width<17>())
        case 18: i = groups(Width<18>())
        case 19: i = groups(Width<19>())
        case 20: i = groups(Width<20>())
        case 21: i = groups(Width<21>())
        case 22: i = groups(Width<22>())
        case 23: i = groups(Width<23>())
        case 24: i = groups(Width<24>())
        case 32: i = groups(Width<32>())
        default: i = 0
        }
        if delta {
            while i < fast {
                let bit = i &* width
                let word = bytes.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self)
                acc = acc &+ base &+ Int64(bitPattern: (word &>> UInt64(bit & 7)) & mask)
                out[i + 1] = acc
                i += 1
            }
        } else {
            while i < fast {
                let bit = i &* width
                let word = bytes.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self)
                out[i] = base &+ Int64(bitPattern: (word &>> UInt64(bit & 7)) & mask)
                i += 1
            }
        }
        guard i < packed else { return }
        let tailStart = (i &* width) &>> 3
        var tail = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(start: bytes + tailStart, count: dataLength - tailStart)) }
        withUnsafeBytes(of: &tail) { t in
            while i < packed {
                let bit = i &* width &- tailStart &* 8
                let word = t.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self)
                let u = Int64(bitPattern: (word &>> UInt64(bit & 7)) & mask)
                if delta {
                    acc = acc &+ base &+ u
                    out[i + 1] = acc
                } else {
                    out[i] = base &+ u
                }
                i += 1
            }
        }
    }
}

/// A bit width known at compile time, so that `unpackGroups` is compiled once per width.
struct Width<let bits: Int> {}

/// Unpacks whole groups of eight `W`-bit values (each group `W` bytes long, starting on a byte)
/// while a group's last load stays inside `dataLength`; returns how many values it unpacked.
@inline(__always)
private func unpackGroups<let W: Int>(_: Width<W>, _ bytes: UnsafeRawPointer, dataLength: Int, count: Int, base: Int64,
                                      delta: Bool, acc: inout Int64, into out: UnsafeMutablePointer<Int64>) -> Int {
    let reach = (7 * W) / 8 + 8  // bytes from a group's start its last load needs
    guard dataLength >= reach else { return 0 }
    let groups = min(count / 8, (dataLength - reach) / W + 1)
    let mask = UInt64.max &>> UInt64(64 - W)
    var sum = acc
    for g in 0..<groups {
        let p = bytes + g &* W, o = out + g &* 8
        for j in 0..<8 {
            let bit = j * W
            let u = Int64(bitPattern: (p.loadUnaligned(fromByteOffset: bit / 8, as: UInt64.self) &>> UInt64(bit % 8)) & mask)
            if delta {
                sum = sum &+ base &+ u
                o[j] = sum
            } else {
                o[j] = base &+ u
            }
        }
    }
    acc = sum
    return groups * 8
}

/// What one pass over a column learns: enough for either layout (byte planes for zstd, or bit
/// packing) to pick its encoding and size without another look at the values.
struct ColumnStats {
    let count: Int
    var first: Int64 = 0
    var constant = true
    /// The zigzag values and zigzag steps, OR-ed: their byte widths.
    var maxPlain: UInt64 = 0, maxDelta: UInt64 = 0
    var min = Int64.max, max = Int64.min
    /// The smallest and largest step `v[i] − v[i−1]` (wrapping), over i ≥ 1.
    var minStep = Int64.max, maxStep = Int64.min

    init(_ values: UnsafeBufferPointer<Int64>) {
        count = values.count
        guard let v0 = values.first else { return }
        first = v0
        min = v0
        max = v0
        maxPlain = zigzag(v0)
        guard count > 1 else { minStep = 0; maxStep = 0; return }
        var anyStep: Int64 = 0
        for i in 1..<count {
            let v = values[i], step = v &- values[i - 1]
            maxPlain |= zigzag(v)
            maxDelta |= zigzag(step)
            anyStep |= step
            min = Swift.min(min, v)
            max = Swift.max(max, v)
            minStep = Swift.min(minStep, step)
            maxStep = Swift.max(maxStep, step)
        }
        constant = anyStep == 0
    }

    /// The values' spread `max − min` as an unsigned count (wrapping is exact: it is below 2⁶⁴).
    var range: UInt64 { UInt64(bitPattern: max &- min) }
    var stepRange: UInt64 { UInt64(bitPattern: maxStep &- minStep) }
}
