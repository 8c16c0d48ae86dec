/// Counts per 64-bit key, in an open-addressing hash table with linear probing.
///
/// Why it exists: counting millions of integer keys in a hot loop (reposts per cascade, events per
/// id) with `[UInt64: UInt32]` spends most of its time hashing and checking uniqueness. This table
/// uses Fibonacci hashing on plain buffers and stays at most half full. One owner at a time:
/// models keep one per shard and merge them serially. The key `UInt64.max` is reserved.
public final class CountTable: @unchecked Sendable {
    private var keys: UnsafeMutablePointer<UInt64>
    private var counts: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    private var shift: UInt64
    /// Distinct keys held.
    public private(set) var count = 0

    static let empty = UInt64.max

    public init(minimumCapacity: Int = 1_024) {
        var c = 16
        while c < 2 * minimumCapacity { c <<= 1 }
        capacity = c
        shift = UInt64(64 - c.trailingZeroBitCount)
        keys = .allocate(capacity: c)
        keys.initialize(repeating: Self.empty, count: c)
        counts = .allocate(capacity: c)
        counts.initialize(repeating: 0, count: c)
    }

    deinit {
        keys.deallocate()
        counts.deallocate()
    }

    @inline(__always) private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Adds `n` to the count of `key`.
    @inline(__always) public func add(_ key: UInt64, _ n: UInt32 = 1) {
        precondition(key != Self.empty, "UInt64.max is reserved")
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { counts[i] &+= n; return }
            if k == Self.empty { break }
            i = (i + 1) & (capacity - 1)
        }
        keys[i] = key
        counts[i] = n
        count += 1
        if 2 * count > capacity { grow() }
    }

    /// The count of `key` (0 when absent).
    public subscript(key: UInt64) -> UInt32 {
        guard key != Self.empty else { return 0 }
        var i = slot(key)
        while keys[i] != Self.empty {
            if keys[i] == key { return counts[i] }
            i = (i + 1) & (capacity - 1)
        }
        return 0
    }

    private func grow() { rehash(doublings: 1) }

    /// Makes room for `n` distinct keys without further growth.
    public func reserve(_ n: Int) {
        var doublings = 0
        while 2 * n > capacity << doublings { doublings += 1 }
        if doublings > 0 { rehash(doublings: doublings) }
    }

    private func rehash(doublings: Int) {
        let oldKeys = keys, oldCounts = counts, oldCapacity = capacity
        capacity <<= doublings
        shift -= UInt64(doublings)
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: Self.empty, count: capacity)
        counts = .allocate(capacity: capacity)
        counts.initialize(repeating: 0, count: capacity)
        for j in 0..<oldCapacity where oldKeys[j] != Self.empty {
            var i = slot(oldKeys[j])
            while keys[i] != Self.empty { i = (i + 1) & (capacity - 1) }
            keys[i] = oldKeys[j]
            counts[i] = oldCounts[j]
        }
        oldKeys.deallocate()
        oldCounts.deallocate()
    }

    /// Calls `body` for every key and its count, in no particular order.
    public func forEach(_ body: (_ key: UInt64, _ count: UInt32) throws -> Void) rethrows {
        for i in 0..<capacity where keys[i] != Self.empty { try body(keys[i], counts[i]) }
    }

    /// Adds every count of `other` into this table.
    public func merge(_ other: CountTable) {
        // `other` yields its keys in slot order, that is by hash; a smaller table would pile them
        // into one run of slots, so first grow to at least its size.
        reserve(count + other.count)
        other.forEach { add($0, $1) }
    }

    /// Forgets every key.
    public func removeAll() {
        keys.update(repeating: Self.empty, count: capacity)
        counts.update(repeating: 0, count: capacity)
        count = 0
    }

    /// (key, count) pairs sorted by key: a canonical form for checkpoints and comparisons.
    public func sorted() -> [(key: UInt64, count: UInt32)] {
        var out: [(key: UInt64, count: UInt32)] = []
        out.reserveCapacity(count)
        forEach { out.append(($0, $1)) }
        out.sort { $0.key < $1.key }
        return out
    }
}
