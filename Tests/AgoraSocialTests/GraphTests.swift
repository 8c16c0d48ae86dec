import AgoraCompression
@testable import AgoraSocial
import Foundation
import Testing

@Suite struct CSRGraphTests {
    @Test func undirectedEdgesAppearAtBothEnds() {
        let pairs: [UInt32] = [0, 1, 0, 2, 2, 3, 3, 0]
        let g = pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0) }
        #expect(g.nodeCount == 4)
        #expect(g.edgeCount == 4)
        #expect(Array(g.neighbors(0)) == [1, 2, 3])
        #expect(Array(g.neighbors(3)) == [2, 0])
        #expect((0..<4).map(g.degree) == [3, 1, 2, 2])
        let padded = pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 6) }
        #expect(padded.nodeCount == 6 && padded.degree(5) == 0)
    }
}

@Suite struct BarabasiAlbertTests {
    @Test(arguments: [(10, 1), (1_000, 3), (20_000, 4)])
    func shapeMatchesTheConstruction(nodes: Int, m: Int) {
        let e = BarabasiAlbert.edges(nodes: nodes, m: m, seed: 42)
        #expect(e.count == 2 * m * (nodes - m))
        var perNode: [UInt32: Set<UInt32>] = [:]
        for i in stride(from: 0, to: e.count, by: 2) {
            let (u, v) = (e[i], e[i + 1])
            #expect(u != v, "self loop at \(u)")
            if u > UInt32(m) {
                #expect(v < u, "a new node links only to earlier nodes")
                #expect(perNode[u, default: []].insert(v).inserted, "duplicate edge \(u)–\(v)")
            }
        }
        let g = BarabasiAlbert.graph(nodes: nodes, m: m, seed: 42)
        let mean = Double(g.targets.count) / Double(nodes)
        #expect(abs(mean - 2 * Double(m) * Double(nodes - m) / Double(nodes)) < 1e-9)
    }

    @Test func seedDecidesTheGraph() {
        #expect(BarabasiAlbert.edges(nodes: 500, m: 2, seed: 1) == BarabasiAlbert.edges(nodes: 500, m: 2, seed: 1))
        #expect(BarabasiAlbert.edges(nodes: 500, m: 2, seed: 1) != BarabasiAlbert.edges(nodes: 500, m: 2, seed: 2))
    }

    @Test func preferentialAttachmentMakesHubs() {
        let g = BarabasiAlbert.graph(nodes: 50_000, m: 4, seed: 3)
        let maxDegree = (0..<g.nodeCount).map(g.degree).max()!
        // A BA hub grows like m·√n (here ~900); a uniform random graph's max degree would be ~20.
        #expect(maxDegree > 300)
    }
}

@Suite struct EdgeListLoaderTests {
    static func temporaryFile(_ data: Data) throws -> String {
        let path = NSTemporaryDirectory() + "agora-edges-\(UUID().uuidString).bin"
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    static let pairs: [UInt32] = [0, 1, 1, 2, 70_000, 3]
    static var bytes: Data { pairs.withUnsafeBytes { Data($0) } }

    @Test func readsRawAndCompressedPairs() throws {
        let raw = try Self.temporaryFile(Self.bytes)
        let packed = try Self.temporaryFile(try Zstd.compress(Self.bytes))
        defer { try? FileManager.default.removeItem(atPath: raw); try? FileManager.default.removeItem(atPath: packed) }
        #expect(try EdgeListLoader.loadBinaryPairs(path: raw) == Self.pairs)
        #expect(try EdgeListLoader.loadBinaryPairs(path: packed) == Self.pairs)
    }

    @Test func rejectsAPartialPairNamingTheFile() throws {
        let path = try Self.temporaryFile(Self.bytes.prefix(20))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try EdgeListLoader.loadBinaryPairs(path: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("20 bytes")
        }
    }

    @Test func rejectsAMissingFileAndATruncatedFrame() throws {
        #expect(throws: EdgeListLoader.LoadError.self) { try EdgeListLoader.loadBinaryPairs(path: "/nonexistent/agora.bin") }
        let frame = try Zstd.compress(Data(repeating: 7, count: 4_096))
        let path = try Self.temporaryFile(frame.prefix(frame.count - 3))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: EdgeListLoader.LoadError.self) { try EdgeListLoader.loadBinaryPairs(path: path) }
    }

