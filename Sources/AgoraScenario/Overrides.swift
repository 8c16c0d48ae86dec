import AgoraLLM
import Yams

/// A command-line change to one scenario field: `path=value`, where the path uses the field names
/// of the scenario file (`seed`, `agents[0].count`, `agents[0].params.recovery`, `network.nodes`)
/// and the value is read as YAML (`3`, `0.2`, `[1, 2, 3]`, `text`).
public struct Override: Sendable, Hashable {
    /// One step of a path: a mapping key or a list index.
    public enum Step: Sendable, Hashable, CustomStringConvertible {
        case key(String)
        case index(Int)

        public var description: String {
            switch self {
            case .key(let k): return k
            case .index(let i): return "[\(i)]"
            }
        }
    }

    public let steps: [Step]
    public let value: String
    /// How the user wrote it, for error messages (`--set a.b=1`, `--seed 7`).
    public let label: String

    public init(steps: [Step], value: String, label: String) {
        self.steps = steps
        self.value = value
        self.label = label
    }

    /// Parses `path=value` as given to `--set`.
    public static func parse(_ text: String) throws(ScenarioErrors) -> Override {
        var label = "--set \(text)"
        guard let eq = text.firstIndex(of: "=") else {
            throw ScenarioErrors([ScenarioIssue(origin: .override(label), path: "",
                                                message: "expected path=value, e.g. --set agents[0].count=1000")])
        }
        let pathText = String(text[..<eq])
        let value = String(text[text.index(after: eq)...])
        // A value that looks like a secret is never echoed back (errors, the catalog, manifests).
        if Self.mayHoldSecret(path: pathText, value: value) { label = "--set \(pathText)=<redacted>" }
        guard let steps = parsePath(pathText) else {
            throw ScenarioErrors([ScenarioIssue(origin: .override(label), path: pathText,
                                                message: "not a field path (use names and [index], e.g. agents[0].params.recovery)")])
        }
        return Override(steps: steps, value: value, label: label)
    }

    /// Whether `--set path=value` may carry a key: a path naming one, a value under `llm` that
    /// mentions one (`llm.endpoint={…, api_key: …}`), or a value holding anything of a key's form.
    static func mayHoldSecret(path: String, value: String) -> Bool {
        let p = path.lowercased(), v = value.lowercased()
        if p.hasSuffix("api_key") || p.hasSuffix("token") || (p.hasSuffix("key") && p.contains("llm")) { return true }
        if p.hasPrefix("llm") && (v.contains("key") || v.contains("token")) { return true }
        return Redactor().finds(in: value)
    }

    /// The path as text, in the form issues use.
    public var path: String { Self.render(steps) }

    static func render(_ steps: [Step]) -> String {
        var out = ""
        for s in steps {
            switch s {
            case .key(let k): out += out.isEmpty ? k : ".\(k)"
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }

    public static func parsePath(_ text: String) -> [Step]? {
        var steps: [Step] = []
        var chars = Substring(text)
        func isKeyChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" }
        while !chars.isEmpty {
            if chars.first == "[" {
                guard let close = chars.firstIndex(of: "]"), let i = Int(chars[chars.index(after: chars.startIndex)..<close]), i >= 0
                else { return nil }
                steps.append(.index(i))
                chars = chars[chars.index(after: close)...]
            } else {
                if !steps.isEmpty {
                    guard chars.first == "." else { return nil }
                    chars = chars.dropFirst()
                }
                let key = chars.prefix(while: isKeyChar)
                guard !key.isEmpty, key.first?.isLetter == true || key.first == "_" else { return nil }
                steps.append(.key(String(key)))
                chars = chars.dropFirst(key.count)
            }
        }
        if case .key = steps.first { return steps }
        return nil
    }
}

extension Node {
    /// This tree with the node at `steps` replaced by `value`, creating mappings on the way as needed.
    func setting(_ steps: ArraySlice<Override.Step>, to value: Node, done: [Override.Step] = []) throws(OverridePathError) -> Node {
        guard let step = steps.first else { return value }
        let rest = steps.dropFirst()
        switch (self, step) {
        case (.mapping(let mapping), .key(let key)):
            var pairs = Array(mapping).map { ($0.key, $0.value) }
            if let i = pairs.firstIndex(where: { $0.0.string == key }) {
                pairs[i].1 = try pairs[i].1.setting(rest, to: value, done: done + [step])
            } else {
                pairs.append((Node(key), try Node.mapping(Node.Mapping([])).setting(rest, to: value, done: done + [step])))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case (.sequence(let sequence), .index(let i)):
            var nodes = Array(sequence)
            guard i < nodes.count else {
                throw OverridePathError(message: "\(Override.render(done)) has \(nodes.count) entr\(nodes.count == 1 ? "y" : "ies"), no [\(i)]")
            }
            nodes[i] = try nodes[i].setting(rest, to: value, done: done + [step])
            return .sequence(Node.Sequence(nodes, sequence.tag, sequence.style, sequence.mark))
        case (_, .key):
            throw OverridePathError(message: "\(Override.render(done)) is not a mapping, so it has no field '\(step)'")
        case (_, .index):
            throw OverridePathError(message: "\(Override.render(done)) is not a list, so it has no \(step)")
        }
    }
}

/// An override whose path does not fit the document's shape.
struct OverridePathError: Error {
    let message: String
}
