import Foundation

/// A tool the model may call: its name, what it does, and the JSON schema of its arguments.
public struct ToolSpec: Sendable, Hashable {
    public var name: String
    public var description: String
    public var parameters: JSON

    public init(name: String, description: String, parameters: JSON) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    var json: JSON {
        ["type": "function", "function": ["name": .string(name), "description": .string(description), "parameters": parameters]]
    }
}

/// One message of a chat.
public struct ChatMessage: Sendable, Hashable {
    public enum Role: String, Sendable { case system, user, assistant }
    public var role: Role
    public var content: String

    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// Sampling settings sent with every request; nil fields are left to the server.
public struct Sampling: Sendable, Hashable {
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    /// Servers that support it (OpenAI, vLLM, llama.cpp) sample reproducibly for a given seed.
    public var seed: Int?

    public init(temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil, seed: Int? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
    }
}

/// An OpenAI-style chat completion request with tools (function calling).
public struct ChatRequest: Sendable, Hashable {
    public var model: String
    public var messages: [ChatMessage]
    public var tools: [ToolSpec]
    public var sampling: Sampling
    /// `"auto"`, `"required"`, `"none"`, or `"function:NAME"` for one named function (sent as
    /// `{"type": "function", "function": {"name": NAME}}`).
    public var toolChoice: String

    public init(model: String, messages: [ChatMessage], tools: [ToolSpec] = [], sampling: Sampling = Sampling(), toolChoice: String = "auto") {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.sampling = sampling
        self.toolChoice = toolChoice
    }

    /// How `toolChoice` names one function.
    public static let namedPrefix = "function:"

    /// The request body, keys in a fixed order: the same request is always the same bytes.
    public var body: JSON {
        var pairs: [(String, JSON)] = [
            ("model", .string(model)),
            ("messages", .array(messages.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] })),
        ]
        if !tools.isEmpty {
            pairs.append(("tools", .array(tools.map(\.json))))
            if toolChoice.hasPrefix(Self.namedPrefix) {
                pairs.append(("tool_choice", ["type": "function", "function": ["name": .string(String(toolChoice.dropFirst(Self.namedPrefix.count)))]]))
            } else {
                pairs.append(("tool_choice", .string(toolChoice)))
            }
        }
        if let t = sampling.temperature { pairs.append(("temperature", .number(t))) }
        if let p = sampling.topP { pairs.append(("top_p", .number(p))) }
        if let m = sampling.maxTokens { pairs.append(("max_tokens", .int(Int64(m)))) }
        if let s = sampling.seed { pairs.append(("seed", .int(Int64(s)))) }
        return .object(pairs)
    }
}

/// A function call in an answer; `arguments` is the model's raw JSON text, unchecked.
public struct ToolCall: Sendable, Hashable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// What the model answered: prose, tool calls, or both, with the token counts it reported.
public struct ChatAnswer: Sendable, Hashable {
    public var content: String?
    public var toolCalls: [ToolCall]
    public var finishReason: String?
    public var promptTokens: Int
    public var completionTokens: Int
    /// Raw control characters inside JSON strings, of the body or of a tool call's arguments, that
    /// were escaped so that the answer could be read (`JSON.escapingControlCharacters`).
    public var repairedControlCharacters = 0

    public init(content: String?, toolCalls: [ToolCall], finishReason: String?, promptTokens: Int, completionTokens: Int) {
        self.content = content
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// Reads a chat completion response body (the first choice).
    public static func parse(_ body: Data) throws(JSON.ParseError) -> ChatAnswer {
        var repaired = 0
        let json: JSON
        do { json = try JSON.parse(body) } catch {
            // Only a string's raw control characters are forgiven; anything else still fails.
            let fixed = JSON.escapingControlCharacters(in: String(decoding: body, as: UTF8.self))
            guard fixed.repaired > 0 else { throw error }
            json = try JSON.parse(fixed.text)
            repaired += fixed.repaired
        }
        guard let choices = json["choices"]?.array, let first = choices.first, let message = first["message"] else {
            throw JSON.ParseError(description: "no choices[0].message in the response")
        }
        var calls: [ToolCall] = []
        for call in message["tool_calls"]?.array ?? [] {
            guard let function = call["function"], let name = function["name"]?.string else {
                throw JSON.ParseError(description: "a tool call without function.name")
            }
            // Arguments are a JSON string by the protocol; some servers send the object itself.
            var arguments = function["arguments"].map { $0.string ?? $0.rendered } ?? "{}"
            if (try? JSON.parse(arguments)) == nil {
                let fixed = JSON.escapingControlCharacters(in: arguments)
                if fixed.repaired > 0, (try? JSON.parse(fixed.text)) != nil {
                    arguments = fixed.text
                    repaired += fixed.repaired
                }
            }
            calls.append(ToolCall(id: call["id"]?.string ?? "", name: name, arguments: arguments))
        }
        let usage = json["usage"]
        var answer = ChatAnswer(content: message["content"]?.string, toolCalls: calls, finishReason: first["finish_reason"]?.string,
                                promptTokens: tokenCount(usage?["prompt_tokens"]), completionTokens: tokenCount(usage?["completion_tokens"]))
        answer.repairedControlCharacters = repaired
        return answer
    }

    /// The most tokens one answer is believed to have used; a server's count is held to
    /// `0...maxTokenCount`, so that no hostile number can overflow a run's sums.
    public static let maxTokenCount = Int(Int32.max)

    static func tokenCount(_ value: JSON?) -> Int {
        guard let v = value?.double, v.isFinite else { return 0 }
        return Int(min(max(v, 0), Double(maxTokenCount)).rounded(.down))
    }
}
