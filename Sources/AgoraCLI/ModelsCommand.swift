import AgoraModels
import ArgumentParser

extension AgoraCommand {
    /// `agora models`: the built-in models and their parameters.
    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the models, their agent kinds and parameters.")

        func run() {
            print(ModelsListing.text())
        }
    }
}

/// The text `agora models` prints; docs/scenario.md holds the same facts.
enum ModelsListing {
    static func text() -> String {
        var out: [String] = []
        for m in ModelRegistry.current.models {
            out.append("\(m.name) — \(m.summary)")
            var needs: [String] = []
            if m.needsNetwork { needs.append("a network section (count defaults to its node count)") }
            if m.usesExchange { needs.append("an exchange section") }
            if !needs.isEmpty { out.append("  needs " + needs.joined(separator: " and ")) }
            if m.network == .optional { out.append("  may run on a network section (one node per agent)") }
            if m.maxPopulations > 1 { out.append("  populations: up to \(m.maxPopulations), each of one kind") }
            for kind in m.agentKinds {
                out.append("  kind '\(kind.name)': \(kind.summary)")
                for p in kind.parameters {
                    let def = p.defaultValue.map { " (default \($0))" } ?? ""
                    let only = p.requirement.map { " — only on a \($0.rawValue)" } ?? ""
                    out.append("    \(p.name): \(p.type.phrase)\(def)\(only)")
                    out.append("        \(p.help)")
                }
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