    @Test func zstdRoundTrips() throws {
        var rng = SystemRandomNumberGenerator()
        let data = Data((0..<100_000).map { _ in UInt8.random(in: 0...3, using: &rng) })
        #expect(try Zstd.decompress(try Zstd.compress(data)) == data)
        #expect(try Zstd.decompress(try Zstd.compress(Data())) == Data())
    }
}

@Suite struct DegreeStatisticsTests {
    @Test func theFriendshipParadoxOnAHandWorkedStar() {
        // A star: centre 0 with leaves 1, 2, 3, plus an isolated node 4.
        let pairs: [UInt32] = [0, 1, 0, 2, 0, 3]
        let g = pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 5) }
        let s = DegreeStatistics(g)
        #expect(s.meanDegree == 6.0 / 5)
        // Neighbours' mean degree: centre 1, each leaf 3; the isolated node is left out.
        #expect(s.meanNeighborDegree == (1 + 3 + 3 + 3) / 4.0)
        // ⟨k²⟩/⟨k⟩ = (9 + 1 + 1 + 1 + 0) / 6.
        #expect(s.k2OverK == 12.0 / 6)
        #expect(s.histogram == [1, 3, 0, 1])
        #expect(s.maxDegree == 3)
        // The three leaves have better-connected friends than themselves; the centre and the
        // isolated node do not.
        #expect(s.paradoxShare == 3.0 / 5)
    }

    @Test func theGeneralizedParadoxOnAHandWorkedStar() {
        // The same star; the centre posts 10 times, each leaf once, the isolated node 50 times.
        let pairs: [UInt32] = [0, 1, 0, 2, 0, 3]
        let g = pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 5) }
        let posts: [Double] = [10, 1, 1, 1, 50]
        let p = AttributeParadox(g) { posts[$0] }
        #expect(p.nodes == 4, "the isolated node has no neighbours to compare with")
        #expect(p.meanValue == 13.0 / 4)
        #expect(p.meanNeighborValue == (1 + 10 + 10 + 10) / 4.0)
        #expect(p.shareBelowNeighbors == 3.0 / 4 && p.shareAboveNeighbors == 1.0 / 4)
        // Degrees (3, 1, 1, 1) and posts (10, 1, 1, 1) lie on one line.
        #expect(abs(p.degreeCorrelation - 1) < 1e-12)
        // Activity that falls with degree reverses the paradox.
        let reversed = AttributeParadox(g) { $0 == 0 ? 0 : 4 }
        #expect(reversed.shareAboveNeighbors == 3.0 / 4 && reversed.meanNeighborValue < reversed.meanValue)
        #expect(abs(reversed.degreeCorrelation + 1) < 1e-12)
        // A constant attribute: all ties, no correlation.
        let flat = AttributeParadox(g) { _ in 2 }
        #expect(flat.shareBelowNeighbors == 0 && flat.shareAboveNeighbors == 0 && flat.degreeCorrelation == 0)
    }
}

@Suite struct IgraphStyleBATests {
    @Test func structureMatchesTheConstruction() {
        let n = 20_000, m = 5
        let e = BarabasiAlbert.edges(nodes: n, m: m, seed: 3, variant: .igraph)
        #expect(e.count / 2 == m * (m + 1) / 2 + m * (n - m - 1))
        var perNode: [UInt32: Set<UInt32>] = [:]
        for i in stride(from: 0, to: e.count, by: 2) {
            #expect(e[i + 1] < e[i], "edges point to earlier nodes")
            #expect(perNode[e[i], default: []].insert(e[i + 1]).inserted, "no duplicate edges")
        }
        #expect(e == BarabasiAlbert.edges(nodes: n, m: m, seed: 3, variant: .igraph))
    }

    @Test func itsHubsAreLighterThanNetworkx() {
        let ig = DegreeStatistics(BarabasiAlbert.graph(nodes: 200_000, m: 5, seed: 1, variant: .igraph))
        let nx = DegreeStatistics(BarabasiAlbert.graph(nodes: 200_000, m: 5, seed: 1, variant: .networkx))
        #expect(abs(ig.meanDegree - 10) < 0.01 && abs(nx.meanDegree - 10) < 0.01)
        #expect(ig.k2OverK < nx.k2OverK)
        // Degree exponent 3 + 1/m: at this size ⟨k²⟩/⟨k⟩ lies well below networkx's.
        #expect(ig.k2OverK > 20 && ig.k2OverK < 35)
    }
}
