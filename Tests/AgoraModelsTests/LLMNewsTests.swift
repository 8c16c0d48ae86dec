import AgoraCore
import AgoraEngine
import AgoraLLM
@testable import AgoraModels
import AgoraSocial
import Foundation
import LLMFixture
import Testing

/// LLM users on a news network, against the loopback endpoint: they post texts of their own,
/// repost, like, follow and unfollow; bad answers fall back by reason; the texts reach the log
/// whole; replay and any shard count give the run's digest.
@Suite struct LLMNewsTests {
    static let graph = BarabasiAlbert.graph(nodes: 3_000, m: 3, seed: 5)

    static func settings(_ server: LoopbackServer?, maxText: Int = 1_000) -> LLMSettings {
        var s = LLMSettings()
        if let server {
            var e = EndpointSettings(baseURL: server.baseURL, model: "fixture")
            e.maxRetries = 0
            s.endpoint = e
        }
        s.latency = 1
        s.maxText = maxText
        s.escalation.fraction = 0.02
        s.escalation.onNews = true
        s.escalation.onFollowedPost = true
        s.escalation.cooldown = 2
        s.personas = Personas(attributes: [("age", .uniform(min: 18, max: 80, integer: true)), ("leaning", .choice(["left", "right"], weights: []))],
                              template: "You are {age} and lean {leaning}.", seed: 4)
        return s
    }

    static func model(_ settings: LLMSettings?, answers: (any AnswerSource)? = nil,
                      tweak: (inout NewsModel.Parameters) -> Void = { _ in }) -> NewsModel {
        var p = NewsModel.Parameters()
        p.newsTick = 2
        p.likeProbability = 0.2
        p.followProbability = 0.05
        p.unfollowProbability = 0.05
        tweak(&p)
        return NewsModel(graph: graph, params: p, seeds: [10, 20, 30, 40], seed: 8, llm: settings, answers: answers)
    }

    struct Outcome {
        var digest: String
        /// `llm` rows: tick, agent, then the event's columns.
        var questions: [[Int64]]
        /// `llm_post` rows: tick, agent, text, topic, emotion, attitude (the strings resolved).
        var posts: [(tick: Int, agent: Int, text: String, topic: String, emotion: Int64, attitude: Int64)]
        var strings: [Int64: String]
    }

    static func run(_ model: NewsModel, shards: Int = 2, ticks: Int = 40) -> Outcome {
        let sim = Simulation(model: model, shards: shards, threads: 2, logPolicy: .defaults(for: model.eventKinds, seed: 1))
        var out = Outcome(digest: "", questions: [], posts: [], strings: [:])
        sim.run(ticks: ticks) { r in
            sim.loggedRows(.all) { kind, buffer, width in
                for row in stride(from: 0, to: buffer.count, by: width) {
                    let values = Array(buffer[row..<(row + width)])
                    if kind.id == NewsModel.llmEvent.id {
                        out.questions.append([Int64(r.tick)] + values)
                        for c in 7...11 { out.strings[values[c]] = sim.loggedString(values[c]) }
                    } else if kind.id == NewsModel.llmPostEvent.id {
                        out.posts.append((r.tick, Int(values[0]), sim.loggedString(values[1]) ?? "?", sim.loggedString(values[2]) ?? "?",
                                          values[3], values[4]))
                    }
                }
            }
        }
        out.digest = sim.digest.hex
        return out
    }

    /// The answers of a run as its log holds them, per tick asked.
    static func book(_ o: Outcome) -> [Int: [(key: Int64, reply: LLMReply)]] {
        var book: [Int: [(key: Int64, reply: LLMReply)]] = [:]
        for row in o.questions.sorted(by: { ($0[2], $0[3]) < ($1[2], $1[3]) }) where row[3] >= 0 {
            let failed = row[5] == UserEscalation.statusCode(.failed)
            book[Int(row[2]), default: []].append((row[7], .recorded(raw: o.strings[row[11]] ?? "", failure: failed ? o.strings[row[10]] : nil,
                                                                     attempts: Int(row[15]), milliseconds: Int(row[16]),
                                                                     source: LLMReply.Source(rawValue: Int(row[6]))!)))
        }
        return book
    }

