/// Why an agent's decision fell back to its rule policy.
public enum Fallback: String, Sendable, Hashable, CaseIterable {
    /// No endpoint is configured: every escalated decision is the rule policy's.
    case noEndpoint = "no_endpoint"
    /// The per-tick cap or the run's budget of calls or tokens was reached.
    case capped
    case budget
    /// The endpoint failed (after retries) or the breaker was open.
    case failed
    /// The answer was prose, called no tool, called an unknown tool, or had invalid arguments.
    case noToolCall = "no_tool_call"
    case unknownTool = "unknown_tool"
    case invalidArguments = "invalid_arguments"
    /// The call was well formed but the exchange's rules refuse it (off the band, no budget…).
    case refused
    /// The archetype's member followed its own rule policy (the `mix`).
    case mixed
    /// The call names someone or something that is not there: a user id that does not exist, a
    /// post not in the user's feed.
    case unknownTarget = "unknown_target"
    /// The call carries more text than the scenario allows (`llm.max_text`).
    case tooLong = "too_long"
}

/// A rejected answer: why (the fallback it counts under), and what exactly was wrong.
///
/// Shared by every set of tools (a trader's, a network user's): whatever the tools, an answer is
/// either a checked decision or one of these, and a rejected answer never reaches the simulation.
public struct ToolRejection: Error, Sendable, Hashable {
    public var reason: Fallback
    public var detail: String

    public init(_ reason: Fallback, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}

/// Reading an answer's tool call against the tools offered: the one step every set of tools shares
/// before its own reading of the arguments.
public enum ToolAnswers {
    /// The answer's first tool call: the tool it names (one of `offered`) and its arguments, parsed
    /// and checked against that tool's schema.
    /// `precheck` sees the parsed arguments before the schema does, for a rejection with a reason
    /// of its own (text over the limit).
    public static func call(in answer: ChatAnswer, offered: [ToolSpec],
                            precheck: (ToolSpec, JSON) -> ToolRejection? = { _, _ in nil }) -> Result<(tool: ToolSpec, arguments: JSON), ToolRejection> {
        guard let call = answer.toolCalls.first else {
            return .failure(ToolRejection(.noToolCall, "no tool call" + (answer.content.map { ": " + String($0.prefix(120)) } ?? "")))
        }
        guard let tool = offered.first(where: { $0.name == call.name }) else {
            return .failure(ToolRejection(.unknownTool, "unknown tool '\(String(call.name.prefix(120)))'"))
        }
        let args: JSON
        do {
            args = try JSON.parse(call.arguments.isEmpty ? "{}" : call.arguments)
        } catch {
            return .failure(ToolRejection(.invalidArguments, "arguments are not JSON: \(error.description)"))
        }
        if let r = precheck(tool, args) { return .failure(r) }
        let problems = SchemaCheck.problems(args, against: tool.parameters)
        guard problems.isEmpty else { return .failure(ToolRejection(.invalidArguments, problems.joined(separator: "; "))) }
        return .success((tool, args))
    }

    /// The tools of `all` named in `names`, in `all`'s order (every tool when `names` is empty).
    public static func subset(_ all: [ToolSpec], named names: [String]) -> [ToolSpec] {
        names.isEmpty ? all : all.filter { names.contains($0.name) }
    }
}
