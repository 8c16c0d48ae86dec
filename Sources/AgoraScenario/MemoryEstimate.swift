import AgoraSocial
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// About how much memory a scenario's world takes, worked out from the scenario alone, before
/// anything is allocated: the network (its adjacency as the generator builds it, and the copies
/// the model keeps), the agents' columns (`ModelDescriptor.bytesPerAgent`), and the engine's
/// mailboxes (one per pair of shards). `World.assemble` refuses a world that would not fit the
/// machine's memory, naming the field that makes it big; `agora validate` prints the figure.
/// It is an estimate — within a factor of about two of what the built world holds (the test
/// checks the shipped scenarios) — not an accounting.
public struct MemoryEstimate: Sendable, Hashable {
    /// Each part: what it is, the scenario field that decides it, and its bytes.
    public var parts: [Part] = []

    public struct Part: Sendable, Hashable {
        public var what: String
        public var field: String
        public var bytes: Double
    }

    public var bytes: Double { parts.reduce(0) { $0 + $1.bytes } }

    /// The part that weighs most.
    public var largest: Part? { parts.max { $0.bytes < $1.bytes } }

    /// "2.6 GB", "340 MB".
    public static func show(_ bytes: Double) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var v = bytes, u = 0
        while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(Int(v)) bytes" : String(format: v < 10 ? "%.1f %@" : "%.0f %@", v, units[u])
    }

    /// "about 2.6 GB (network 1.1 GB, agents 1.5 GB)".
    public var description: String {
        "about \(Self.show(bytes)) (" + parts.filter { $0.bytes >= 1 }.map { "\($0.what) \(Self.show($0.bytes))" }.joined(separator: ", ") + ")"
    }

    /// A network's nodes and edges as its generator will make them (a file's: from its size, ids
    /// being unknown until read), and the field that decides them.
    public static func size(of spec: NetworkSpec) -> (nodes: Double, edges: Double, field: String) {
        switch spec {
        case .barabasiAlbert(let n, let m, _, _):
            return (Double(n), Double(n) * Double(m), "network.nodes")
        case .erdosRenyi(let n, let p, _):
            return (Double(n), p * Double(n) * Double(max(0, n - 1)) / 2, "network.p")
        case .wattsStrogatz(let n, let k, _, _):
            return (Double(n), Double(n) * Double(k) / 2, "network.k")
        case .stochasticBlock(let sizes, let pIn, let pOut, _):
            let total = sizes.reduce(0.0) { $0 + Double($1) }
            let inside = sizes.reduce(0.0) { $0 + Double($1) * Double(max(0, $1 - 1)) / 2 }
            return (total, pIn * inside + pOut * (total * (total - 1) / 2 - inside), "network.sizes")
        case .configuration(let n, _, let minDegree, _, _):
            // A power law's mean degree is a small multiple of its minimum.
            return (Double(n), Double(n) * Double(minDegree) * 1.5, "network.nodes")
        case .file(let path, _):
            // Binary pairs are 8 bytes an edge, text lines at least 4.
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
            return (bytes / 8, bytes / 8, "network.file")
        }
    }

    /// The network's part: its CSR (offsets, 8 bytes a node; both directions of every edge, 4
    /// bytes each) `copies` times, and the edge list (8 bytes an edge) it is built from.
    public static func network(_ spec: NetworkSpec, copies: Int = 1) -> Part {
        let (nodes, edges, field) = size(of: spec)
        return Part(what: "network", field: field, bytes: (8 * nodes + 8 * edges) * Double(max(1, copies)) + 8 * edges)
    }

    /// The memory this process can have: the machine's MemAvailable (/proc/meminfo), or less when
    /// the process's address-space limit (`ulimit -v`) or its cgroup's `memory.max` says so; nil
    /// where none of them is known.
    public static func availableBytes() -> Double? {
        var limits: [Double] = []
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                if let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) { limits.append(kb * 1024) }
            }
        }
        var address = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &address) == 0, address.rlim_cur != rlim_t.max { limits.append(Double(address.rlim_cur)) }
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let bytes = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            limits.append(bytes)
        }
        return limits.min()
    }
}

extension Scenario {
    /// The world's memory, estimated from this scenario (see `MemoryEstimate`), for `threads` threads.
    public func memoryEstimate(threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> MemoryEstimate {
        var e = MemoryEstimate()
        let (nodes, _, field) = network.map(MemoryEstimate.size) ?? (0, 0, "network")
        if let spec = network { e.parts.append(MemoryEstimate.network(spec, copies: model.networkCopies)) }
        let given = populations.reduce(0.0) { $0 + Double($1.count ?? 0) }
        let agents = network == nil ? given : max(given, nodes)
        let largest = populations.indices.max { (populations[$0].count ?? 0) < (populations[$1].count ?? 0) }
        let agentField = network != nil && given < nodes ? field : largest.map { "\(populations[$0].path).count" } ?? "agents"
        e.parts.append(.init(what: "agents", field: agentField, bytes: agents * Double(model.bytesPerAgent)))
        let shards = Double(engine.shards ?? World.shardCount(agents: Int(min(agents, 1e15)), fixed: nil, threads: threads))
        e.parts.append(.init(what: "mailboxes", field: "engine.shards", bytes: shards * shards * 128))
        return e
    }
}
