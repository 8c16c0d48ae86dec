/// A set of price-level indexes with fast "nearest member at or above / at or below" queries: one
/// bit per level and one summary bit per 64-bit word.
///
/// - Complexity: insert and remove O(1); the nearest-member queries O(n / 4096) in the worst case,
///   O(1) when a member is within the same or a neighbouring summary word.
struct LevelBitSet {
    private(set) var words: [UInt64]
    private(set) var summary: [UInt64]

    init(capacity: Int) {
        let w = (capacity + 63) / 64
        words = Array(repeating: 0, count: w)
        summary = Array(repeating: 0, count: (w + 63) / 64)
    }

    @inline(__always) func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    @inline(__always) mutating func insert(_ i: Int) {
        words[i >> 6] |= 1 << UInt64(i & 63)
        summary[i >> 12] |= 1 << UInt64((i >> 6) & 63)
    }

    @inline(__always) mutating func remove(_ i: Int) {
        let w = i >> 6
        words[w] &= ~(1 << UInt64(i & 63))
        if words[w] == 0 { summary[w >> 6] &= ~(1 << UInt64(w & 63)) }
    }

    /// The smallest member ≥ `i`, or nil.
    func next(atOrAbove i: Int) -> Int? {
        var w = i >> 6
        guard w < words.count else { return nil }
        let here = words[w] & (~0 << UInt64(i & 63))
        if here != 0 { return w << 6 | here.trailingZeroBitCount }
        w += 1
        var s = w >> 6
        guard s < summary.count else { return nil }
        var bits = summary[s] & (w & 63 == 0 ? ~0 : ~0 << UInt64(w & 63))
        while true {
            if bits != 0 {
                let word = s << 6 | bits.trailingZeroBitCount
                return word << 6 | words[word].trailingZeroBitCount
            }
            s += 1
            guard s < summary.count else { return nil }
            bits = summary[s]
        }
    }

    /// The largest member ≤ `i`, or nil.
    func next(atOrBelow i: Int) -> Int? {
        guard i >= 0 else { return nil }
        var w = i >> 6
        let shift = UInt64(63 - (i & 63))
        let here = words[w] & (~0 >> shift)
        if here != 0 { return w << 6 | (63 - here.leadingZeroBitCount) }
        w -= 1
        guard w >= 0 else { return nil }
        var s = w >> 6
        var bits = summary[s] & (~0 >> UInt64(63 - (w & 63)))
        while true {
            if bits != 0 {
                let word = s << 6 | (63 - bits.leadingZeroBitCount)
                return word << 6 | (63 - words[word].leadingZeroBitCount)
            }
            s -= 1
            guard s >= 0 else { return nil }
            bits = summary[s]
        }
    }
}
