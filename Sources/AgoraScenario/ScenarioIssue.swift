import AgoraLLM
/// One thing wrong with a scenario, located precisely enough to fix without reading code:
/// `scenarios/x.yaml:12:5: agents[1].count: expected a positive integer, got "ten"`.
public struct ScenarioIssue: Sendable, Hashable, CustomStringConvertible {
    /// Where the offending value came from.
    public enum Origin: Sendable, Hashable {
        /// A position in the scenario file (1-based line and column).
        case file(path: String, line: Int, column: Int)
        /// A command-line override, e.g. `--set agents[0].count=ten` or `--shards 0`.
        case override(String)
        /// The file as a whole (unreadable, empty).
        case wholeFile(path: String)
    }

    public let origin: Origin
    /// The field path, e.g. `agents[1].count`; empty for the document itself.
    public let path: String
    public let message: String

    public init(origin: Origin, path: String, message: String) {
        self.origin = origin
        self.path = path
        self.message = message
    }

    public var description: String {
        let place: String
        switch origin {
        case .file(let file, let line, let column): place = "\(file):\(line):\(column)"
        case .override(let text): place = text
        case .wholeFile(let file): place = file
        }
        // A value echoed back never shows a key, whatever field it was written in.
        return Redactor().scrub(path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)")
    }
}

/// Every issue found in a scenario. Reading does not stop at the first one.
public struct ScenarioErrors: Error, Sendable, CustomStringConvertible {
    public let issues: [ScenarioIssue]
    public init(_ issues: [ScenarioIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
