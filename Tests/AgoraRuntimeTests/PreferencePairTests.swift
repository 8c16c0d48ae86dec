import AgoraLLM
@testable import AgoraRuntime
import Testing

/// Preference pairs on constructed decisions: which answers pair, which way, and which are dropped.
@Suite struct PreferencePairTests {
    static let tools = [ToolSpec(name: "place_order", description: "", parameters: ["type": "object"]),
                        ToolSpec(name: "hold", description: "", parameters: ["type": "object"])]

    /// A decision of `archetype` at `tick` that called `tool` with `arguments` and earned `reward`.
    static func example(_ archetype: String, tick: Int, _ tool: String, _ arguments: String, reward: Double?, valid: Bool = true,
                        user: String? = nil) -> TrajectoryExample {
        let request = ChatRequest(model: "m", messages: [ChatMessage(.system, "s"), ChatMessage(.user, user ?? "tick \(tick)")], tools: tools)
        var q = TrajectoryQuestion(tick: tick, index: 0, agent: tick, members: [tick], archetype: archetype, request: request, key: Int64(tick))
        q.takers = valid ? [tick] : []
        let event = TrajectoryQuestion.Event(collectedAt: tick, status: valid ? 0 : 5, source: 0, tool: tool, arguments: arguments, failure: "",
                                             answer: "", promptTokens: 1, completionTokens: 1, attempts: 1, milliseconds: 1)
        let answer = ChatAnswer(content: nil, toolCalls: [ToolCall(id: "c", name: tool, arguments: arguments)], finishReason: "stop",
                                promptTokens: 1, completionTokens: 1)
        var x = TrajectoryExample(question: q, event: event, answer: answer, valid: valid, member: nil, kind: nil, persona: [],
                                  provenance: TrajectoryExport.Provenance(run: "r", digest: nil, scenario: "s", seed: 1, kinds: []),
                                  rewardSpec: TrajectoryReward(measure: .pnl, horizon: 5))
        x.reward = reward
        return x
    }

    static let buy = #"{"side": "buy", "order_type": "market", "quantity": 10}"#
    static let buyReordered = #"{"quantity":10,"order_type":"market","side":"buy"}"#
    static let sell = #"{"side": "sell", "order_type": "market", "quantity": 10}"#

    @Test func theBestPairsWithTheWorstWithinAnArchetype() {
        let xs = [Self.example("A", tick: 1, "place_order", Self.buy, reward: 30),
                  Self.example("A", tick: 2, "place_order", Self.sell, reward: -10),
                  Self.example("A", tick: 3, "hold", "{}", reward: 5),
                  Self.example("A", tick: 4, "place_order", Self.sell, reward: 20),
                  Self.example("B", tick: 5, "hold", "{}", reward: 100)]
        let pairs = PreferencePairs.within(xs, margin: 0, includeInvalid: false)
        // A ranked: 30 (t1), 20 (t4), 5 (t3), −10 (t2): t1 over t2, then t4 over t3; B has one answer.
        #expect(pairs.map { [$0.chosen.question.tick, $0.rejected.question.tick] } == [[1, 2], [4, 3]])
        #expect(pairs.allSatisfy { $0.basis == "archetype" })
        // A margin above a pair's gap stops the pairing there: 20 − 5 < 16.
        #expect(PreferencePairs.within(xs, margin: 16, includeInvalid: false).map(\.chosen.question.tick) == [1])
    }

    @Test func answersThatDoTheSameThingTiesAndMissingRewardsAreNotPaired() {
        let same = [Self.example("A", tick: 1, "place_order", Self.buy, reward: 30),
                    Self.example("A", tick: 2, "place_order", Self.buyReordered, reward: -10)]
        #expect(PreferencePairs.within(same, margin: 0, includeInvalid: false).isEmpty)
        let tie = [Self.example("A", tick: 1, "place_order", Self.buy, reward: 7), Self.example("A", tick: 2, "hold", "{}", reward: 7)]
        #expect(PreferencePairs.within(tie, margin: 0, includeInvalid: false).isEmpty)
        let unscored = [Self.example("A", tick: 1, "place_order", Self.buy, reward: nil), Self.example("A", tick: 2, "hold", "{}", reward: 1)]
        #expect(PreferencePairs.within(unscored, margin: 0, includeInvalid: false).isEmpty)
    }

    @Test func anInvalidAnswerIsRejectedAgainstItsContextsBest() {
        let xs = [Self.example("A", tick: 1, "place_order", Self.buy, reward: 3),
                  Self.example("A", tick: 2, "place_order", #"{"side": "up"}"#, reward: 50, valid: false),
                  Self.example("A", tick: 3, "hold", "{}", reward: 9)]
        #expect(PreferencePairs.within(xs, margin: 0, includeInvalid: false).map { [$0.chosen.question.tick, $0.rejected.question.tick] } == [[3, 1]])
        let withInvalid = PreferencePairs.within(xs, margin: 0, includeInvalid: true)
        #expect(withInvalid.map { [$0.chosen.question.tick, $0.rejected.question.tick] } == [[3, 1], [3, 2]])
        #expect(withInvalid.last?.basis == "invalid")
    }

    @Test func acrossRunsOnlyIdenticalPromptsPairAndTheBetterRewardIsChosen() {
        let mine = [Self.example("A", tick: 1, "place_order", Self.buy, reward: 4, user: "same"),
                    Self.example("A", tick: 2, "hold", "{}", reward: 9, user: "only mine")]
        let theirs = [Self.example("A", tick: 1, "place_order", Self.sell, reward: 6, user: "same"),
                      Self.example("A", tick: 2, "place_order", Self.buy, reward: 0, user: "only theirs")]
        let pairs = PreferencePairs.across(mine, theirs, margin: 0)
        #expect(pairs.count == 1)
        #expect(pairs.first?.chosen.action == "place_order " + #"{"order_type":"market","quantity":10,"side":"sell"}"#)
        #expect(pairs.first?.basis == "runs")
        #expect(PreferencePairs.across(mine, theirs, margin: 3).isEmpty)
    }
}
