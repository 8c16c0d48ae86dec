import AgoraCore
import AgoraLLM
import AgoraLog
import Foundation
import LLMFixture
import Testing

/// `agora export trajectories` and `agora compare` on small runs against a fixture endpoint: one
/// line per decision, rewards that agree with the log worked by hand, lines that fit the formats'
/// schemas and the tools they were given, no key and no path, the same bytes every time.
@Suite(.serialized) struct TrajectoryCommandTests {
    static let key = "sk-agora-trajectory-4e1b"

    /// A fixture that buys, sells, holds or talks, by a hash of the prompt.
    static func marketServer() throws -> LoopbackServer {
        try LoopbackServer { request in
            guard request.headers["authorization"] == "Bearer \(Self.key)" else { return .respond(status: 401, body: Data()) }
            let user = OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? ""
            switch textHash(user) & 3 {
            case 0: return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "buy", "order_type": "market", "quantity": 20}"#))
            case 1: return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "sell", "order_type": "market", "quantity": 20}"#))
            case 2: return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
            default: return .respond(status: 200, body: OpenAIFixture.prose("Wait and see."))
            }
        }
    }

    /// The small rate-cut world with every archetype member taking the answer.
    static func marketRun(_ dir: String, extra: [String] = []) throws {
        let server = try marketServer()
        defer { server.stop() }
        let run = try agora(["run", "scenarios/rate-cut.yaml", "--out", dir] + LLMRunTests.small
                            + ["--set", "llm.archetypes.mix=1", "--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)",
                               "--set", "llm.endpoint.model=fixture"] + extra,
                            environment: ["OPENAI_API_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
    }

    static func lines(_ path: String) throws -> [JSON] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSON.parse(String($0)) }
    }

    /// The formats' schemas (schemas/trajectories.json), with named parts put in place.
    static func schema(_ name: String) throws -> JSON {
        let all = try JSON.parse(Data(contentsOf: URL(fileURLWithPath: "schemas/trajectories.json")))
        func resolve(_ j: JSON) -> JSON {
            switch j {
            case .string(let s) where all[s] != nil && s != "about": return resolve(all[s]!)
            case .object(let pairs):
                return .object(pairs.map { k, v in (k == "enum" || k == "required" || k == "type") ? (k, v) : (k, resolve(v)) })
            case .array(let items): return .array(items.map(resolve))
            default: return j
            }
        }
        return resolve(all[name]!)
    }

    /// Per question of the log: its status and source, for counting what the export should hold.
    static func questions(_ dir: String) throws -> [(status: Int64, source: Int64)] {
        let reader = try LogReader(path: dir + "/events.agl")
        let kind = try #require(reader.schema.kind(named: "llm"))
        let col = Dictionary(uniqueKeysWithValues: kind.columns.enumerated().map { ($1, $0) })
        var out: [(Int64, Int64)] = []
        _ = reader.forEachChunk(kinds: [kind.id]) { c in
            for i in 0..<c.count where c.columns[col["index"]!][i] >= 0 { out.append((c.columns[col["status"]!][i], c.columns[col["source"]!][i])) }
        }
        return out
    }

    /// Each trader's wealth at the end of every tick, worked from the log alone: the scenario's
    /// starting cash and shares, every fill (cash less fee), and each instrument's mark — the
    /// mid of an uncrossed two-sided book, else the last trade.
    static func wealth(_ dir: String, agents: Set<Int>, ticks: Int) throws -> [Int: [Int64]] {
        let reader = try LogReader(path: dir + "/events.agl")
        func columns(_ name: String) throws -> (UInt16, [String: Int]) {
            let k = try #require(reader.schema.kind(named: name))
            return (k.id, Dictionary(uniqueKeysWithValues: k.columns.enumerated().map { ($1, $0) }))
        }
        let (reportID, r) = try columns("report"), (marketID, m) = try columns("market")
        var marks = [[Int64]](repeating: [Int64](repeating: 0, count: 2), count: ticks)
        _ = reader.forEachChunk(kinds: [marketID]) { c in
            for i in 0..<c.count {
                let t = Int(c.columns[m["tick"]!][i]), s = Int(c.columns[m["agent"]!][i])
                let bid = c.columns[m["bid"]!][i], ask = c.columns[m["ask"]!][i], last = c.columns[m["last"]!][i]
                marks[t][s] = bid > 0 && ask > 0 && bid < ask ? (bid + ask) / 2 : last
            }
        }
        var cash: [Int: Int64] = [:], shares: [Int: [Int64]] = [:]
        for a in agents { cash[a] = 5_000_000; shares[a] = [200, 200] }
        var fills: [Int: [(agent: Int, side: Int64, symbol: Int, price: Int64, quantity: Int64, fee: Int64)]] = [:]
        let fill = Int64(reader.schema.kind(named: "report")!.labels?["report"]?.first { $0.value == "fill" }.map { Int64($0.key)! } ?? 1)
        _ = reader.forEachChunk(kinds: [reportID]) { c in
            for i in 0..<c.count where c.columns[r["report"]!][i] == fill && agents.contains(Int(c.columns[r["agent"]!][i])) {
                fills[Int(c.columns[r["tick"]!][i]), default: []].append(
                    (Int(c.columns[r["agent"]!][i]), c.columns[r["side"]!][i], Int(c.columns[r["instrument"]!][i]),
                     c.columns[r["price"]!][i], c.columns[r["quantity"]!][i], c.columns[r["fee"]!][i]))
            }
        }
        var out: [Int: [Int64]] = [:]
        for t in 0..<ticks {
            for f in fills[t] ?? [] {
                let buy = f.side == 0
                cash[f.agent]! += (buy ? -1 : 1) * f.price * f.quantity - f.fee
                shares[f.agent]![f.symbol] += buy ? f.quantity : -f.quantity
            }
            for a in agents { out[a, default: []].append(cash[a]! + shares[a]![0] * marks[t][0] + shares[a]![1] * marks[t][1]) }
        }
        return out
    }

    @Test func anExportHasOneLinePerDecisionWithRewardsTheLogAgreesWith() throws {
        let dir = try temporaryDirectory() + "/run"
        try Self.marketRun(dir)
        let questions = try Self.questions(dir)
        let applied = questions.filter { $0.status == 0 }.count
        #expect(applied > 10, "the fixture's answers should mostly apply: \(questions)")
        // One line per applied question; with --include-invalid, also those that fell back with an answer.
        let chat = try agora(["export", "trajectories", dir])
        #expect(chat.status == 0, "\(chat.stderr)")
        let lines = try Self.lines(dir + "/trajectories-chat.jsonl")
        #expect(lines.count == applied, "\(chat.stderr)")
        let all = try agora(["export", "trajectories", dir, "--include-invalid", "--out", dir + "/all.jsonl"])
        #expect(all.status == 0)
        // Status 4 is `failed` (1 + its place among the fallbacks); source 3 is no endpoint.
        let answered = questions.filter { $0.status != 4 && $0.source != 3 }.count
        #expect(try Self.lines(dir + "/all.jsonl").count == answered)
        #expect(try Self.lines(dir + "/all.jsonl").contains { $0["agora"]?["valid"] == false && $0["agora"]?["fallback"] == "no_tool_call" })

        // Per member, pnl@10 equals the change of wealth worked from the log over the window.
        let members = try agora(["export", "trajectories", dir, "--per-member", "--reward", "pnl@10", "--out", dir + "/members.jsonl"])
        #expect(members.status == 0, "\(members.stderr)")
        let examples = try Self.lines(dir + "/members.jsonl")
        let agents = Set(examples.compactMap { $0["agora"]?["member"]?.integer.map(Int.init) })
        let worked = try Self.wealth(dir, agents: agents, ticks: 150)
        var checked = 0
        for x in examples {
            let a = try #require(x["agora"]), member = Int(try #require(a["member"]?.integer))
            let from = Int(try #require(a["applied_at"]?.integer)) - 1, reward = try #require(a["reward"])
            // Calls (the opening ticks) mark at the indicative price, which the log's book does not give.
            guard from >= 10, reward["complete"] == true else { continue }
            let expected = Double(worked[member]![from + 10] - worked[member]![from])
            #expect(reward["value"]?.double == expected, "member \(member) from tick \(from)")
            checked += 1
        }
        #expect(checked >= 10)
    }

    @Test func everyLineFitsItsFormatAndItsToolsAndHoldsNoKeyOrPath() throws {
        let root = try temporaryDirectory(), dir = root + "/run"
        try Self.marketRun(dir)
        for format in ["chat", "sharegpt", "preference"] {
            let out = try agora(["export", "trajectories", dir, "--format", format, "--include-invalid"])
            #expect(out.status == 0, "\(out.stderr)")
            let path = dir + "/trajectories-\(format).jsonl"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!text.contains(Self.key) && !text.contains(root) && !text.contains("127.0.0.1"))
            let schema = try Self.schema(format)
            let lines = try Self.lines(path)
            #expect(!lines.isEmpty, "\(format): \(out.stderr)")
            for line in lines {
                #expect(SchemaCheck.problems(line, against: schema, at: format).isEmpty,
                        "\(SchemaCheck.problems(line, against: schema, at: format))")
                // Every tool call is one of the tools the line offers, with arguments its schema takes.
                let tools = format == "sharegpt" ? try JSON.parse(line["tools"]!.string!).array! : (line["tools"] ?? line["input"]!["tools"]!).array!.map { $0["function"]! }
                var calls: [(String, JSON)] = []
                for m in (line["messages"]?.array ?? []) + (line["preferred_output"]?.array ?? []) + (line["non_preferred_output"]?.array ?? []) {
                    for c in m["tool_calls"]?.array ?? [] { calls.append((c["function"]!["name"]!.string!, try JSON.parse(c["function"]!["arguments"]!.string!))) }
                }
                for c in line["conversations"]?.array ?? [] where c["from"] == "function_call" {
                    let call = try JSON.parse(c["value"]!.string!)
                    calls.append((call["name"]!.string!, call["arguments"]!))
                }
                for (name, arguments) in calls {
                    let tool = try #require(tools.first { $0["name"]?.string == name }, "\(name) is not offered")
                    if line["agora"]?["valid"] != false && line["agora"]?["rejected"] == nil {
                        #expect(SchemaCheck.problems(arguments, against: tool["parameters"]!).isEmpty)
                    }
                }
            }
        }
    }

    @Test func theExportIsTheSameBytesEveryTimeAndAtAnyThreadCount() throws {
        let dir = try temporaryDirectory() + "/run"
        try Self.marketRun(dir)
        let one = try agora(["export", "trajectories", dir, "--include-invalid", "--threads", "1", "--out", dir + "/one.jsonl"])
        let two = try agora(["export", "trajectories", dir, "--include-invalid", "--threads", "2", "--out", dir + "/two.jsonl"])
        #expect(one.status == 0 && two.status == 0, "\(one.stderr) \(two.stderr)")
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/one.jsonl")), b = try Data(contentsOf: URL(fileURLWithPath: dir + "/two.jsonl"))
        #expect(a == b)
        #expect(!a.isEmpty)
        // The same run's log, copied: the export is a function of the log and the scenario.
        let copy = dir + "-copy"
        try FileManager.default.copyItem(atPath: dir, toPath: copy)
        let three = try agora(["export", "trajectories", copy, "--include-invalid", "--out", copy + "/three.jsonl"])
        #expect(three.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy + "/three.jsonl")) == a)
        // Compared with itself, a run shows no difference.
        let same = try agora(["compare", dir, copy, "--json"])
        #expect(same.status == 0, "\(same.stderr)")
        let report = try JSON.parse(same.stdout)
        #expect(report["decisions"]?["differing"]?.integer == 0)
        #expect(report["decisions"]?["matched"]?.integer ?? 0 > 0)
        #expect((report["figures"]?.array ?? []).allSatisfy { $0["first"] == $0["second"] })
    }

    @Test func badInputIsRefusedAndADamagedLogExportsItsReadablePart() throws {
        let dir = try temporaryDirectory() + "/run"
        try Self.marketRun(dir)
        let unknown = try agora(["export", "trajectories", dir, "--format", "alpaca"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown --format 'alpaca'"))
        let reward = try agora(["export", "trajectories", dir, "--reward", "sharpe@5"])
        #expect(reward.status != 0 && reward.stderr.contains("unknown --reward 'sharpe@5'"))
        let negative = try agora(["export", "trajectories", dir, "--reward", "pnl@-3"])
        #expect(negative.status != 0 && negative.stderr.contains("at least 1"))
        let wrongModel = try agora(["export", "trajectories", dir, "--reward", "engagement@5"])
        #expect(wrongModel.status != 0 && wrongModel.stderr.contains("does not apply to the market model"))
        let whole = try agora(["export", "trajectories", dir, "--out", dir + "/whole.jsonl"])
        #expect(whole.status == 0)
        let wholeLines = try Self.lines(dir + "/whole.jsonl").count
        // Cut the log in half: the export names the damage, keeps what it could read, exits 1.
        let log = dir + "/events.agl"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: log))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: log))
        let cut = try agora(["export", "trajectories", dir, "--out", dir + "/cut.jsonl"])
        #expect(cut.status == 1, "\(cut.stderr)")
        #expect(cut.stderr.contains("the log") && cut.stderr.contains("readable part"), "\(cut.stderr)")
        #expect(try Self.lines(dir + "/cut.jsonl").count < wholeLines)
        // A run with no endpoint made no LLM decisions: an empty file, and it says so.
        let none = try temporaryDirectory() + "/none"
        let run = try agora(["run", "scenarios/rate-cut.yaml", "--out", none] + LLMRunTests.small)
        #expect(run.status == 0)
        let empty = try agora(["export", "trajectories", none])
        #expect(empty.status == 0 && empty.stderr.contains("no LLM decisions"), "\(empty.stderr)")
        #expect(try String(contentsOfFile: none + "/trajectories-chat.jsonl", encoding: .utf8).isEmpty)
    }

    @Test func networkUsersAreScoredByEngagementAndTheirTextsSurviveAsText() throws {
        let dir = try temporaryDirectory() + "/run"
        let server = try LoopbackServer(handler: UserFixture.handler(maxText: 280))
        let run = try agora(["run", "scenarios/llm-social.yaml", "--out", dir] + LLMRunTests.smallSocial
                            + ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture"])
        server.stop()
        #expect(run.status == 0, "\(run.stderr)")
        let export = try agora(["export", "trajectories", dir, "--format", "sharegpt", "--tool", "create_post"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("reward engagement@10"))
        let lines = try Self.lines(dir + "/trajectories-sharegpt.jsonl")
        #expect(!lines.isEmpty)
        // The fixture writes a hostile text, or a long one; both come out as the model wrote them.
        var hostile = 0
        for line in lines {
            let call = try JSON.parse(line["conversations"]!.array![1]["value"]!.string!)
            #expect(call["name"] == "create_post")
            let text = try #require(call["arguments"]?["text"]?.string)
            #expect(text == UserFixture.hostileText || (!text.isEmpty && text.allSatisfy { $0 == "a" }))
            if text == UserFixture.hostileText { hostile += 1 }
            #expect(line["agora"]?["reward"]?["value"]?.double.map { $0 >= 0 } == true)
        }
        #expect(hostile > 0)
        // A post reaches at least its author's followers: reach@N is never below what engagement counts as reposts.
        let reach = try agora(["export", "trajectories", dir, "--reward", "reach@10", "--tool", "create_post", "--out", dir + "/reach.jsonl"])
        #expect(reach.status == 0)
        let reached = try Self.lines(dir + "/reach.jsonl").compactMap { $0["agora"]?["reward"]?["value"]?.double }
        #expect(reached.count == lines.count && reached.reduce(0, +) > 0)
    }

    /// Two runs of LLM users answered by different "models": the comparison names the decisions
    /// they answered differently, and its page renders in Chromium with the hostile texts as text.
    @Test func theComparisonPageShowsDifferingDecisionsAsText() throws {
        let root = try temporaryDirectory()
        let writer = try LoopbackServer(handler: UserFixture.handler(maxText: 280))
        let idle = try LoopbackServer { _ in .respond(status: 200, body: UserFixture.call("do_nothing")) }
        defer { writer.stop(); idle.stop() }
        for (name, server) in [("a", writer), ("b", idle)] {
            let run = try agora(["run", "scenarios/llm-social.yaml", "--out", root + "/" + name] + LLMRunTests.smallSocial
                                + ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture-\(name)"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let page = root + "/compare.html"
        let compare = try agora(["compare", root + "/a", root + "/b", "--json", "--html", page])
        #expect(compare.status == 0, "\(compare.stderr)")
        let report = try JSON.parse(compare.stdout)
        #expect(report["first"]?["model"] == "fixture-a" && report["second"]?["model"] == "fixture-b")
        #expect(report["decisions"]?["differing"]?.integer ?? 0 > 0, "\(compare.stdout.prefix(400))")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("&lt;script&gt;alert(") && !html.contains("<script>alert("))
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is installed by scripts/install-deps.sh")
        let dom = try launch(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom", "file://\(page)"]).stdout
        let charts = try #require(AnalyzeCommandTests.attribute("data-charts", in: dom))
        #expect(charts >= 1 && AnalyzeCommandTests.attribute("data-drawn", in: dom) == charts)
        #expect(AnalyzeCommandTests.attribute("data-errors", in: dom) == nil)
        #expect(dom.contains("&lt;script&gt;alert(") && !dom.contains("<script>alert("))
    }
}
