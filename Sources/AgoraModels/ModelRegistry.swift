import Foundation

/// The models a process knows: Agora's own, plus any an outside executable registers at start
/// (`AgoraCommand.main(models:)`). The scenario reader, `agora models` and every command that
/// reads a scenario look models up here, so a registered model gets validation, runs, replay,
/// sweeps and the rest exactly as a built-in one.
///
/// Registration checks what would otherwise fail mid-run: names must be unique (models, the agent
/// kinds and event kinds of a model), every parameter must have a default of its own type unless
/// it is declared optional, no parameter may be declared twice, and no two models' numbered event
/// kinds may share a number. Event kinds declared by name are numbered here.
public final class ModelRegistry: Sendable {
    public let models: [ModelDescriptor]

    /// Why a set of models cannot be registered.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// `models`, checked, and the event kinds they declare by name numbered: from 100 up, none
    /// a number another registered model's kind has.
    public init(_ models: [ModelDescriptor]) throws(Refusal) {
        if let problem = Self.problem(models) { throw Refusal(description: problem) }
        var taken = Set(models.flatMap { $0.events.filter(\.isNumbered).map(\.id) })
        self.models = models.map { m in
            let numbered = m.numberingEvents(avoiding: taken)
            taken.formUnion(numbered.events.map(\.id))
            return numbered
        }
    }

    private init(unchecked models: [ModelDescriptor]) { self.models = models }

    /// Agora's own models.
    public static let builtIn = ModelRegistry(unchecked: ModelCatalog.all)

    nonisolated(unsafe) private static var installed: ModelRegistry?
    private static let lock = NSLock()

    /// The registry of this process: what `install` set, else the built-in models.
    public static var current: ModelRegistry { lock.withLock { installed ?? builtIn } }

    /// Makes `models` the registry of this process (at start, before any scenario is read).
    public static func install(_ models: [ModelDescriptor]) throws(Refusal) {
        let registry = try ModelRegistry(models)
        lock.withLock { installed = registry }
    }

    public func named(_ name: String) -> ModelDescriptor? { models.first { $0.name == name } }
    public var names: [String] { models.map(\.name) }

    /// The first thing wrong with `models` as a registry, or nil.
    public static func problem(_ models: [ModelDescriptor]) -> String? {
        var names: Set<String> = []
        var numbered: [UInt16: (model: String, kind: String)] = [:]
        for m in models {
            guard !m.name.isEmpty, m.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                return "the model name '\(m.name)' is not a plain name (letters, digits, _ and -)"
            }
            guard names.insert(m.name).inserted else { return "the model '\(m.name)' is registered twice" }
            guard !m.agentKinds.isEmpty else { return "the model '\(m.name)' declares no agent kind" }
            var eventNames: Set<String> = []
            for e in m.events {
                guard eventNames.insert(e.name).inserted else { return "the model '\(m.name)' declares the event kind '\(e.name)' twice" }
                guard e.isNumbered else { continue }
                if let (other, kind) = numbered[e.id] {
                    return "the event kind '\(e.name)' of '\(m.name)' has the number \(e.id), which '\(kind)' of '\(other)' has; "
                        + "declare it by name (EventKind.named) to have one given"
                }
                numbered[e.id] = (m.name, e.name)
            }
            var kinds: Set<String> = []
            for k in m.agentKinds {
                guard kinds.insert(k.name).inserted else { return "the model '\(m.name)' declares the agent kind '\(k.name)' twice" }
                var parameters: Set<String> = []
                for p in k.parameters {
                    let place = "\(m.name), kind '\(k.name)', parameter '\(p.name)'"
                    guard parameters.insert(p.name).inserted else { return "\(place): declared twice" }
                    guard let value = p.defaultValue else {
                        if p.optional { continue }
                        return "\(place): no default (give one, or declare it optional)"
                    }
                    if let why = p.problem(with: value) { return "\(place): its default \(why)" }
                }
            }
        }
        return nil
    }
}
