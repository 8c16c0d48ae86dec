/// Writes a model's state as little-endian bytes, for checkpoints. Plain values and whole columns.
public struct StateWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func write(_ v: UInt64) { write(Int64(bitPattern: v)) }
    public mutating func write(_ v: Int) { write(Int64(v)) }
    public mutating func write(_ v: Double) { write(v.bitPattern) }
    public mutating func write(_ v: Bool) { bytes.append(v ? 1 : 0) }

    public mutating func write(_ s: String) {
        let utf8 = Array(s.utf8)
        write(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    /// A column's raw bytes, with its count (plain values: the layout of this build).
    public mutating func write<T: BitwiseCopyable>(_ column: Column<T>) {
        write(UnsafeBufferPointer(column.buffer))
    }

    /// Values in the layout of a column (read back with `read(into:)` into a column of their count).
    public mutating func write<T: BitwiseCopyable>(_ values: UnsafeBufferPointer<T>) {
        write(values.count)
        write(MemoryLayout<T>.stride)
        bytes.append(contentsOf: UnsafeRawBufferPointer(values))
    }

    public mutating func write(_ values: [Int64]) {
        write(values.count)
        for v in values { write(v) }
    }
}

/// Reads what a `StateWriter` wrote, checking every length.
public struct StateReader {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset == bytes.count }
    /// Bytes not yet read: a bound on any size the state claims.
    public var remainingBytes: Int { bytes.count - offset }

    private mutating func take(_ n: Int) throws(Failure) -> ArraySlice<UInt8> {
        guard n >= 0, offset + n <= bytes.count else {
            throw Failure(description: "checkpoint state ends early (need \(n) bytes at \(offset) of \(bytes.count))")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    public mutating func int64() throws(Failure) -> Int64 {
        var v: UInt64 = 0
        for (k, b) in try take(8).enumerated() { v |= UInt64(b) << UInt64(8 * k) }
        return Int64(bitPattern: v)
    }

    public mutating func uint64() throws(Failure) -> UInt64 { UInt64(bitPattern: try int64()) }
    public mutating func int() throws(Failure) -> Int { Int(try int64()) }
    public mutating func double() throws(Failure) -> Double { Double(bitPattern: try uint64()) }
    public mutating func bool() throws(Failure) -> Bool { try take(1).first! != 0 }

    public mutating func string() throws(Failure) -> String {
        let n = try int()
        return String(decoding: try take(n), as: UTF8.self)
    }

    /// Fills `column` (of the right size and type) from the state.
    public mutating func read<T: BitwiseCopyable>(into column: Column<T>) throws(Failure) {
        let count = try int(), stride = try int()
        guard count == column.count, stride == MemoryLayout<T>.stride else {
            throw Failure(description: "checkpoint column of \(count) × \(stride) bytes does not fit \(column.count) × \(MemoryLayout<T>.stride)")
        }
        let raw = try take(count * stride)
        raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(column.buffer).copyMemory(from: $0) }
    }

    /// Fills `destination` from values `write(_ values:)` wrote; their count must be its count.
    public mutating func read<T: BitwiseCopyable>(into destination: UnsafeMutableBufferPointer<T>) throws(Failure) {
        try readValues(of: T.self) { (values: UnsafeRawBufferPointer, count: Int) throws(Failure) in
            guard count == destination.count else {
                throw Failure(description: "state holds \(count) values where \(destination.count) were expected")
            }
            if count > 0 { UnsafeMutableRawBufferPointer(destination).copyMemory(from: values) }
        }
    }

    /// Hands `body` the raw bytes and the count of values `write(_ values:)` wrote, however many.
    public mutating func readValues<T: BitwiseCopyable>(of type: T.Type,
                                                        _ body: (UnsafeRawBufferPointer, Int) throws(Failure) -> Void) throws(Failure) {
        let count = try int(), stride = try int()
        guard count >= 0, stride == MemoryLayout<T>.stride, count <= remainingBytes / Swift.max(1, stride) else {
            throw Failure(description: "state values of \(count) × \(stride) bytes do not fit \(T.self) or the state's length")
        }
        let raw = try take(count * stride)
        var failure: Failure?
        raw.withUnsafeBytes { b in
            do throws(Failure) { try body(b, count) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public mutating func int64s() throws(Failure) -> [Int64] {
        let n = try int()
        guard n >= 0 && n <= (bytes.count - offset) / 8 else { throw Failure(description: "checkpoint list of \(n) values is too long") }
        var out: [Int64] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try int64()) }
        return out
    }
}
