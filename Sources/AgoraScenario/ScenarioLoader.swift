import AgoraEngine
import AgoraLLM
import AgoraModels
import Foundation
import Yams

/// Reads scenario files: YAML syntax, overrides, schema and value checks, every error at once.
///
/// The schema is documented in docs/scenario.md; keep the two in step.
public enum ScenarioLoader {
    static let topLevelKeys = ["name", "description", "model", "seed", "ticks", "agents", "network", "engine",
                               "exchange", "llm", "log", "checkpoint"]

    /// Loads `path` and applies `overrides` in order.
    /// `environment` supplies the LLM endpoint's defaults (OPENAI_BASE_URL, OPENAI_MODEL, the key);
    /// `models` the models a scenario may name (the process's registry unless told otherwise).
    public static func load(path: String, overrides: [Override] = [],
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            models: ModelRegistry = .current) throws(ScenarioErrors) -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw ScenarioErrors([ScenarioIssue(origin: .wholeFile(path: path), path: "", message: reason)])
        }
        return try parse(text, path: path, overrides: overrides, environment: environment, models: models)
    }

    /// Parses scenario text; `path` names it in errors and anchors relative file paths.
    public static func parse(_ text: String, path: String, overrides: [Override] = [],
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             models: ModelRegistry = .current) throws(ScenarioErrors) -> Scenario {
        var root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioErrors([ScenarioIssue(origin: .wholeFile(path: path), path: "", message: "the file is empty")])
            }
            root = node
        } catch let errors as ScenarioErrors {
            throw errors
        } catch {
            throw ScenarioErrors([syntaxIssue(error, path: path)])
        }
        guard NodeBudget.fits(root) else { throw ScenarioErrors([NodeBudget.issue(root, file: path, what: "the scenario")]) }
        var overrideOrigins: [String: ScenarioIssue.Origin] = [:]
        var issues: [ScenarioIssue] = []
        for o in overrides {
            let value: Node
            do {
                value = try Yams.compose(yaml: o.value) ?? Node("")
            } catch {
                issues.append(ScenarioIssue(origin: .override(o.label), path: o.path, message: "the value is not valid YAML"))
                continue
            }
            guard NodeBudget.fits(value) else {
                issues.append(ScenarioIssue(origin: .override(o.label), path: o.path,
                                            message: "the value expands to more than \(NodeBudget.defaultLimit) values (its aliases repeat too much)"))
                continue
            }
            do {
                root = try root.setting(o.steps[...], to: value)
                overrideOrigins[o.path] = .override(o.label)
            } catch {
                issues.append(ScenarioIssue(origin: .override(o.label), path: o.path, message: "unknown --set path: \(error.message)"))
            }
        }
        var reader = NodeReader(file: path, overrideOrigins: overrideOrigins, environment: environment, models: models)
        reader.issues = issues
        let scenario = reader.scenario(root, sourcePath: path, overrides: overrides.map(\.label))
        if !reader.issues.isEmpty { throw ScenarioErrors(sortedByPosition(reader.issues)) }
        guard let scenario else { throw ScenarioErrors([ScenarioIssue(origin: .wholeFile(path: path), path: "", message: "invalid scenario")]) }
        return scenario
    }

    /// Overrides first (in the order given), then file positions top to bottom.
    static func sortedByPosition(_ issues: [ScenarioIssue]) -> [ScenarioIssue] {
        func key(_ issue: ScenarioIssue) -> (Int, Int, Int) {
            switch issue.origin {
            case .override: return (0, 0, 0)
            case .wholeFile: return (1, 0, 0)
            case .file(_, let line, let column): return (2, line, column)
            }
        }
        return issues.enumerated().sorted { a, b in
            let ka = key(a.element), kb = key(b.element)
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map(\.element)
    }

    static func syntaxIssue(_ error: any Error, path: String) -> ScenarioIssue {
        if let y = error as? YamlError {
            switch y {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                let detail = context.map { "\(problem) (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? problem
                return ScenarioIssue(origin: .file(path: path, line: mark.line, column: mark.column), path: "",
                                     message: "YAML syntax error: \(detail)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                return ScenarioIssue(origin: .file(path: path, line: context.mark.line, column: context.mark.column), path: "",
                                     message: "duplicate key \(duplicates.joined(separator: ", "))")
            default:
                break
            }
        }
        return ScenarioIssue(origin: .wholeFile(path: path), path: "", message: "YAML error: \(error)")
    }
}

/// Walks a YAML node tree, checking each field against the schema and remembering where each came
/// from. Collects issues instead of stopping at the first.
struct NodeReader {
    let file: String
    let overrideOrigins: [String: ScenarioIssue.Origin]
    var issues: [ScenarioIssue] = []
    var origins: [String: ScenarioIssue.Origin] = [:]
    /// Where the LLM endpoint's defaults come from.
    let environment: [String: String]
    /// The scenario's seed, once read (persona draws default to it).
    var scenarioSeed: UInt64 = 1
    /// The models a scenario may name.
    let models: ModelRegistry

    init(file: String, overrideOrigins: [String: ScenarioIssue.Origin], environment: [String: String] = [:],
         models: ModelRegistry = .current) {
        self.file = file
        self.overrideOrigins = overrideOrigins
        self.environment = environment
        self.models = models
    }

    func origin(_ node: Node?, _ path: String) -> ScenarioIssue.Origin {
        var p = path
        while true {
            if let o = overrideOrigins[p] { return o }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            p = String(p[..<cut])
        }
        if let mark = node?.mark { return .file(path: file, line: mark.line, column: mark.column) }
        return .wholeFile(path: file)
    }

    mutating func fail(_ node: Node?, _ path: String, _ message: String) {
        issues.append(ScenarioIssue(origin: origin(node, path), path: path, message: message))
    }

    mutating func note(_ node: Node, _ path: String) { origins[path] = origin(node, path) }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return s.string.isEmpty ? "nothing" : "\"\(s.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    // MARK: shapes

    mutating func mapping(_ node: Node, _ path: String, allowed: [String]) -> Node.Mapping? {
        guard case .mapping(let m) = node else {
            fail(node, path, "expected a mapping of fields, got \(Self.describe(node))")
            return nil
        }
        for (key, _) in m {
            let name = key.string ?? ""
            if !allowed.contains(name) {
                let prefix = path.isEmpty ? name : "\(path).\(name)"
                let hint = closest(name, in: allowed).map { "; did you mean '\($0)'?" } ?? "; expected one of: \(allowed.joined(separator: ", "))"
                fail(key, prefix, "unknown field\(hint)")
            }
        }
        return m
    }

    func closest(_ word: String, in options: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var prev = row[0]
                row[0] = i
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    let cur = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                    prev = cur
                }
            }
            return row[b.count]
        }
        let best = options.map { ($0, distance(Array(word), Array($0))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(1, word.count / 3) else { return nil }
        return best.0
    }

    // MARK: scalars

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let s) = node, !s.string.isEmpty else {
            fail(node, path, "expected text, got \(Self.describe(node))")
            return nil
        }
        // YAML's null, unquoted, is no text (`name: null` is not the name "null").
        if s.style == .plain && ["null", "Null", "NULL", "~"].contains(s.string) {
            fail(node, path, "expected text, got null (quote it, \"\(s.string)\", to mean the word)")
            return nil
        }
        note(node, path)
        return s.string
    }

    static func parseInteger(_ text: String) -> Int? {
        let cleaned = text.replacingOccurrences(of: "_", with: "")
        return Int(cleaned)
    }

    mutating func integer(_ node: Node, _ path: String, min lo: Int, max hi: Int = .max, phrase: String? = nil) -> Int? {
        let wanted = phrase ?? ParameterType.integer(min: lo, max: hi).phrase
        guard case .scalar(let s) = node, let v = Self.parseInteger(s.string) else {
            fail(node, path, "expected \(wanted), got \(Self.describe(node))")
            return nil
        }
        guard v >= lo && v <= hi else {
            fail(node, path, v > hi ? "expected at most \(hi), got \(v)" : "expected \(wanted), got \(v)")
            return nil
        }
        note(node, path)
        return v
    }

    mutating func number(_ node: Node, _ path: String, min lo: Double, max hi: Double, phrase: String) -> Double? {
        guard case .scalar(let s) = node, let v = Double(s.string.replacingOccurrences(of: "_", with: "")), v.isFinite else {
            fail(node, path, "expected \(phrase), got \(Self.describe(node))")
            return nil
        }
        guard v >= lo && v <= hi else {
            fail(node, path, "expected \(phrase), got \(s.string)")
            return nil
        }
        note(node, path)
        return v
    }

    mutating func flag(_ node: Node, _ path: String) -> Bool? {
        if case .scalar(let s) = node {
            switch s.string.lowercased() {
            case "true", "yes", "on": note(node, path); return true
            case "false", "no", "off": note(node, path); return false
            default: break
            }
        }
        fail(node, path, "expected true or false, got \(Self.describe(node))")
        return nil
    }

    mutating func parameter(_ node: Node, _ path: String, _ spec: ParameterSpec) -> ParameterValue? {
        switch spec.type {
        case .integer(let lo, let hi):
            return integer(node, path, min: lo, max: hi).map(ParameterValue.integer)
        case .number(let lo, let hi):
            return number(node, path, min: lo, max: hi, phrase: spec.type.phrase).map(ParameterValue.number)
        case .probability:
            return number(node, path, min: 0, max: 1, phrase: spec.type.phrase).map(ParameterValue.number)
        case .flag:
            return flag(node, path).map(ParameterValue.flag)
        case .choice(let names):
            guard let v = string(node, path) else { return nil }
            guard names.contains(v) else {
                let hint = closest(v, in: names).map { " (did you mean '\($0)'?)" } ?? ""
                fail(node, path, "expected one of \(names.joined(separator: ", ")), got \"\(v)\"\(hint)")
                return nil
            }
            return .text(v)
        case .integers(let lo, let hi):
            guard case .sequence(let seq) = node else {
                fail(node, path, "expected \(spec.type.phrase), got \(Self.describe(node))")
                return nil
            }
            var values: [Int] = []
            var ok = true
            for (i, item) in seq.enumerated() {
                if let v = integer(item, "\(path)[\(i)]", min: lo, max: hi) { values.append(v) } else { ok = false }
            }
            note(node, path)
            return ok ? .integers(values) : nil
        }
    }

    // MARK: the document

    mutating func scenario(_ root: Node, sourcePath: String, overrides: [String]) -> Scenario? {
        guard let top = mapping(root, "", allowed: ScenarioLoader.topLevelKeys) else { return nil }
        func field(_ key: String) -> Node? { top[key] }

        var name: String?
        if let n = field("name") { name = string(n, "name") } else { fail(root, "name", "missing; every scenario needs a name") }
        let description = field("description").flatMap { string($0, "description") }
        var seed: UInt64 = 1
        if let n = field("seed") {
            if case .scalar(let s) = n, let v = UInt64(s.string.replacingOccurrences(of: "_", with: "")) {
                seed = v
                scenarioSeed = v
                note(n, "seed")
            } else {
                fail(n, "seed", "expected a non-negative integer below 2^64, got \(Self.describe(n))")
            }
        }
        var ticks: Int?
        if let n = field("ticks") { ticks = integer(n, "ticks", min: 1) } else { fail(root, "ticks", "missing; how many ticks to run") }

        var model: ModelDescriptor?
        if let n = field("model") {
            if let m = string(n, "model") {
                model = models.named(m)
                if model == nil {
                    let known = models.names
                    let hint = closest(m, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                    fail(n, "model", "unknown model '\(m)'\(hint); models: \(known.joined(separator: ", "))")
                }
            }
        } else {
            fail(root, "model", "missing; one of: \(models.names.joined(separator: ", "))")
        }

        var populations: [Population] = []
        if let n = field("agents") {
            if case .sequence(let seq) = n, !seq.isEmpty {
                note(n, "agents")
                for (i, item) in seq.enumerated() {
                    if let p = population(item, "agents[\(i)]", model: model, network: root["network"] != nil) { populations.append(p) }
                }
                if let model, seq.count > model.maxPopulations {
                    fail(n, "agents", model.maxPopulations == 1 ? "the \(model.name) model runs one population; got \(seq.count)"
                                                                : "at most \(model.maxPopulations) populations; got \(seq.count)")
                }
            } else {
                fail(n, "agents", "expected a list of populations (each with kind, count, params), got \(Self.describe(n))")
            }
        } else {
            fail(root, "agents", "missing; list the agent populations")
        }

        var network: NetworkSpec?
        if let n = field("network") {
            network = networkSpec(n, "network", scenarioSeed: seed, sourcePath: sourcePath)
            if let model, !model.acceptsNetwork {
                fail(n, "network", "the \(model.name) model does not use a network; remove this section")
            }
        } else if let model, model.needsNetwork {
            fail(root, "network", "missing; the \(model.name) model runs on a network")
        }

        var engine = EngineSettings(shards: nil, threads: nil)
        if let n = field("engine"), let m = mapping(n, "engine", allowed: ["shards", "threads", "memory_check"]) {
            engine = EngineSettings(shards: m["shards"].flatMap { integer($0, "engine.shards", min: 1, max: EngineSettings.maxShards) },
                                    threads: m["threads"].flatMap { integer($0, "engine.threads", min: 1, max: 1_024) })
            if let check = m["memory_check"].flatMap({ flag($0, "engine.memory_check") }) { engine.memoryCheck = check }
        }

        var market: MarketSpec?
        if let n = field("exchange"), let model {
            if model.usesExchange {
                market = exchangeSection(n, "exchange", ticks: ticks ?? 1)
            } else {
                fail(n, "exchange", "the \(model.name) model has no exchange settings; remove this section")
            }
        } else if let model, model.usesExchange {
            fail(root, "exchange", "missing; the \(model.name) model trades on an exchange (instruments, session, …)")
        }
        var log = LogSettings()
        if let n = field("log") { log = logSection(n, "log") ?? log }
        var checkpointEvery = 0
        if let n = field("checkpoint"), let cm = mapping(n, "checkpoint", allowed: ["every"]) {
            checkpointEvery = cm["every"].flatMap { integer($0, "checkpoint.every", min: 0) } ?? 0
        }
        var llm: LLMSettings?
        if let n = field("llm"), let model {
            if model.usesLLM {
                llm = llmSection(n, "llm", populations: populations, model: model)
            } else {
                fail(n, "llm", "the \(model.name) model has no llm settings; remove this section")
            }
        }

        guard let name, let ticks, let model, !populations.isEmpty, issues.isEmpty else { return nil }
        // An endpoint taken from the environment is written into the scenario as run, so a replay
        // or a resume asks the same questions of the same endpoint (the key stays in the environment).
        var written = root
        if let e = llm?.endpoint {
            for (field, value) in [("base_url", e.baseURL.absoluteString), ("model", e.model)] {
                written = (try? written.setting([.key("llm"), .key("endpoint"), .key(field)][...], to: Node(value))) ?? written
            }
        }
        let resolved = (try? Yams.serialize(node: written)) ?? ""
        return Scenario(name: name, description: description, model: model, seed: seed, ticks: ticks,
                        populations: populations, network: network, market: market, llm: llm, engine: engine, log: log,
                        checkpointEvery: checkpointEvery, sourcePath: sourcePath,
                        resolvedYAML: resolved, overrides: overrides, origins: origins)
    }
}
