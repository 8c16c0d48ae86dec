import AgoraCore
import AgoraModels
import ArgumentParser

extension AgoraCommand {
    /// `agora models`: the built-in models and their parameters.
    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the models, their agent kinds and parameters.")

        @Flag(help: "One JSON object: every model, its kinds and their parameters (type, range, default, help).")
        var json = false

        func run() {
            print(json ? ModelsListing.json().text : ModelsListing.text())
        }
    }
}

/// The text `agora models` prints; docs/scenario.md holds the same facts.
enum ModelsListing {
    /// `agora models --json`: `{"models": [{"name", "summary", "network", "exchange", "llm",
    /// "max_populations", "kinds": [{"name", "summary", "parameters": [{"name", "type", "min", "max",
    /// "choices", "default", "optional", "only_with", "help"}]}]}]}`.
    static func json() -> JSONLine {
        let models: [JSONLine.Value] = ModelRegistry.current.models.map { m in
            var j = JSONLine()
            j.set("name", m.name)
            j.set("summary", m.summary)
            j.set("network", m.network == .none ? "none" : m.network == .optional ? "optional" : "required")
            j.set("exchange", m.usesExchange)
            j.set("llm", m.usesLLM)
            j.set("max_populations", m.maxPopulations)
            let kinds: [JSONLine.Value] = m.agentKinds.map { k in
                var kj = JSONLine()
                kj.set("name", k.name)
                kj.set("summary", k.summary)
                let parameters: [JSONLine.Value] = k.parameters.map { JSONLine.Value.object(parameter($0)) }
                kj.set("parameters", JSONLine.Value.list(parameters))
                return JSONLine.Value.object(kj)
            }
            j.set("kinds", JSONLine.Value.list(kinds))
            return JSONLine.Value.object(j)
        }
        var root = JSONLine()
        root.set("models", JSONLine.Value.list(models))
        return root
    }

    static func parameter(_ p: ParameterSpec) -> JSONLine {
        var j = JSONLine()
        j.set("name", p.name)
        switch p.type {
        case .integer(let lo, let hi): j.set("type", "integer"); j.set("min", lo); j.set("max", hi)
        case .number(let lo, let hi): j.set("type", "number"); j.set("min", lo); j.set("max", hi.isFinite ? JSONLine.Value.number(hi) : .null)
        case .probability: j.set("type", "probability"); j.set("min", 0); j.set("max", 1)
        case .integers(let lo, let hi): j.set("type", "integers"); j.set("min", lo); j.set("max", hi)
        case .flag: j.set("type", "flag")
        case .choice(let names): j.set("type", "choice"); j.set("choices", .list(names.map { .text($0) }))
        }
        switch p.defaultValue {
        case .integer(let v)?: j.set("default", v)
        case .number(let v)?: j.set("default", v)
        case .integers(let v)?: j.set("default", JSONLine.Value.list(v.map { JSONLine.Value.int($0) }))
        case .flag(let v)?: j.set("default", v)
        case .text(let v)?: j.set("default", v)
        case nil: j.set("default", JSONLine.Value.null)
        }
        j.set("optional", p.optional)
        j.set("only_with", p.requirement.map { JSONLine.Value.text($0.rawValue) } ?? JSONLine.Value.null)
        j.set("help", p.help)
        return j
    }

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
