import AgoraLLM
import Foundation

/// Responses in the shape of OpenAI's chat completions API, for `LoopbackServer` handlers.
public enum OpenAIFixture {
    /// A completion whose message calls `tool` with `arguments` (raw JSON text, valid or not).
    public static func toolCall(_ tool: String, arguments: String, promptTokens: Int = 120, completionTokens: Int = 18) -> Data {
        let body: JSON = [
            "id": "chatcmpl-fixture", "object": "chat.completion", "model": "fixture",
            "choices": [[
                "index": 0, "finish_reason": "tool_calls",
                "message": ["role": "assistant", "content": .null,
                            "tool_calls": [["id": "call_1", "type": "function",
                                            "function": ["name": .string(tool), "arguments": .string(arguments)]]]],
            ]],
            "usage": ["prompt_tokens": .int(Int64(promptTokens)), "completion_tokens": .int(Int64(completionTokens)),
                      "total_tokens": .int(Int64(promptTokens + completionTokens))],
        ]
        return Data(body.rendered.utf8)
    }

    /// A completion whose message is prose, with no tool call.
    public static func prose(_ text: String, promptTokens: Int = 100, completionTokens: Int = 30) -> Data {
        let body: JSON = [
            "id": "chatcmpl-fixture", "object": "chat.completion",
            "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": .string(text)]]],
            "usage": ["prompt_tokens": .int(Int64(promptTokens)), "completion_tokens": .int(Int64(completionTokens))],
        ]
        return Data(body.rendered.utf8)
    }

    /// The request body of `request`, parsed.
    public static func body(_ request: LoopbackServer.Request) -> JSON? { try? JSON.parse(request.body) }
}

/// Counts calls across handler threads, for scripted sequences ("fail twice, then answer").
public final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    public init() {}
    /// The number of this call, from 1.
    public func next() -> Int { lock.withLock { n += 1; return n } }
    public var count: Int { lock.withLock { n } }
}
