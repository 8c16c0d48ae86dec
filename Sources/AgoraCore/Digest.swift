/// An order-independent hash of a set of events: the sum of a strong per-event hash in two
/// 64-bit lanes, and the event count.
///
/// Shards hash their own events in parallel and the partial sums are added, so the result does not
/// depend on how agents were split into shards. Every event carries its canonical position (tick,
/// agent, sequence), so summing loses no ordering information.
public struct EventSetHash: Sendable, Hashable, BitwiseCopyable {
    public var lane0: UInt64 = 0
    public var lane1: UInt64 = 0
    public var count: UInt64 = 0

    @inlinable public init() {}

    /// A hash with the given lanes and count, as stored in an event log's digest rows.
    public init(lane0: UInt64, lane1: UInt64, count: UInt64) {
        self.lane0 = lane0
        self.lane1 = lane1
        self.count = count
    }

    /// Adds one event of `kind` about `agent` with two payload words.
    @inlinable @inline(__always)
    public mutating func add(kind: UInt64, agent: UInt64, _ a: UInt64, _ b: UInt64) {
        var h = mix64(kind &* 0x9FB2_1C65_1E98_DF25 ^ agent)
        h = mix64(h ^ a)
        h = mix64(h &+ b &* splitMixGamma)
        lane0 &+= h
        lane1 &+= mix64(h ^ 0xC2B2_AE3D_27D4_EB4F)
        count &+= 1
    }

    /// Adds one event already hashed to 64 bits (the caller mixes its fields in).
    @inlinable @inline(__always)
    public mutating func add(_ eventHash: UInt64) {
        lane0 &+= eventHash
        lane1 &+= mix64(eventHash ^ 0xC2B2_AE3D_27D4_EB4F)
        count &+= 1
    }

    /// Folds another partial hash in; commutative and associative.
    @inlinable public mutating func merge(_ other: EventSetHash) {
        lane0 &+= other.lane0
        lane1 &+= other.lane1
        count &+= other.count
    }
}

/// The digest of a run: a chain over ticks of each tick's `EventSetHash`.
///
/// Two runs have the same digest when they recorded the same events at the same ticks. The chain is
/// sequential over ticks, so a replay can name the first tick whose events differ.
public struct RunDigest: Sendable, Hashable {
    public private(set) var hi: UInt64 = 0x243F_6A88_85A3_08D3
    public private(set) var lo: UInt64 = 0x1319_8A2E_0370_7344

    public init() {}

    /// A digest part-way through a run, as a checkpoint saved it.
    public init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }

    /// Absorbs the events of one kind recorded at `tick`.
    public mutating func absorb(tick: Int, kind: UInt16, events: EventSetHash) {
        absorb(tick: tick, events: events, salt: UInt64(kind) &* 0xD1B5_4A32_D192_ED03)
    }

    /// Absorbs the events recorded at `tick`.
    public mutating func absorb(tick: Int, events: EventSetHash, salt: UInt64 = 0) {
        let t = UInt64(truncatingIfNeeded: tick) ^ salt
        hi = mix64(hi ^ mix64(t &+ events.lane0))
        lo = mix64(lo &+ mix64(events.lane1 ^ (events.count &* splitMixGamma)) ^ hi)
        hi = mix64(hi ^ lo)
    }

    /// 32 lowercase hex digits.
    public var hex: String { hex64(hi) + hex64(lo) }
}

/// `value` as 16 lowercase hex digits.
public func hex64(_ value: UInt64) -> String {
    let s = String(value, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

/// A 128-bit content hash of `text` as 32 hex digits: identifies a scenario's resolved text in the
/// catalog. Not cryptographic.
public func contentHash(_ text: String) -> String {
    var a: UInt64 = 0x9E37_79B9_7F4A_7C15, b: UInt64 = 0x6A09_E667_F3BC_C908
    var word: UInt64 = 0, n = 0
    for byte in text.utf8 {
        word |= UInt64(byte) << UInt64(8 * (n % 8))
        n += 1
        if n % 8 == 0 {
            a = mix64(a ^ word)
            b = mix64(b &+ word &* splitMixGamma)
            word = 0
        }
    }
    a = mix64(a ^ word ^ UInt64(n))
    b = mix64(b &+ word ^ a)
    return hex64(a) + hex64(b)
}
