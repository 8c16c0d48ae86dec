import AgoraEngine
import AgoraLLM
import AgoraModels
import AgoraSocial
import Foundation
import Yams

// The sections of a scenario besides its top level: its populations, its log, its network.
extension NodeReader {
    mutating func population(_ node: Node, _ path: String, model: ModelDescriptor?, network: Bool) -> Population? {
        guard let m = mapping(node, path, allowed: ["kind", "count", "params"]) else { return nil }
        note(node, path)
        var kind: String?
        var kindSpec: AgentKindDescriptor?
        let kindNames = model?.agentKinds.map(\.name) ?? []
        if let k = m["kind"] {
            kind = string(k, "\(path).kind")
            if let kindName = kind, let model {
                kindSpec = model.kind(kindName)
                if kindSpec == nil {
                    let hint = closest(kindName, in: kindNames).map { "; did you mean '\($0)'?" } ?? ""
                    fail(k, "\(path).kind", kindNames.count == 1
                         ? "the \(model.name) model runs agents of kind '\(kindNames[0])', not '\(kindName)'"
                         : "the \(model.name) model has no agent kind '\(kindName)'\(hint); kinds: \(kindNames.joined(separator: ", "))")
                    kind = nil
                }
            }
        } else {
            fail(node, "\(path).kind", "missing; the agent kind\(model.map { " (\($0.agentKinds.map(\.name).joined(separator: ", ")) for \($0.name))" } ?? "")")
        }
        var count: Int?
        var countOK = true
        if let c = m["count"] {
            count = integer(c, "\(path).count", min: 1, max: Int(UInt32.max))
            countOK = count != nil
        } else if model?.needsNetwork == false {
            fail(node, "\(path).count", "missing; how many agents")
            countOK = false
        }
        var params: [String: ParameterValue] = [:]
        var paramsOK = true
        if let kindSpec {
            for spec in kindSpec.parameters { if let d = spec.defaultValue { params[spec.name] = d } }
            if let p = m["params"] {
                if let pm = mapping(p, "\(path).params", allowed: kindSpec.parameters.map(\.name)) {
                    note(p, "\(path).params")
                    for (key, value) in pm {
                        guard let keyName = key.string, let spec = kindSpec.parameters.first(where: { $0.name == keyName }) else {
                            paramsOK = false
                            continue
                        }
                        if spec.requirement == .network && !network {
                            fail(value, "\(path).params.\(keyName)", "only means something on a network; add a `network` section (one node per trader)")
                            paramsOK = false
                            continue
                        }
                        if let v = parameter(value, "\(path).params.\(keyName)", spec) { params[keyName] = v } else { paramsOK = false }
                    }
                } else {
                    paramsOK = false
                }
            }
        }
        guard let kind, countOK, paramsOK else { return nil }
        return Population(kind: kind, count: count, params: params, path: path)
    }

    mutating func logSection(_ node: Node, _ path: String) -> LogSettings? {
        guard let m = mapping(node, path, allowed: ["enabled", "kinds", "exclude"]) else { return nil }
        note(node, path)
        var settings = LogSettings()
        if let e = m["enabled"], let v = flag(e, "\(path).enabled") { settings.enabled = v }
        if let x = m["exclude"] {
            if case .sequence(let seq) = x {
                for (i, item) in seq.enumerated() { if let name = string(item, "\(path).exclude[\(i)]") { settings.exclude.append(name) } }
            } else {
                fail(x, "\(path).exclude", "expected a list of event kind names, got \(Self.describe(x))")
            }
        }
        if let k = m["kinds"], case .mapping(let km) = k {
            note(k, "\(path).kinds")
            for (key, value) in km {
                guard let name = key.string else { continue }
                let kp = "\(path).kinds.\(name)"
                guard let rm = mapping(value, kp, allowed: ["every", "sample"]) else { continue }
                note(value, kp)
                let every = rm["every"].flatMap { integer($0, "\(kp).every", min: 1) } ?? 1
                let sample = rm["sample"].flatMap { number($0, "\(kp).sample", min: 0, max: 1, phrase: "a share in 0...1") } ?? 1
                settings.rules[name] = LogPolicy.Rule(every: every, sample: sample)
            }
        } else if let k = m["kinds"] {
            fail(k, "\(path).kinds", "expected a mapping of event kind names to {every, sample}, got \(Self.describe(k))")
        }
        return settings
    }

