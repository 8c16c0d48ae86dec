import AgoraEngine

/// The scenario's `log` section (docs/scenario.md) before the model's event kinds are known: which kinds to log and
/// how densely. Resolved against the kinds into a `LogPolicy` when the world is assembled.
public struct LogSettings: Sendable, Hashable {
    public var enabled: Bool
    /// Per kind name: a rule replacing the kind's default.
    public var rules: [String: LogPolicy.Rule]
    /// Kind names not to log at all.
    public var exclude: [String]

    public init(enabled: Bool = true, rules: [String: LogPolicy.Rule] = [:], exclude: [String] = []) {
        self.enabled = enabled
        self.rules = rules
        self.exclude = exclude
    }

    /// The policy for `kinds`, or the first kind name that does not exist.
    public func policy(for kinds: [EventKind], seed: UInt64) -> Result<LogPolicy, UnknownKind> {
        let names = Set(kinds.map(\.name))
        for name in rules.keys.sorted() + exclude where !names.contains(name) {
            return .failure(UnknownKind(name: name, known: kinds.map(\.name)))
        }
        guard enabled else { return .success(LogPolicy(rules: [:], sampleKey: seed)) }
        var policy = LogPolicy.defaults(for: kinds, seed: seed)
        for k in kinds {
            if let r = rules[k.name] { policy.rules[k.id] = r }
            if exclude.contains(k.name) { policy.rules[k.id] = nil }
        }
        return .success(policy)
    }

    public struct UnknownKind: Error, Sendable {
        public let name: String
        public let known: [String]
    }
}