    @Test func usersAskActAndFallBackByReason() throws {
        let server = try LoopbackServer(handler: UserFixture.handler())
        defer { server.stop() }
        let model = Self.model(Self.settings(server))
        let llm = try #require(model.llm)
        let links = model.follows.edgeCount
        let o = Self.run(model)
        let a = llm.accounting
        #expect(llm.escalated.count > 30 && a.questions > 40, "\(llm.escalated.count) escalated, \(a.questions) questions")
        let applied = o.questions.filter { $0[5] == 0 }.compactMap { o.strings[$0[8]] }
        for tool in ["create_post", "repost", "like", "follow", "do_nothing"] { #expect(applied.contains(tool), "\(tool) in \(Set(applied))") }
        for reason in [Fallback.unknownTarget, .tooLong, .invalidArguments, .noToolCall] {
            #expect((a.fallbacks[reason] ?? 0) > 0, "\(reason) in \(a.fallbacks)")
        }
        // Every question is one event; every member of it is decided by the LLM or counted under a reason.
        #expect(o.questions.count == a.questions)
        #expect(a.decisions + a.fallbacks.values.reduce(0, +) - (a.fallbacks[.capped] ?? 0) - (a.fallbacks[.budget] ?? 0) == a.covered)
        // What the rejections say.
        let failures = o.questions.filter { $0[5] == UserEscalation.statusCode(.unknownTarget) }.compactMap { o.strings[$0[10]] }
        #expect(failures.contains { $0.contains("no user 99999999") } && failures.contains { $0.contains("post 7 is not in your feed") })
        // The prompt shows the user's state, feed and candidates.
        let prompt = try #require(o.questions.compactMap { o.strings[$0[12]] }.first { $0.contains("Your feed, newest first") })
        #expect(prompt.contains("You are ") && prompt.contains("users follow you") && prompt.contains("Users you might follow"))
        // Each LLM post is one `llm_post` event, with its text whole and the feelings the answer gave.
        // (An answer collected in the last tick would be applied in the next, which does not run.)
        let created = o.questions.filter { $0[5] == 0 && o.strings[$0[8]] == "create_post" }
        #expect(!o.posts.isEmpty && o.posts.count == created.filter { $0[2] + 1 < 40 }.count)
        #expect(o.posts.allSatisfy { $0.text == UserFixture.hostileText && $0.topic == "news" && $0.emotion == 2 && $0.attitude == -1 })
        #expect(model.texts.count == created.count && model.textOfPost.count == created.count)
        // Their posts travel: later prompts quote the text to the users who received them.
        #expect(o.questions.compactMap { o.strings[$0[12]] }.contains { $0.contains("\"" + UserFixture.hostileText.prefix(20)) })
        // Follows landed, and the counts every process keeps agree with the network.
        #expect(model.follows.edgeCount != links)
        #expect((0..<model.agentCount).allSatisfy { Int(model.followerCount[$0]) == model.follows.followerCount($0) })
        let following = try #require(model.following)
        #expect((0..<model.agentCount).reduce(0) { $0 + following.followerCount($1) } == model.follows.edgeCount, "whom each follows, by row")
        let summary = Dictionary(model.summary().map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(summary["llm_posts_total"] == Double(o.posts.count) && summary["llm.questions"] == Double(a.questions))
        // The feeds the LLM users' texts reached, per post, against the rules' posts.
        #expect((summary["llm_post_reach"] ?? 0) > 0 && (summary["rule_post_reach"] ?? 0) > 0)
    }

    @Test func replayNeedsNoEndpointAndAnyShardCountGivesTheRun() throws {
        let server = try LoopbackServer(handler: UserFixture.handler())
        let settings = Self.settings(server)
        let live = Self.run(Self.model(settings), shards: 3)
        server.stop()
        // The endpoint is gone; the recording answers.
        for shards in [1, 4] {
            let recorded = RecordedAnswers(Self.book(live))
            let model = Self.model(settings, answers: recorded)
            #expect(Self.run(model, shards: shards).digest == live.digest, "\(shards) shards, replayed")
            #expect(recorded.mismatches == 0 && model.llm!.accounting.replayed > 0)
        }
    }

    @Test func spreadOverProcessesTheUsersThinkAlike() throws {
        let server = try LoopbackServer(handler: UserFixture.handler())
        let settings = Self.settings(server)
        let live = Self.run(Self.model(settings), shards: 2)
        server.stop()
        #expect(live.questions.contains { $0[5] == 0 }, "some answers were applied")
        for processes in [2, 3] {
            let digests = try InProcessGroup.run(ranks: processes) { group in
                let model = Self.model(settings, answers: RecordedAnswers(Self.book(live)))
                let sim = Simulation(model: model, shards: 6, threads: 1, group: group)
                sim.run(ticks: 40)
                return sim.digest.hex
            }
            #expect(digests == Array(repeating: live.digest, count: processes), "\(processes) processes")
        }
    }

    @Test(arguments: [3, 17])
    func aCheckpointHoldsTheUsersThoughts(cut: Int) throws {
        let server = try LoopbackServer(handler: UserFixture.handler())
        let settings = Self.settings(server)
        let book = Self.book(Self.run(Self.model(settings), shards: 2))
        server.stop()
        var latent = settings
        latent.latency = 3
        for s in [settings, latent] {
            let (a, b) = try checkpointRoundTrip(total: 40, cut: cut, make: { Self.model(s, answers: RecordedAnswers(s.latency == 1 ? book : [:])) },
                                                 shards: (2, 3))
            #expect(a == b, "latency \(s.latency)")
        }
    }

    /// Following oneself is refused, a server error fails, the per-tick cap and the run's budget
    /// stop questions, and an archetype's members take its answer with probability `mix`.
    @Test func theOtherFallbacksAreCountedForUsersToo() throws {
        let server = try LoopbackServer { request in
            let prompt = UserFixture.prompt(request)
            switch UInt64(bitPattern: textHash(prompt)) % 3 {
            case 0: return .respond(status: 200, body: UserFixture.call("follow", [("user_id", .int(Int64(UserFixture.user(in: prompt) ?? 0)))]))
            case 1: return .respond(status: 500, body: Data())
            default: return .respond(status: 200, body: UserFixture.call("do_nothing"))
            }
        }
        defer { server.stop() }
        var s = Self.settings(server)
        s.budget.perTick = 3
        s.budget.calls = 40
        s.archetypes.by = ["leaning"]
        s.archetypes.mix = 0.5
        let model = Self.model(s)
        let o = Self.run(model)
        let a = try #require(model.llm).accounting
        for reason in [Fallback.refused, .failed, .capped, .budget, .mixed] { #expect((a.fallbacks[reason] ?? 0) > 0, "\(reason) in \(a.fallbacks)") }
        #expect(a.questions == 40 && a.failures > 0 && o.questions.filter { $0[3] >= 0 }.count == 40)
        let refused = o.questions.filter { $0[5] == UserEscalation.statusCode(.refused) }.compactMap { o.strings[$0[10]] }
        #expect(refused.allSatisfy { $0 == "you cannot follow yourself" } && !refused.isEmpty)
        #expect(o.questions.contains { $0[4] > 1 }, "archetypes share questions")
    }

    @Test func hundredKilobytesOfTextReachTheLogWhole() throws {
        let text = String(repeating: UserFixture.hostileText, count: 100_000 / UserFixture.hostileText.utf8.count + 1)
        let server = try LoopbackServer { _ in .respond(status: 200, body: UserFixture.call("create_post", [("text", .string(text))], emotion: "calm")) }
        defer { server.stop() }
        let model = Self.model(Self.settings(server, maxText: 200_000))
        let o = Self.run(model, ticks: 8)
        #expect(text.utf8.count > 100_000 && !o.posts.isEmpty)
        #expect(o.posts.allSatisfy { $0.text == text && $0.emotion == 0 })
    }

    @Test func withNoEndpointTheRulesDecideAndTheRunSaysSo() throws {
        let model = Self.model(Self.settings(nil))
        let o = Self.run(model)
        let a = try #require(model.llm).accounting
        #expect(a.questions > 0 && a.calls == 0 && a.decisions == 0 && o.posts.isEmpty)
        #expect(a.fallbacks[.noEndpoint] == o.questions.reduce(0) { $0 + Int($1[4]) })
        #expect(model.notes.first?.contains("no endpoint") == true)
        // The users' rule decisions are those of a run without LLM users.
        let plain = Self.model(nil)
        let sim = Simulation(model: plain, shards: 2, threads: 2)
        sim.run(ticks: 40)
        #expect(plain.attitude.toArray() == model.attitude.toArray() && plain.activity.toArray() == model.activity.toArray())
    }

    @Test func theToolsOfferedAreTheScenariosAndOthersAreUnknown() throws {
        let server = try LoopbackServer(handler: UserFixture.handler())
        defer { server.stop() }
        var s = Self.settings(server)
        s.tools = ["like", "do_nothing"]
        let model = Self.model(s)
        let o = Self.run(model, ticks: 20)
        let offered = try #require(server.requests.first.flatMap(OpenAIFixture.body)?["tools"]?.array)
        #expect(offered.compactMap { $0["function"]?["name"]?.string } == ["like", "do_nothing"])
        let unknown = o.questions.filter { $0[5] == UserEscalation.statusCode(.unknownTool) }
        #expect(!unknown.isEmpty && unknown.allSatisfy { ["create_post", "repost", "follow", "unfollow"].contains(o.strings[$0[8]] ?? "") })
    }
}
