import AgoraCore
import Foundation

/// How one persona attribute is distributed over agents.
public enum AttributeDistribution: Sendable, Hashable {
    /// Uniform in [min, max]; whole numbers when `integer`.
    case uniform(min: Double, max: Double, integer: Bool)
    case normal(mean: Double, sd: Double)
    /// exp(normal(mu, sigma)): wealth-like.
    case lognormal(mu: Double, sigma: Double)
    /// One of the names, with the given weights (equal when empty).
    case choice([String], weights: [Double])

    /// The value for a draw `u` in [0, 1) (and a second `v` for the normal kinds), as text.
    func value(_ u: Double, _ v: Double) -> String {
        switch self {
        case .uniform(let lo, let hi, let integer):
            if integer { return String(Int((lo + (hi - lo + 1) * u).rounded(.down))) }
            return Self.format(lo + (hi - lo) * u)
        case .normal(let mean, let sd):
            return Self.format(mean + sd * Self.gaussian(u, v))
        case .lognormal(let mu, let sigma):
            return String(Int(exp(mu + sigma * Self.gaussian(u, v)).rounded()))
        case .choice(let names, let weights):
            let w = weights.isEmpty ? Array(repeating: 1.0, count: names.count) : weights
            var target = u * w.reduce(0, +)
            for (name, weight) in zip(names, w) {
                if target < weight { return name }
                target -= weight
            }
            return names[names.count - 1]
        }
    }

    static func gaussian(_ u: Double, _ v: Double) -> Double {
        (-2 * log(max(u, 1e-300))).squareRoot() * cos(2 * Double.pi * v)
    }

    static func format(_ x: Double) -> String {
        abs(x) >= 100 ? String(Int(x.rounded())) : String(format: "%.2f", x)
    }
}

/// Personas: attribute distributions sampled per agent from the run's seed, and a template that
/// renders them into the profile an LLM reads ("You are a {age}-year-old investor with {risk} risk
/// appetite…").
///
/// Nothing is stored per agent: an attribute is a pure function of (seed, attribute, agent), so a
/// million agents cost nothing until one of them is asked.
public struct Personas: Sendable, Hashable {
    public var attributes: [(name: String, distribution: AttributeDistribution)]
    public var template: String
    public let seed: UInt64

    public static let stream: UInt64 = 0x11_4D_0001

    public init(attributes: [(name: String, distribution: AttributeDistribution)], template: String, seed: UInt64) {
        self.attributes = attributes
        self.template = template
        self.seed = seed
    }

    public static func == (a: Personas, b: Personas) -> Bool {
        a.template == b.template && a.seed == b.seed && a.attributes.map(\.name) == b.attributes.map(\.name)
            && a.attributes.map(\.distribution) == b.attributes.map(\.distribution)
    }

    public func hash(into h: inout Hasher) {
        h.combine(template)
        h.combine(seed)
        for a in attributes { h.combine(a.name); h.combine(a.distribution) }
    }

    /// The `{name}` placeholders of a template, in order.
    public static func placeholders(_ template: String) -> [String] {
        var out: [String] = []
        var current: String?
        for ch in template {
            if ch == "{" { current = "" } else if ch == "}" { if let c = current { out.append(c) }; current = nil } else { current?.append(ch) }
        }
        return out
    }

    /// Agent `agent`'s value of attribute `index`.
    public func value(agent: Int, attribute index: Int) -> String {
        var r = RandomStream(seed: seed, stream: Self.stream).tick(index).agent(agent)
        return attributes[index].distribution.value(r.unit(), r.unit())
    }

    /// Every attribute of `agent`, name and value, in the order declared.
    public func attributes(of agent: Int) -> [(name: String, value: String)] {
        attributes.indices.map { (attributes[$0].name, value(agent: agent, attribute: $0)) }
    }

    public func value(agent: Int, _ name: String) -> String? {
        attributes.firstIndex { $0.name == name }.map { value(agent: agent, attribute: $0) }
    }

    /// The agent's profile: the template with every `{attribute}` filled in. An "a" or "an" just
    /// before a placeholder follows the value put there ("a {risk} attitude" reads "an aggressive
    /// attitude"); a placeholder that names no attribute is left as written.
    public func profile(agent: Int) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = rest[rest.index(after: open)..<close]
            if let i = attributes.firstIndex(where: { $0.name == name }) {
                let v = value(agent: agent, attribute: i)
                Self.agreeArticle(&out, with: v)
                out += v
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Turns a trailing "a " into "an " (or back) for the word that follows: by its sound, so
    /// "an 80-year-old", "an hour", "a unique", "a one-off".
    static func agreeArticle(_ out: inout String, with next: String) {
        let word = next.lowercased()
        for (article, other) in [("a ", "an "), ("an ", "a "), ("A ", "An "), ("An ", "A ")] {
            guard out.hasSuffix(article) else { continue }
            let before = out.dropLast(article.count)
            guard before.last.map({ !$0.isLetter }) ?? true else { return }
            let wantsAn = startsWithVowelSound(word)
            if (article.lowercased() == "an ") != wantsAn { out = String(before) + other }
            return
        }
    }

    static func startsWithVowelSound(_ word: String) -> Bool {
        guard let first = word.first else { return false }
        if first.isNumber {
            // Eight…, eighty…, eleven, eighteen (and their thousands, millions…).
            let digits = word.prefix { $0.isNumber || $0 == "," }.filter(\.isNumber)
            if first == "8" { return true }
            let lead = digits.count % 3 == 2 ? digits.prefix(2) : ""
            return lead == "11" || lead == "18"
        }
        for consonantSound in ["uni", "use", "usu", "ure", "eu", "one", "once", "ewe"] where word.hasPrefix(consonantSound) { return false }
        for silent in ["hour", "honest", "honor", "honour", "heir"] where word.hasPrefix(silent) { return true }
        return "aeiou".contains(first)
    }
}
