@testable import AgoraCore
import Testing

@Suite struct CountTableTests {
    @Test func countsLikeADictionaryThroughGrowthAndMerges() {
        var rng = SplitMix64(seed: 42)
        let a = CountTable(minimumCapacity: 4), b = CountTable()
        var expected: [UInt64: UInt32] = [:]
        for i in 0..<50_000 {
            // Few distinct keys at first, then many: collisions, repeats and several doublings.
            let key = i < 10_000 ? rng.next() % 300 : rng.next() % 40_000 << 16
            let n = UInt32(1 + rng.next() % 3)
            (i % 2 == 0 ? a : b).add(key, n)
            expected[key, default: 0] += n
        }
        a.merge(b)
        #expect(a.count == expected.count)
        #expect(a.sorted().map { [$0.key, UInt64($0.count)] } == expected.sorted { $0.key < $1.key }.map { [$0.key, UInt64($0.value)] })
        #expect(a[7] == expected[7] ?? 0 && a[UInt64.max] == 0 && a[1 << 62] == 0)
        a.removeAll()
        #expect(a.count == 0 && a.sorted().isEmpty && a[7] == 0)
        a.add(7)
        #expect(a[7] == 1)
    }
}
