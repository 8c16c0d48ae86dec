import AgoraCompression
@testable import AgoraSocial
import Foundation
import Testing

/// True when `pairs` has no self-loops and no edge twice (in either direction).
func isSimple(_ pairs: [UInt32]) -> Bool {
    var seen = Set<UInt64>()
    for i in stride(from: 0, to: pairs.count, by: 2) {
        let a = pairs[i], b = pairs[i + 1]
        if a == b || !seen.insert(UInt64(min(a, b)) << 32 | UInt64(max(a, b))).inserted { return false }
    }
    return true
}

@Suite struct GeneratorTests {
    @Test func erdosRenyiHasTheExpectedNumberOfEdges() {
        let n = 4_000, p = 0.002
        let e = GraphGenerators.erdosRenyi(nodes: n, p: p, seed: 7)
        let expected = Double(n * (n - 1) / 2) * p  // 15,996; standard deviation ≈ 126
        #expect(abs(Double(e.count / 2) - expected) < 6 * 126)
        #expect(isSimple(e) && e.allSatisfy { Int($0) < n })
        #expect(e == GraphGenerators.erdosRenyi(nodes: n, p: p, seed: 7))
        #expect(e != GraphGenerators.erdosRenyi(nodes: n, p: p, seed: 8))
        #expect(GraphGenerators.erdosRenyi(nodes: 10, p: 1, seed: 1).count / 2 == 45)
        #expect(GraphGenerators.erdosRenyi(nodes: 10, p: 0, seed: 1).isEmpty)
    }

    @Test func wattsStrogatzKeepsItsEdgesAndClustersWhenBarelyRewired() {
        let e = GraphGenerators.wattsStrogatz(nodes: 3_000, k: 6, beta: 0.02, seed: 1)
        #expect(e.count / 2 == 3_000 * 3)
        #expect(isSimple(e))
        let g = e.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 3_000) }
        // The ring lattice's clustering is 0.6; a few rewired edges lower it a little.
        #expect(g.sampledClustering(samples: 3_000, seed: 1) > 0.5)
        let random = GraphGenerators.wattsStrogatz(nodes: 3_000, k: 6, beta: 1, seed: 1)
        let r = random.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 3_000) }
        #expect(r.sampledClustering(samples: 3_000, seed: 1) < 0.05)
    }

    @Test func blocksAreDenserInsideThanBetween() {
        let sizes = [400, 600]
        let e = GraphGenerators.stochasticBlock(sizes: sizes, p: [[0.05, 0.002], [0.002, 0.03]], seed: 4)
        #expect(isSimple(e))
        var inside = 0, between = 0
        for i in stride(from: 0, to: e.count, by: 2) { (e[i] < 400) == (e[i + 1] < 400) ? (inside += 1) : (between += 1) }
        // Expected: 0.05·C(400,2) + 0.03·C(600,2) ≈ 3,990 + 5,391; 0.002·400·600 = 480.
        #expect(abs(Double(inside) - 9_381) < 500)
        #expect(abs(Double(between) - 480) < 120)
    }

    @Test func configurationModelFollowsItsDegreesApproximately() {
        let degrees = GraphGenerators.powerLawDegrees(nodes: 5_000, exponent: 2.5, minDegree: 2, maxDegree: 200, seed: 2)
        #expect(degrees.reduce(0, +) % 2 == 0 && degrees.allSatisfy { (2...201).contains($0) })
        let e = GraphGenerators.configuration(degrees: degrees, seed: 2)
        #expect(isSimple(e))
        let g = e.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: 5_000) }
        // Erased self-loops and repeats remove only a small share of the stubs.
        #expect(Double(g.targets.count) > 0.95 * Double(degrees.reduce(0, +)))
        for v in 0..<5_000 { #expect(g.degree(v) <= degrees[v]) }
    }
}

@Suite struct TextEdgeListTests {
    func write(_ text: String, name: String = "edges.txt", compress: Bool = false) throws -> String {
        let dir = NSTemporaryDirectory() + "agora-text-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name + (compress ? ".zst" : "")
        var data = Data(text.utf8)
        if compress { data = try Zstd.compress(data) }
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func integerIdsAreKeptAndCommentsSkipped() throws {
        let path = try write("# a comment\n0 1\n1,2   # trailing comment\n\n3\t0\n")
        let e = try EdgeListLoader.load(path: path)
        #expect(e.pairs == [0, 1, 1, 2, 3, 0] && e.labels == nil)
    }

    @Test func labelsAreNumberedByFirstAppearanceAndCompressedFilesRead() throws {
        let path = try write("alice bob\nbob carol\ncarol alice\ndave -1\n", compress: true)
        let e = try EdgeListLoader.load(path: path)
        #expect(e.labels == ["alice", "bob", "carol", "dave", "-1"])
        #expect(e.pairs == [0, 1, 1, 2, 2, 0, 3, 4])
    }

    @Test func aMalformedLineIsNamed() throws {
        let path = try write("0 1\n1 2 3\n")
        #expect { try EdgeListLoader.load(path: path) } throws: {
            "\($0)" == "\(path):2: expected two node ids ('u v' or 'u,v'), got 3: 1 2 3"
        }
    }

    @Test func binaryRoundTripThroughTheWriter() throws {
        let pairs = BarabasiAlbert.edges(nodes: 500, m: 2, seed: 9)
        let path = try write("", name: "g.u32", compress: true)
        try EdgeListLoader.writeBinaryPairs(pairs, path: path)
        #expect(try EdgeListLoader.load(path: path).pairs == pairs)
    }
}
