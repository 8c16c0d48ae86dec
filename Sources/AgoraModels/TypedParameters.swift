import AgoraCore

/// A Swift type that a parameter's value reads as: `Int`, `Double`, `Bool`, `String`, `[Int]`.
public protocol ParameterValueConvertible: Sendable {
    init?(parameterValue: ParameterValue)
    var parameterValue: ParameterValue { get }
}

extension Int: ParameterValueConvertible {
    public init?(parameterValue v: ParameterValue) {
        guard case .integer(let x) = v else { return nil }
        self = x
    }
    public var parameterValue: ParameterValue { .integer(self) }
}

extension Double: ParameterValueConvertible {
    public init?(parameterValue v: ParameterValue) {
        switch v {
        case .number(let x): self = x
        case .integer(let x): self = Double(x)
        default: return nil
        }
    }
    public var parameterValue: ParameterValue { .number(self) }
}

extension Bool: ParameterValueConvertible {
    public init?(parameterValue v: ParameterValue) {
        guard case .flag(let x) = v else { return nil }
        self = x
    }
    public var parameterValue: ParameterValue { .flag(self) }
}

extension String: ParameterValueConvertible {
    public init?(parameterValue v: ParameterValue) {
        guard case .text(let x) = v else { return nil }
        self = x
    }
    public var parameterValue: ParameterValue { .text(self) }
}

extension Array: ParameterValueConvertible where Element == Int {
    public init?(parameterValue v: ParameterValue) {
        guard case .integers(let x) = v else { return nil }
        self = x
    }
    public var parameterValue: ParameterValue { .integers(self) }
}

/// A parameter declared once — name, type, default, help — and read back typed with
/// `population[parameter]`: the default lives here and nowhere else, and the scenario reader fills
/// it in, checks given values against the type, and lists it in `agora models`.
public struct Parameter<Value: ParameterValueConvertible>: Sendable {
    public let spec: ParameterSpec
    public let defaultValue: Value

    public init(_ name: String, _ type: ParameterType, default value: Value, _ help: String,
                onlyWith requirement: ParameterSpec.Requirement? = nil) {
        defaultValue = value
        spec = ParameterSpec(name, type, default: value.parameterValue, help, onlyWith: requirement)
    }
}

/// A parameter with no default: absent means "not set" (a population's own starting cash, say).
public struct OptionalParameter<Value: ParameterValueConvertible>: Sendable {
    public let spec: ParameterSpec

    public init(_ name: String, _ type: ParameterType, _ help: String, onlyWith requirement: ParameterSpec.Requirement? = nil) {
        spec = ParameterSpec(name, type, default: nil, help, onlyWith: requirement, optional: true)
    }
}

extension PopulationInput {
    /// The parameter's value: the scenario's, else its declared default.
    public subscript<Value>(_ p: Parameter<Value>) -> Value {
        params[p.spec.name].flatMap(Value.init(parameterValue:)) ?? p.defaultValue
    }

    /// The parameter's value when the scenario gives one.
    public subscript<Value>(_ p: OptionalParameter<Value>) -> Value? {
        params[p.spec.name].flatMap(Value.init(parameterValue:))
    }
}