    mutating func networkSpec(_ node: Node, _ path: String, scenarioSeed: UInt64, sourcePath: String) -> NetworkSpec? {
        let keys = ["generator", "nodes", "m", "variant", "p", "mean_degree", "k", "beta", "blocks", "p_in", "p_out", "exponent",
                    "min_degree", "max_degree", "seed", "file", "format"]
        guard let m = mapping(node, path, allowed: keys) else { return nil }
        note(node, path)
        if let f = m["file"] {
            for extra in keys where !["file", "format"].contains(extra) && m[extra] != nil {
                fail(m[extra], "\(path).\(extra)", "not used with network.file; a network is either generated or loaded")
            }
            guard let file = string(f, "\(path).file") else { return nil }
            let bare = file.hasSuffix(".zst") ? String(file.dropLast(4)) : file
            var format = [".txt", ".csv", ".tsv", ".edges"].contains(where: { bare.hasSuffix($0) }) ? "text" : "u32"
            if let fm = m["format"], let v = string(fm, "\(path).format") {
                guard v == "u32" || v == "text" else {
                    fail(fm, "\(path).format", "unknown format '\(v)'; supported: u32 (little-endian u32 pairs), text (u v per line); either may be zstd-compressed")
                    return nil
                }
                format = v
            }
            let base = (sourcePath as NSString).deletingLastPathComponent
            let resolved = file.hasPrefix("/") || base.isEmpty ? file : (base as NSString).appendingPathComponent(file)
            return .file(path: resolved, format: format)
        }
        guard let g = m["generator"] else {
            fail(node, path, "give either `file` (an edge list) or `generator` (ba, er, ws, sbm, config)")
            return nil
        }
        guard let generator = string(g, "\(path).generator") else { return nil }
        if let fm = m["format"] { fail(fm, "\(path).format", "only used with network.file") }
        var seed = scenarioSeed
        if let s = m["seed"], let v = integer(s, "\(path).seed", min: 0) { seed = UInt64(v) }
        func required(_ key: String, _ why: String) -> Node? {
            if m[key] == nil { fail(node, "\(path).\(key)", "missing; \(why)") }
            return m[key]
        }
        /// Whether the generator's parameters are in its domain (`GraphDomain`); if not, the field to blame fails.
        func inDomain(_ problem: GraphDomain.Problem?) -> Bool {
            guard let problem else { return true }
            fail(m[problem.field] ?? node, "\(path).\(problem.field)", problem.message)
            return false
        }
        func unused(_ allowed: [String]) {
            for key in keys where m[key] != nil && !(["generator", "seed"] + allowed).contains(key) {
                fail(m[key], "\(path).\(key)", "not used by the \(generator) generator")
            }
        }
        switch generator {
        case "ba", "barabasi_albert":
            unused(["nodes", "m", "variant"])
            let nodes = required("nodes", "how many nodes to generate").flatMap { integer($0, "\(path).nodes", min: 2, max: Int(UInt32.max) - 1) }
            let links = required("m", "edges each new node makes").flatMap { integer($0, "\(path).m", min: 1, max: 1_000) }
            var igraph = false
            if let v = m["variant"], let name = string(v, "\(path).variant") {
                guard name == "networkx" || name == "igraph" else {
                    fail(v, "\(path).variant", "expected networkx or igraph, got \"\(name)\"")
                    return nil
                }
                igraph = name == "igraph"
            }
            guard let nodes, let links else { return nil }
            if links >= nodes {
                fail(m["m"], "\(path).m", "must be smaller than nodes (\(nodes)), got \(links)")
                return nil
            }
            guard inDomain(GraphDomain.barabasiAlbert(nodes: nodes, m: links)) else { return nil }
            return .barabasiAlbert(nodes: nodes, m: links, seed: seed, igraph: igraph)
        case "er", "erdos_renyi":
            unused(["nodes", "p", "mean_degree"])
            guard let nodes = required("nodes", "how many nodes to generate").flatMap({ integer($0, "\(path).nodes", min: 2, max: Int(UInt32.max) - 1) })
            else { return nil }
            if let pn = m["p"], let kn = m["mean_degree"] {
                fail(kn, "\(path).mean_degree", "give p or mean_degree, not both (p is given at line \((pn.mark?.line).map(String.init) ?? "?"))")
                return nil
            }
            if let pn = m["p"], let p = number(pn, "\(path).p", min: 0, max: 1, phrase: "a probability in 0...1") {
                guard inDomain(GraphDomain.erdosRenyi(nodes: nodes, p: p)) else { return nil }
                return .erdosRenyi(nodes: nodes, p: p, seed: seed)
            }
            if let kn = m["mean_degree"], let k = number(kn, "\(path).mean_degree", min: 0, max: Double(nodes - 1), phrase: "a mean degree in 0...\(nodes - 1)") {
                if let problem = GraphDomain.erdosRenyi(nodes: nodes, p: k / Double(nodes - 1)) {
                    fail(kn, "\(path).mean_degree", problem.message)
                    return nil
                }
                return .erdosRenyi(nodes: nodes, p: k / Double(nodes - 1), seed: seed)
            }
            if m["p"] == nil && m["mean_degree"] == nil { fail(node, "\(path).p", "missing; give p or mean_degree") }
            return nil
        case "ws", "watts_strogatz":
            unused(["nodes", "k", "beta"])
            let nodes = required("nodes", "how many nodes to generate").flatMap { integer($0, "\(path).nodes", min: 3, max: Int(UInt32.max) - 1) }
            let k = required("k", "ring neighbours per node (even)").flatMap { integer($0, "\(path).k", min: 2) }
            let beta = required("beta", "the rewiring probability").flatMap { number($0, "\(path).beta", min: 0, max: 1, phrase: "a probability in 0...1") }
            guard let nodes, let k, let beta else { return nil }
            guard k % 2 == 0, k < nodes else {
                fail(m["k"], "\(path).k", "must be even and below nodes (\(nodes)), got \(k)")
                return nil
            }
            guard inDomain(GraphDomain.wattsStrogatz(nodes: nodes, k: k, beta: beta)) else { return nil }
            return .wattsStrogatz(nodes: nodes, k: k, beta: beta, seed: seed)
        case "sbm", "stochastic_block":
            unused(["blocks", "p_in", "p_out"])
            var sizes: [Int] = []
            if let b = required("blocks", "the block sizes, e.g. [5000, 5000]") {
                if case .sequence(let seq) = b, !seq.isEmpty {
                    for (i, item) in seq.enumerated() { if let v = integer(item, "\(path).blocks[\(i)]", min: 1) { sizes.append(v) } }
                } else {
                    fail(b, "\(path).blocks", "expected a list of block sizes, got \(Self.describe(b))")
                }
            }
            let pIn = required("p_in", "the edge probability inside a block").flatMap { number($0, "\(path).p_in", min: 0, max: 1, phrase: "a probability in 0...1") }
            let pOut = required("p_out", "the edge probability between blocks").flatMap { number($0, "\(path).p_out", min: 0, max: 1, phrase: "a probability in 0...1") }
            guard let pIn, let pOut, !sizes.isEmpty, inDomain(GraphDomain.stochasticBlock(sizes: sizes, pIn: pIn, pOut: pOut)) else { return nil }
            return .stochasticBlock(sizes: sizes, pIn: pIn, pOut: pOut, seed: seed)
        case "config", "configuration":
            unused(["nodes", "exponent", "min_degree", "max_degree"])
            let nodes = required("nodes", "how many nodes to generate").flatMap { integer($0, "\(path).nodes", min: 2, max: Int(UInt32.max) - 1) }
            let exponent = m["exponent"].flatMap { number($0, "\(path).exponent", min: 1.0000001, max: 10, phrase: "an exponent above 1") } ?? 2.5
            let minDegree = m["min_degree"].flatMap { integer($0, "\(path).min_degree", min: 1) } ?? 2
            let maxDegree = m["max_degree"].flatMap { integer($0, "\(path).max_degree", min: 1) } ?? 1_000
            guard let nodes else { return nil }
            // A max_degree above nodes − 1 is held there; a min_degree above it cannot be.
            if let problem = GraphDomain.configuration(nodes: nodes, exponent: exponent, minDegree: minDegree, maxDegree: max(minDegree, min(maxDegree, nodes - 1))),
               problem.field == "min_degree" {
                _ = inDomain(problem)
                return nil
            }
            guard maxDegree >= minDegree else {
                if let given = m["max_degree"] {
                    fail(given, "\(path).max_degree", "must be at least min_degree (\(minDegree))")
                } else {
                    fail(m["min_degree"], "\(path).min_degree", "\(minDegree) is above max_degree (\(maxDegree) unless given)")
                }
                return nil
            }
            guard inDomain(GraphDomain.configuration(nodes: nodes, exponent: exponent, minDegree: minDegree,
                                                     maxDegree: min(maxDegree, nodes - 1))) else { return nil }
            return .configuration(nodes: nodes, exponent: exponent, minDegree: minDegree, maxDegree: min(maxDegree, nodes - 1), seed: seed)
        default:
            fail(g, "\(path).generator", "unknown generator '\(generator)'; supported: ba, er, ws, sbm, config")
            return nil
        }
    }
}
