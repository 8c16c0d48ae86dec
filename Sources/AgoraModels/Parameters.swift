import AgoraCore

/// A value of a model parameter, as read from a scenario.
public enum ParameterValue: Sendable, Hashable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case integers([Int])
    case flag(Bool)
    case text(String)

    public var description: String {
        switch self {
        case .text(let v): return v
        case .integer(let v): return String(v)
        case .number(let v): return formatNumber(v)
        case .integers(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case .flag(let v): return v ? "true" : "false"
        }
    }
}

/// The type and allowed range of a parameter; the scenario reader checks values against it.
public enum ParameterType: Sendable, Hashable {
    case integer(min: Int, max: Int)
    case number(min: Double, max: Double)
    case probability
    case integers(min: Int, max: Int)
    case flag
    /// One of these names.
    case choice([String])

    /// How the type reads in an error message or the docs ("an integer in 0...100").
    public var phrase: String {
        switch self {
        case .integer(let lo, let hi):
            if hi >= Int(Int32.max) { return lo == 0 ? "a non-negative integer" : lo == 1 ? "a positive integer" : "an integer ≥ \(lo)" }
            return "an integer in \(lo)...\(hi)"
        case .number(let lo, let hi):
            if hi == .infinity { return lo == 0 ? "a non-negative number" : "a number ≥ \(formatNumber(lo))" }
            return "a number in \(formatNumber(lo))...\(formatNumber(hi))"
        case .probability: return "a probability in 0...1"
        case .integers(let lo, _): return lo == 0 ? "a list of non-negative integers" : "a list of integers ≥ \(lo)"
        case .flag: return "true or false"
        case .choice(let names): return "one of " + names.joined(separator: ", ")
        }
    }
}

/// One parameter a model accepts from a scenario's `agents[i].params`. Declare it once — with
/// `Parameter` or `OptionalParameter`, which carry its type to the code that reads it — and the
/// scenario reader fills in its default, checks given values, and `agora models` lists it.
public struct ParameterSpec: Sendable {
    /// What must hold for a parameter to mean anything; given without it, it is an error.
    public enum Requirement: String, Sendable, Hashable {
        /// The scenario has a `network` section.
        case network
    }

    public let name: String
    public let type: ParameterType
    public let defaultValue: ParameterValue?
    public let help: String
    public let requirement: Requirement?
    /// Whether the parameter may be left unset (it has no default, and the model reads its
    /// absence); every other parameter has a default, checked when its model is registered.
    public let optional: Bool

    public init(_ name: String, _ type: ParameterType, default defaultValue: ParameterValue?, _ help: String,
                onlyWith requirement: Requirement? = nil, optional: Bool = false) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
        self.requirement = requirement
        self.optional = optional
    }

    /// Why `value` is not a value of this parameter's type (nil: it is).
    public func problem(with value: ParameterValue) -> String? {
        switch (type, value) {
        case (.integer(let lo, let hi), .integer(let v)): return (lo...hi).contains(v) ? nil : "\(v) is outside \(lo)...\(hi)"
        case (.number(let lo, let hi), .number(let v)): return v >= lo && v <= hi ? nil : "\(v) is outside \(lo)...\(hi)"
        case (.number(let lo, let hi), .integer(let v)): return Double(v) >= lo && Double(v) <= hi ? nil : "\(v) is outside \(lo)...\(hi)"
        case (.probability, .number(let v)): return (0...1).contains(v) ? nil : "\(v) is not a probability"
        case (.integers(let lo, let hi), .integers(let v)): return v.allSatisfy { (lo...hi).contains($0) } ? nil : "a value is outside \(lo)...\(hi)"
        case (.flag, .flag): return nil
        case (.choice(let names), .text(let v)): return names.contains(v) ? nil : "'\(v)' is not one of \(names.joined(separator: ", "))"
        default: return "\(value) is not \(type.phrase)"
        }
    }
}

/// One population as a scenario describes it, parameters validated and defaults filled in.
public struct PopulationInput: Sendable {
    public let kind: String
    /// `nil`: the size comes from elsewhere (the network's node count).
    public let count: Int?
    public let params: [String: ParameterValue]

    public init(kind: String, count: Int?, params: [String: ParameterValue]) {
        self.kind = kind
        self.count = count
        self.params = params
    }

    public func integer(_ name: String) -> Int? { if case .integer(let v)? = params[name] { return v }; return nil }
    public func number(_ name: String) -> Double? {
        switch params[name] {
        case .number(let v)?: return v
        case .integer(let v)?: return Double(v)
        default: return nil
        }
    }
    public func integers(_ name: String) -> [Int]? { if case .integers(let v)? = params[name] { return v }; return nil }
    public func flag(_ name: String) -> Bool? { if case .flag(let v)? = params[name] { return v }; return nil }
    public func text(_ name: String) -> String? { if case .text(let v)? = params[name] { return v }; return nil }
}
