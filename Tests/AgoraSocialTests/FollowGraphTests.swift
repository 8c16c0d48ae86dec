import AgoraCore
@testable import AgoraSocial
import Testing

@Suite struct FollowGraphTests {
    struct Pair: Hashable { var followee: UInt32, follower: UInt32 }

    static func snapshot(_ g: FollowGraph) -> Set<Pair> {
        var s: Set<Pair> = []
        for v in 0..<g.nodeCount {
            let row = Array(g.followers(of: v))
            #expect(row == row.sorted() && Set(row).count == row.count, "rows stay sorted and distinct")
            for u in row { s.insert(Pair(followee: UInt32(v), follower: u)) }
        }
        return s
    }

    @Test func startsFromTheNetworkWithoutLoopsOrRepeats() {
        // 0–1 twice, a self-loop on 2, 2–3.
        let pairs: [UInt32] = [0, 1, 1, 0, 2, 2, 2, 3]
        let g = FollowGraph(pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 5) })
        #expect(Self.snapshot(g) == [Pair(followee: 0, follower: 1), Pair(followee: 1, follower: 0),
                                     Pair(followee: 2, follower: 3), Pair(followee: 3, follower: 2)])
        #expect(g.edgeCount == 4 && g.follows(1, 0) && !g.follows(4, 0) && g.followerCount(4) == 0)
    }

    @Test func batchesMatchASetOfPairs() {
        let n = 300
        let g = FollowGraph(BarabasiAlbert.graph(nodes: n, m: 2, seed: 4))
        var reference = Self.snapshot(g)
        var rng = SplitMix64(seed: 77)
        for _ in 0..<40 {
            var batch: [FollowGraph.Change] = []
            for _ in 0..<Int(rng.next() % 200) {
                // Hot pairs make repeats within a batch common.
                let a = UInt32(rng.next() % (rng.next() % 2 == 0 ? 12 : UInt64(n)))
                let b = UInt32(rng.next() % (rng.next() % 2 == 0 ? 12 : UInt64(n)))
                batch.append(.init(followee: a, follower: b, follow: rng.next() % 3 != 0))
            }
            // The reference: apply in order, the last change of a pair wins.
            var expected = reference
            var added = 0, removed = 0
            var last: [Pair: Bool] = [:]
            for c in batch where c.followee != c.follower { last[Pair(followee: c.followee, follower: c.follower)] = c.follow }
            for (p, follow) in last {
                if follow, expected.insert(p).inserted { added += 1 }
                if !follow, expected.remove(p) != nil { removed += 1 }
            }
            let result = g.apply(&batch)
            reference = expected
            #expect(Self.snapshot(g) == reference)
            #expect(result.added == added && result.removed == removed)
            #expect(g.edgeCount == reference.count)
        }
    }

    @Test func theLastChangeOfAPairWins() {
        let g = FollowGraph(CSRGraph.undirected(edges: UnsafeBufferPointer(start: nil, count: 0), nodeCount: 3))
        var batch: [FollowGraph.Change] = [.init(followee: 0, follower: 1, follow: true), .init(followee: 0, follower: 1, follow: false),
                                           .init(followee: 2, follower: 1, follow: false), .init(followee: 2, follower: 1, follow: true),
                                           .init(followee: 1, follower: 1, follow: true)]
        let r = g.apply(&batch)
        #expect(r == FollowGraph.BatchResult(added: 1, removed: 0))
        #expect(!g.follows(1, 0) && g.follows(1, 2) && !g.follows(1, 1))
    }

    @Test func savesAndLoads() throws {
        let g = FollowGraph(BarabasiAlbert.graph(nodes: 200, m: 3, seed: 1))
        var batch: [FollowGraph.Change] = []
        for i: UInt32 in 0..<50 { batch.append(.init(followee: i, follower: 199 - i, follow: i % 2 == 0)) }
        _ = g.apply(&batch)
        var w = StateWriter()
        g.save(to: &w)
        let h = FollowGraph(BarabasiAlbert.graph(nodes: 200, m: 1, seed: 9))
        var r = StateReader(w.bytes)
        try h.load(from: &r)
        #expect(r.isAtEnd && Self.snapshot(h) == Self.snapshot(g))
        // A truncated state is an error, not a crash.
        var short = StateReader(Array(w.bytes.dropLast(5)))
        #expect(throws: StateReader.Failure.self) { try h.load(from: &short) }
    }
}
