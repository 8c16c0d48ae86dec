import AgoraCore
@testable import AgoraSocial
import Testing

/// A graph cut into the row ranges of several processes holds, between the parts, exactly the
/// whole graph's rows, and follow batches given whole to every part leave the parts equal to the
/// whole graph after the same batches.
@Suite struct PartitionTests {
    static let cuts = [0, 137, 138, 600, 1_000]

    static func rowsOf(_ g: CSRGraph, _ nodes: Range<Int>) -> [[UInt32]] { nodes.map { Array(g.neighbors($0)) } }

    @Test func partialRowsAreTheWholeGraphsRows() {
        let edges = BarabasiAlbert.edges(nodes: 1_000, m: 3, seed: 5, variant: .networkx)
        let whole = edges.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 1_000) }
        var stored = 0
        for (lo, hi) in zip(Self.cuts, Self.cuts.dropFirst()) {
            let part = edges.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 1_000, rows: lo..<hi) }
            let cut = whole.restricted(to: lo..<hi)
            #expect(part.rows == lo..<hi && part.nodeCount == 1_000 && !part.isWhole == (hi - lo < 1_000))
            #expect(Self.rowsOf(part, lo..<hi) == Self.rowsOf(whole, lo..<hi))
            #expect(Self.rowsOf(cut, lo..<hi) == Self.rowsOf(whole, lo..<hi))
            #expect(part.byteCount == cut.byteCount)
            stored += part.targets.count
            // A part of a part.
            if hi - lo > 2 {
                let inner = cut.restricted(to: lo + 1 ..< hi - 1)
                #expect(Self.rowsOf(inner, lo + 1 ..< hi - 1) == Self.rowsOf(whole, lo + 1 ..< hi - 1))
            }
        }
        #expect(stored == whole.targets.count, "the parts hold every stored edge end once")
        #expect(whole.restricted(to: 0..<1_000) === whole)
    }

    /// The paradox's integer sums over parts add up to the whole graph's exactly, survive being
    /// sent, and give the figures the floating-point walk gives.
    @Test func paradoxSumsOverPartsAddUpToTheWhole() throws {
        let edges = BarabasiAlbert.edges(nodes: 1_000, m: 3, seed: 8, variant: .networkx)
        let whole = edges.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 1_000) }
        let value = { (v: Int) -> Int64 in Int64((v &* 7919) % 13) }
        let all = AttributeParadox.Sums(whole, value: value)
        var added = AttributeParadox.Sums()
        for (lo, hi) in zip(Self.cuts, Self.cuts.dropFirst()).reversed() {
            let part = edges.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 1_000, rows: lo..<hi) }
            var w = StateWriter()
            AttributeParadox.Sums(part, value: value).write(to: &w)
            var r = StateReader(w.bytes)
            added.add(try AttributeParadox.Sums(from: &r))
            #expect(r.isAtEnd)
        }
        #expect(added == all)
        let exact = AttributeParadox(all), walked = AttributeParadox(whole) { Double(value($0)) }
        #expect(exact.nodes == walked.nodes && exact.shareBelowNeighbors == walked.shareBelowNeighbors
                && exact.shareAboveNeighbors == walked.shareAboveNeighbors && exact.meanValue == walked.meanValue)
        #expect(abs(exact.meanNeighborValue - walked.meanNeighborValue) < 1e-9 && abs(exact.degreeCorrelation - walked.degreeCorrelation) < 1e-9)
    }

    @Test func partsFollowTheSameBatchesAsTheWhole() throws {
        let n = 1_000
        let network = BarabasiAlbert.graph(nodes: n, m: 2, seed: 11)
        let whole = FollowGraph(network)
        let parts = zip(Self.cuts, Self.cuts.dropFirst()).map { FollowGraph(network.restricted(to: $0 ..< $1)) }
        let cutLater = whole.restricted(to: 138..<600)
        var rng = SplitMix64(seed: 3)
        for _ in 0..<20 {
            var batch: [FollowGraph.Change] = []
            for _ in 0..<Int(rng.next() % 300) {
                batch.append(.init(followee: UInt32(rng.next() % UInt64(n)), follower: UInt32(rng.next() % UInt64(n)), follow: rng.next() % 3 != 0))
            }
            var copy = batch
            let total = whole.apply(&copy)
            var added = 0, removed = 0
            for p in parts + [cutLater] {
                copy = batch
                let r = p.apply(&copy)
                if p !== cutLater { added += r.added; removed += r.removed }
            }
            #expect(added == total.added && removed == total.removed, "each change lands in exactly one part")
        }
        var edges = 0
        for (p, (lo, hi)) in zip(parts, zip(Self.cuts, Self.cuts.dropFirst())) {
            for v in lo..<hi { #expect(Array(p.followers(of: v)) == Array(whole.followers(of: v))) }
            edges += p.edgeCount
            // A part saves and loads its own rows.
            var w = StateWriter()
            p.save(to: &w)
            let fresh = FollowGraph(network.restricted(to: lo..<hi))
            var r = StateReader(w.bytes)
            try fresh.load(from: &r)
            for v in lo..<hi { #expect(Array(fresh.followers(of: v)) == Array(p.followers(of: v))) }
        }
        for v in 138..<600 { #expect(Array(cutLater.followers(of: v)) == Array(whole.followers(of: v))) }
        #expect(edges == whole.edgeCount)
    }
}
