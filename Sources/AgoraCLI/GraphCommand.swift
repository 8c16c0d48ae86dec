import AgoraCore
import AgoraRuntime
import AgoraScenario
import AgoraSocial
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora graph`: generate networks and measure them.
    struct Graph: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate networks and measure them (degrees, the friendship paradox, clustering).",
            subcommands: [Generate.self, Stats.self])
    }
}

extension AgoraCommand.Graph {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a seeded random network and write it as an edge list.",
            discussion: """
            Models: ba (Barabási–Albert as networkx builds it), ba-igraph (as igraph's default builds it), \
            er (Erdős–Rényi G(n, p)), ws (Watts–Strogatz), sbm (stochastic block model), config \
            (configuration model on a power-law degree sequence). The output is binary u32 pairs \
            (.u32, or .u32.zst compressed) or text (.txt, one `u v` per line). The same seed gives the \
            same network.
            """)

        @Option(help: "ba, ba-igraph, er, ws, sbm or config.") var model: String
        @Option(help: "Nodes (sbm: the sum of --blocks).") var nodes: Int?
        @Option(help: "ba: edges per new node.") var m: Int?
        @Option(help: "er: edge probability (or give --mean-degree).") var p: Double?
        @Option(help: "er: the mean degree, instead of --p.") var meanDegree: Double?
        @Option(help: "ws: neighbours in the ring (even).") var k: Int?
        @Option(help: "ws: rewiring probability.") var beta: Double?
        @Option(help: "sbm: block sizes, comma-separated.") var blocks: String?
        @Option(help: "sbm: edge probability inside a block.") var pIn: Double?
        @Option(help: "sbm: edge probability between blocks.") var pOut: Double?
        @Option(help: "config: power-law exponent of the degrees.") var exponent: Double = 2.5
        @Option(help: "config: smallest degree.") var minDegree: Int = 2
        @Option(help: "config: largest degree.") var maxDegree: Int = 1_000
        @Option(help: "Seed.") var seed: UInt64 = 1
        @Option(help: "Output file: .u32, .u32.zst or .txt.") var out: String
        @Flag(help: "Generate even when the memory estimate is above what the machine has available.") var noMemoryCheck = false

        func validate() throws {
            let name = out.hasSuffix(".zst") ? String(out.dropLast(4)) : out
            let ext = (name as NSString).pathExtension
            guard ext == "txt" || ext == "u32" || ext == "bin" || (ext.isEmpty && !out.hasSuffix(".zst")) else {
                throw ValidationError("--out \(out): name the file for what is written: .txt (text) or .u32 / .u32.zst (binary u32 pairs)")
            }
            guard ext != "txt" || !out.hasSuffix(".zst") else { throw ValidationError("--out \(out): text is written uncompressed; use .txt") }
            guard ["ba", "ba-igraph", "er", "ws", "sbm", "config"].contains(model) else {
                throw ValidationError("unknown model '\(model)'; choose ba, ba-igraph, er, ws, sbm or config")
            }
            if model != "sbm" { guard let n = nodes, n >= 2 else { throw ValidationError("--nodes must be at least 2") } }
            switch model {
            case "ba", "ba-igraph":
                guard let m, m >= 1, m < nodes! else { throw ValidationError("--m must be at least 1 and below --nodes") }
            case "er":
                guard (p ?? meanDegree) != nil else { throw ValidationError("er needs --p or --mean-degree") }
                guard p == nil || meanDegree == nil else { throw ValidationError("er takes --p or --mean-degree, not both") }
                if let p, !(0...1).contains(p) { throw ValidationError("--p must lie in [0, 1]") }
            case "ws":
                guard let k, k >= 2, k % 2 == 0, k < nodes! else { throw ValidationError("--k must be even, at least 2 and below --nodes") }
                guard let beta, (0...1).contains(beta) else { throw ValidationError("--beta must lie in [0, 1]") }
            case "sbm":
                guard let sizes = blocks?.split(separator: ",").map({ Int($0) }), !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                    throw ValidationError("--blocks must list positive block sizes, e.g. 500,500")
                }
                guard let pIn, let pOut, (0...1).contains(pIn), (0...1).contains(pOut) else {
                    throw ValidationError("sbm needs --p-in and --p-out in [0, 1]")
                }
            default:
                guard minDegree >= 1, maxDegree >= minDegree, exponent > 1 else {
                    throw ValidationError("config needs --min-degree ≥ 1, --max-degree ≥ --min-degree and --exponent > 1")
                }
            }
            // Each generator's domain, as a scenario's network section is checked (`GraphDomain`).
            let problem: GraphDomain.Problem?
            switch spec {
            case .barabasiAlbert(let n, let m, _, _): problem = GraphDomain.barabasiAlbert(nodes: n, m: m)
            case .erdosRenyi(let n, let p, _): problem = GraphDomain.erdosRenyi(nodes: n, p: p)
            case .wattsStrogatz(let n, let k, let beta, _): problem = GraphDomain.wattsStrogatz(nodes: n, k: k, beta: beta)
            case .stochasticBlock(let sizes, let pIn, let pOut, _): problem = GraphDomain.stochasticBlock(sizes: sizes, pIn: pIn, pOut: pOut)
            case .configuration(let n, let exponent, let lo, let hi, _):
                problem = GraphDomain.configuration(nodes: n, exponent: exponent, minDegree: lo, maxDegree: min(hi, n - 1))
            case .file: problem = nil
            }
            if let problem {
                let flag = ["p_in": "--p-in", "p_out": "--p-out", "min_degree": "--min-degree", "max_degree": "--max-degree", "blocks": "--blocks"]
                throw ValidationError("\(flag[problem.field] ?? "--" + problem.field): \(problem.message)")
            }
            // The memory the network takes, before anything is allocated (as `World.assemble` does).
            if !noMemoryCheck, let available = MemoryEstimate.availableBytes() {
                let part = MemoryEstimate.network(spec)
                if part.bytes > available {
                    let flag = ["network.nodes": "--nodes", "network.p": p == nil ? "--mean-degree" : "--p", "network.k": "--k", "network.sizes": "--blocks"]
                    throw ValidationError("\(flag[part.field] ?? "--nodes"): the network needs about \(MemoryEstimate.show(part.bytes)); this machine has "
                                          + "\(MemoryEstimate.show(available)) available. Make it smaller, or pass --no-memory-check to try anyway")
                }
            }
        }

        /// The flags as the network a scenario would name (once `validate` has checked they are there).
        var spec: NetworkSpec {
            let n = nodes ?? 0
            switch model {
            case "ba", "ba-igraph": return .barabasiAlbert(nodes: n, m: m!, seed: seed, igraph: model == "ba-igraph")
            case "er": return .erdosRenyi(nodes: n, p: p ?? min(1, meanDegree! / Double(max(1, n - 1))), seed: seed)
            case "ws": return .wattsStrogatz(nodes: n, k: k!, beta: beta!, seed: seed)
            case "sbm": return .stochasticBlock(sizes: blocks!.split(separator: ",").map { Int($0)! }, pIn: pIn!, pOut: pOut!, seed: seed)
            default: return .configuration(nodes: n, exponent: exponent, minDegree: minDegree, maxDegree: maxDegree, seed: seed)
            }
        }

        func run() throws {
            let start = ProcessClock()
            var n = nodes ?? 0
            let pairs: [UInt32]
            switch model {
            case "ba": pairs = BarabasiAlbert.edges(nodes: n, m: m!, seed: seed)
            case "ba-igraph": pairs = BarabasiAlbert.edges(nodes: n, m: m!, seed: seed, variant: .igraph)
            case "er": pairs = GraphGenerators.erdosRenyi(nodes: n, p: p ?? min(1, meanDegree! / Double(n - 1)), seed: seed)
            case "ws": pairs = GraphGenerators.wattsStrogatz(nodes: n, k: k!, beta: beta!, seed: seed)
            case "sbm":
                let sizes = blocks!.split(separator: ",").map { Int($0)! }
                n = sizes.reduce(0, +)
                let matrix = sizes.indices.map { i in sizes.indices.map { j in i == j ? pIn! : pOut! } }
                pairs = GraphGenerators.stochasticBlock(sizes: sizes, p: matrix, seed: seed)
            default:
                let degrees = GraphGenerators.powerLawDegrees(nodes: n, exponent: exponent, minDegree: minDegree,
                                                              maxDegree: min(maxDegree, n - 1), seed: seed)
                pairs = GraphGenerators.configuration(degrees: degrees, seed: seed)
            }
            let generated = start.elapsed
            do {
                if out.hasSuffix(".txt") {
                    var text = "# agora graph generate --model \(model) --nodes \(n) --seed \(seed)\n"
                    text.reserveCapacity(pairs.count * 8)
                    var i = 0
                    while i < pairs.count { text += "\(pairs[i]) \(pairs[i + 1])\n"; i += 2 }
                    try Data(text.utf8).write(to: URL(fileURLWithPath: out))
                } else {
                    try EdgeListLoader.writeBinaryPairs(pairs, path: out)
                }
            } catch {
                printError("error: \(error)")
                throw Exit.failure
            }
            print("\(out): \(grouped(n)) nodes, \(grouped(pairs.count / 2)) edges (generated in \(String(format: "%.2f", generated)) s)")
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure a network file: degrees, the friendship paradox, clustering.",
            discussion: """
            Reads binary u32 pairs or a text edge list (optionally .zst); the graph is taken as undirected and simple: \
            self-loops are dropped and a repeated edge counts once (how many of each is reported).
            """)

        @Argument(help: "The edge-list file.") var file: String
        @Flag(help: "One JSON object.") var json = false
        @Option(help: "Nodes sampled for the clustering coefficient.") var clusteringSamples = 10_000

        func run() throws {
            let edges: EdgeListLoader.TextEdges
            do { edges = try EdgeListLoader.load(path: file) } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            // Measured as a simple graph: a self-loop is dropped and a repeated edge counts once.
            let simple = EdgeListLoader.simple(edges.pairs)
            let nodes = edges.labels?.count ?? ((edges.pairs.max().map { Int($0) + 1 }) ?? 0)
            let g = simple.pairs.withUnsafeBufferPointer { CSRGraph.undirected(edges: $0, nodeCount: nodes) }
            let s = DegreeStatistics(g)
            var j = JSONLine()
            j.set("file", file)
            j.set("self_loops_dropped", simple.selfLoops)
            j.set("repeated_edges_dropped", simple.repeats)
            for (key, value) in s.json.fields { j.set(key, value) }
            j.set("clustering", g.sampledClustering(samples: clusteringSamples, seed: 1))
            j.set("bytes_per_edge", s.edges == 0 ? 0 : Double(g.byteCount) / Double(s.edges))
            if json { print(j.text); return }
            for (key, value) in j.fields { print("\(key.padding(toLength: 21, withPad: " ", startingAt: 0)) \(JSONLine.render(value))") }
            print("friendship paradox: a random friend has \(String(format: "%.2f", s.meanNeighborDegree / max(s.meanDegree, 1e-12)))× the friends of a random node")
        }
    }
}
