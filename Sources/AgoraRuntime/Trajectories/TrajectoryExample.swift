import AgoraLLM
import Foundation

/// One exported decision: a question, the answer the model gave, where it came from and what it
/// earned; it writes itself as a line of each format.
struct TrajectoryExample {
    var question: TrajectoryQuestion
    var event: TrajectoryQuestion.Event
    var answer: ChatAnswer
    /// The answer was applied (false: it fell back, and is exported as a negative).
    var valid: Bool
    /// With `--per-member`, the member the example is about (else the question's representative speaks for all).
    var member: Int?
    var kind: String?
    var persona: [(name: String, value: String)]
    var provenance: TrajectoryExport.Provenance
    /// The reward the example is scored by (nil: the model reports no outcomes).
    var rewardSpec: TrajectoryReward?
    var reward: Double?
    var baseline: Double?

    /// The prompt as sent: the system and user messages.
    var messages: [JSON] {
        question.request.messages.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] }
    }

    /// The tools as sent (OpenAI's `{"type": "function", "function": {…}}` objects).
    var tools: JSON { question.request.body["tools"] ?? .array([]) }

    /// The model's answer as an assistant message: its first tool call (the one applied), or its text.
    var assistant: JSON {
        if let call = answer.toolCalls.first {
            let id = call.id.isEmpty ? "call_0" : call.id
            return ["role": "assistant",
                    "tool_calls": .array([["id": .string(id), "type": "function",
                                           "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]])]
        }
        return ["role": "assistant", "content": .string(answer.content ?? "")]
    }

    /// What the answer did, for telling two answers apart: the tool and its arguments as parsed
    /// (key order and spacing do not count), or the text.
    var action: String {
        if let call = answer.toolCalls.first {
            let args = (try? JSON.parse(call.arguments)).map { Self.canonical($0).rendered } ?? call.arguments
            return call.name + " " + args
        }
        return "text " + (answer.content ?? "")
    }

    static func canonical(_ j: JSON) -> JSON {
        switch j {
        case .object(let pairs): return .object(pairs.map { ($0.0, canonical($0.1)) }.sorted { $0.0 < $1.0 })
        case .array(let items): return .array(items.map(canonical))
        default: return j
        }
    }

    static func number(_ v: Double?) -> JSON {
        guard let v, v.isFinite else { return .null }
        return .number(v)
    }

    /// Where the example comes from and what it earned (`agora` in every line).
    var provenanceJSON: JSON {
        let q = question, s = q.request.sampling
        var sampling: [(String, JSON)] = []
        if let t = s.temperature { sampling.append(("temperature", .number(t))) }
        if let p = s.topP { sampling.append(("top_p", .number(p))) }
        if let m = s.maxTokens { sampling.append(("max_tokens", .int(Int64(m)))) }
        if let seed = s.seed { sampling.append(("seed", .int(Int64(seed)))) }
        var pairs: [(String, JSON)] = [
            ("run", .string(provenance.run)), ("digest", provenance.digest.map(JSON.string) ?? .null),
            ("scenario", .string(provenance.scenario)), ("seed", .int(Int64(bitPattern: provenance.seed))),
            ("tick", .int(Int64(q.tick))), ("index", .int(Int64(q.index))), ("applied_at", .int(Int64(event.collectedAt + 1))),
            ("agent", .int(Int64(q.agent))),
        ]
        if let member { pairs.append(("member", .int(Int64(member)))) }
        pairs += [
            ("members", .int(Int64(q.members.count))), ("takers", .int(Int64(q.takers.count))),
            ("kind", kind.map(JSON.string) ?? .null), ("archetype", .string(q.archetype)),
            ("persona", .object(persona.map { ($0.name, .string($0.value)) })),
            ("model", .string(q.request.model)), ("sampling", .object(sampling)), ("tool_choice", .string(q.request.toolChoice)),
            ("source", .string(event.source == LLMReply.Source.cache.rawValue ? "cache" : "endpoint")), ("answers", "log"),
            ("request", .string(String(format: "%016llx", UInt64(bitPattern: q.key)))),
            ("valid", .bool(valid)), ("fallback", event.fallback.map(JSON.string) ?? .null),
            ("failure", event.failure.isEmpty ? .null : .string(event.failure)),
            ("tokens", ["prompt": .int(Int64(event.promptTokens)), "completion": .int(Int64(event.completionTokens))]),
        ]
        if let rewardSpec {
            let window = q.endTick >= 0 ? q.endTick - event.collectedAt : 0
            pairs.append(("reward", .object([
                ("name", .string(rewardSpec.description)), ("value", Self.number(reward)), ("baseline", Self.number(baseline)),
                ("advantage", Self.number(reward.flatMap { r in baseline.map { r - $0 } })),
                ("window", .int(Int64(window))), ("complete", .bool(q.endTick >= 0 && window == rewardSpec.horizon)),
            ])))
        }
        return .object(pairs)
    }

    /// OpenAI's chat fine-tuning format.
    func chatLine(bare: Bool) -> String {
        var pairs: [(String, JSON)] = [("messages", .array(messages + [assistant])), ("tools", tools), ("parallel_tool_calls", false)]
        if !bare { pairs.append(("agora", provenanceJSON)) }
        return JSON.object(pairs).rendered
    }

    /// ShareGPT with function calls, as LLaMA-Factory reads it: `conversations` (human, then
    /// function_call or gpt), `system`, and `tools` as a JSON text of the functions.
    func shareGPTLine(bare: Bool) -> String {
        let user = question.request.messages.last { $0.role == .user }?.content ?? ""
        let system = question.request.messages.first { $0.role == .system }?.content ?? ""
        var reply: JSON
        if let call = answer.toolCalls.first {
            let args = (try? JSON.parse(call.arguments)) ?? .string(call.arguments)
            reply = ["from": "function_call", "value": .string(JSON.object([("name", .string(call.name)), ("arguments", args)]).rendered)]
        } else {
            reply = ["from": "gpt", "value": .string(answer.content ?? "")]
        }
        let functions = JSON.array((tools.array ?? []).map { $0["function"] ?? $0 })
        var pairs: [(String, JSON)] = [
            ("conversations", .array([["from": "human", "value": .string(user)], reply])),
            ("system", .string(system)), ("tools", .string(functions.rendered)),
        ]
        if !bare { pairs.append(("agora", provenanceJSON)) }
        return JSON.object(pairs).rendered
    }
}
