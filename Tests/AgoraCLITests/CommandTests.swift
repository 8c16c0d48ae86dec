import AgoraCatalog
import Foundation
import LLMFixture
import Testing

@Suite(.serialized) struct RunCommandTests {
    static let small = ["--set", "agents[0].count=3000", "--ticks", "15"]
    static let smallSIR = ["--set", "network.nodes=4000", "--ticks", "30"]

    func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func runWritesItsDirectoryAndJSON() throws {
        let dir = try temporaryDirectory() + "/run"
        let r = try agora(["run", "scenarios/boltzmann.yaml", "--json", "--out", dir] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r.stdout)
        for key in ["run_id", "run_dir", "digest", "ticks", "agents", "wall_s", "agent_steps_per_s", "summary"] {
            #expect(j[key] != nil, "missing \(key)")
        }
        #expect(j["ticks"] as? Int == 15)
        #expect(j["agents"] as? Int == 3_000)
        #expect((j["digest"] as? String)?.count == 32)
        #expect(j["run_dir"] as? String == dir)
        for file in ["manifest.json", "metrics.csv", "scenario.yaml"] {
            #expect(FileManager.default.fileExists(atPath: "\(dir)/\(file)"), "\(file)")
        }
        let csv = try String(contentsOfFile: "\(dir)/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "tick,events,zero_share,total_wealth,gini")
        #expect(csv.count == 16)
        #expect(csv.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false)[3] == "3000" },
                "wealth must stay 3000 every tick")
        let manifest = try json(String(contentsOfFile: "\(dir)/manifest.json", encoding: .utf8))
        #expect(manifest["digest"] as? String == j["digest"] as? String)
        let resolved = try String(contentsOfFile: "\(dir)/scenario.yaml", encoding: .utf8)
        #expect(resolved.contains("count: 3000"))

        // The same --out again would overwrite a finished run: refused, nothing lost.
        let again = try agora(["run", "scenarios/boltzmann.yaml", "--out", dir] + Self.small)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds a run"))
        #expect(try String(contentsOfFile: "\(dir)/manifest.json", encoding: .utf8).contains(j["run_id"] as! String))
    }

    static let smallMarket = ["--set", "agents[0].count=3000", "--set", "agents[1].count=1000", "--set", "agents[2].count=800",
                              "--set", "agents[3].count=300", "--set", "agents[4].count=8", "--set", "agents[0].params.activity=0.05",
                              "--set", "agents[1].params.activity=0.05", "--ticks", "220",
                              "--set", "exchange.fundamental.news[0].tick=150"]

    @Test(arguments: ["scenarios/boltzmann.yaml", "scenarios/sir-network.yaml", "scenarios/market.yaml"])
    func digestIsTheSameForAnyShardAndThreadCount(scenario: String) throws {
        let base = try temporaryDirectory()
        let extra = scenario.contains("sir") ? Self.smallSIR : scenario.contains("market") ? Self.smallMarket : Self.small
        var digests: Set<String> = []
        var i = 0
        for (shards, threads) in [(1, 1), (2, 2), (3, 1), (8, 2), (4, 3)] {
            i += 1
            let r = try agora(["run", scenario, "--json", "--out", "\(base)/\(i)", "--shards", "\(shards)",
                               "--threads", "\(threads)"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            digests.insert(try json(r.stdout)["digest"] as! String)
        }
        #expect(digests.count == 1)
        let other = try agora(["run", scenario, "--json", "--out", "\(base)/seed", "--seed", "12345"] + extra)
        #expect(try json(other.stdout)["digest"] as! String != digests.first!)
    }

    @Test func humanSummarySaysWhereTheOutputWent() throws {
        let dir = try temporaryDirectory() + "/human"
        let r = try agora(["run", "scenarios/sir-network.yaml", "--out", dir] + Self.smallSIR)
        #expect(r.status == 0)
        #expect(r.stdout.contains("digest"))
        #expect(r.stdout.contains("output   \(dir)/"))
        #expect(r.stdout.contains("peak_infected="))
        #expect(r.stderr.isEmpty, "no progress bar when stderr is not a terminal")
    }

    @Test func validateAcceptsTheShippedScenarios() throws {
        let shipped = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("scenarios").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(shipped.count >= 8)
        for s in shipped {
            let r = try agora(["validate", "scenarios/\(s)", "--no-build"])
            #expect(r.status == 0, "\(s): \(r.stderr)")
            #expect(r.stdout.contains("valid"))
        }
    }

    @Test func versionIsPrinted() throws {
        let r = try agora(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }
}

@Suite struct BadInputTests {
    /// (arguments, exit status, the whole of stderr).
    static let cases: [([String], Int32, String)] = [
        (["run", "scenarios/none.yaml"], 2, "error: scenarios/none.yaml: no such file\n"),
        (["run", "scenarios/boltzmann.yaml", "--shards", "0"], 2,
         "error: --shards 0: engine.shards: expected an integer in 1...4096, got 0\n"),
        // Shards hold a square of mailboxes: 65,536 of them would be 550 GB.
        (["run", "scenarios/boltzmann.yaml", "--shards", "65536"], 2, "error: --shards 65536: engine.shards: expected at most 4096, got 65536\n"),
        (["run", "scenarios/boltzmann.yaml", "--set", "agents[0].count=-4"], 2,
         "error: --set agents[0].count=-4: agents[0].count: expected a positive integer, got -4\n"),
        (["run", "scenarios/boltzmann.yaml", "--set", "agents[0].size=4"], 2,
         "error: --set agents[0].size=4: agents[0].size: unknown field; expected one of: kind, count, params\n"),
        (["run", "scenarios/boltzmann.yaml", "--set", "model=boltz"], 2,
         "error: --set model=boltz: model: unknown model 'boltz'; models: boltzmann, sir, cascade, opinion, news, market, schelling\n"),
        (["validate", "scenarios/boltzmann.yaml", "--set", "ticks"], 2,
         "error: --set ticks: expected path=value, e.g. --set agents[0].count=1000\n"),
        (["run", "scenarios/sir-network.yaml", "--set", "agents[0].params.initial_infected=[1, 200000]"], 2,
         "error: --set agents[0].params.initial_infected=[1, 200000]: agents[0].params.initial_infected: node 200000 is not in the network (nodes 0..<100000)\n"),
        // `graph generate` checks each generator's domain as a scenario's network section does.
        (["graph", "generate", "--model", "er", "--nodes", "4000000000", "--p", "0.9999", "--out", "never-written.u32"], 64,
         "Error: --p: 4000000000 nodes linked with probability 0.9999 make about 8e+18 edges; at most 2.15e+09 (about 34 GB) can be built\n"
             + "Usage: agora graph generate [<options>] --model <model> --out <out>\n"
             + "  See 'agora graph generate --help' for more information.\n"),
    ]

    @Test(arguments: cases.indices)
    func badInputGetsOneClearMessageAndANonZeroExit(index: Int) throws {
        let (args, status, message) = Self.cases[index]
        let r = try agora(args)
        #expect(r.status == status, "\(args)")
        #expect(r.stderr == message, "\(args)")
        #expect(r.stdout.isEmpty)
    }

    @Test func aSyntaxErrorNamesLineAndColumn() throws {
        let dir = try temporaryDirectory()
        let path = "\(dir)/broken.yaml"
        try "name: x\nmodel: sir\nticks: [1,\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try agora(["validate", path])
        #expect(r.status == 2)
        #expect(r.stderr == "error: \(path):4:1: YAML syntax error: did not find expected node content (while parsing a flow node at 4:1)\n")
    }

    @Test func unknownBenchWorkloadIsAUsageError() throws {
        let r = try agora(["bench", "nothing"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: unknown workload 'nothing'; choose boltzmann, sir_ba, lob_cross, lob_passive, eventlog, graph_ba, llm_wait, transport or distributed"))
    }
}

@Suite struct ExchangeReplayCommandTests {
    /// A small stream in the 16-byte format, written by hand: two sells rest, a buy takes one and a
    /// half, a cancel removes the rest of the second, a market sell finds no bid.
    static func writeStream() throws -> String {
        var bytes: [UInt8] = []
        func record(_ kind: UInt8, _ side: UInt8, _ id: UInt32, _ price: UInt32, _ qty: UInt32) {
            bytes += [kind, side, 0, 0]
            for v in [id, price, qty] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        }
        record(0, 1, 0, 101, 10)
        record(0, 1, 1, 102, 10)
        record(0, 0, 2, 102, 15)
        record(2, 0, 1, 0, 0)
        record(1, 1, 3, 0, 4)
        record(0, 0, 4, 99, 7)
        let path = try temporaryDirectory() + "/small.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: ["ladder", "reference"])
    func printsTheFinalStateAndTrades(book: String) throws {
        let stream = try Self.writeStream()
        let csv = stream + ".trades.csv"
        let r = try agora(["exchange", "replay", stream, "--json", "--book", book, "--trades", csv])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(j["n_trades"] as? Int == 2)
        #expect(j["traded_volume"] as? Int == 15)
        #expect(j["traded_notional"] as? Int == 10 * 101 + 5 * 102)
        #expect(j["resting_orders"] as? Int == 1)
        #expect(j["best_bid"] as? Int == 99)
        #expect(j["best_ask"] is NSNull)
        #expect(j["bid_volume"] as? Int == 7 && j["ask_levels"] as? Int == 0)
        let trades = try String(contentsOfFile: csv, encoding: .utf8)
        #expect(trades == "seq,taker_id,maker_id,taker_side,price,qty\n1,2,0,buy,101,10\n2,2,1,buy,102,5\n")
    }

    @Test func aDifferentExpectationFailsAndNamesTheKey() throws {
        let stream = try Self.writeStream()
        let expected = stream + ".json"
        try #"{"expected_final": {"n_trades": 3, "best_bid": 99}}"#.write(toFile: expected, atomically: true, encoding: .utf8)
        let r = try agora(["exchange", "replay", stream, "--expect", expected])
        #expect(r.status == 1)
        #expect(r.stderr == "mismatch: n_trades: got 2, expected 3\n")
    }

    @Test func aBrokenStreamIsABadInput() throws {
        let path = try temporaryDirectory() + "/broken.bin"
        try Data([9, 0] + [UInt8](repeating: 0, count: 14)).write(to: URL(fileURLWithPath: path))
        let r = try agora(["exchange", "replay", path])
        #expect(r.status == 2)
        #expect(r.stderr == "error: \(path): record 0 (byte 0): kind 9 is not 0 (limit), 1 (market) or 2 (cancel)\n")
    }
}

@Suite struct ReplayAndLogCommandTests {
    func freshRun() throws -> String {
        let dir = try temporaryDirectory() + "/run"
        let r = try agora(["run", "scenarios/sir-network.yaml", "--out", dir, "--set", "network.nodes=3000", "--ticks", "30"])
        #expect(r.status == 0, "\(r.stderr)")
        return dir
    }

    @Test func aRunReplaysAndItsLogChecksOut() throws {
        let dir = try freshRun()
        let replay = try agora(["replay", dir, "--verify"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.hasPrefix("replay: 30 ticks match the log; digest "))
        let check = try agora(["log", "check", dir])
        #expect(check.status == 0)
        #expect(check.stdout.hasSuffix("ok\n"))
        let events = try agora(["replay", dir, "--events", "--kind", "transition", "--from", "3", "--to", "3"])
        #expect(events.status == 0)
        let lines = events.stdout.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix(#"{"event": "transition", "tick": 3, "agent": "#) })
    }

    @Test func aDamagedLogFailsBothChecksNamingTheFrame() throws {
        let dir = try freshRun()
        let path = dir + "/events.agl"
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count - 5] ^= 0xFF
        try data.write(to: URL(fileURLWithPath: path))
        let check = try agora(["log", "check", dir])
        #expect(check.status == 1)
        #expect(check.stdout.contains("damaged: frame ") && check.stdout.contains("payload checksum mismatch"))
        let replay = try agora(["replay", dir, "--verify"])
        #expect(replay.status == 1)
        #expect(replay.stderr.contains("the log is damaged: frame "))
        let missing = try agora(["replay", "no-such-run", "--verify"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: no-such-run: no such run (give a run directory or a run id under runs/)\n")
    }
}

@Suite struct RunsCommandTests {
    @Test func concurrentRunsAllLandInTheCatalogAndCanBeShownAndRemoved() throws {
        let catalog = try temporaryDirectory() + "/catalog.sqlite"
        let base = try temporaryDirectory()
        // Four real processes writing one catalog at once.
        let group = DispatchGroup()
        final class Results: @unchecked Sendable { var statuses: [Int32] = []; let lock = NSLock() }
        let results = Results()
        for i in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                let r = try? agora(["run", "scenarios/sir-network.yaml", "--out", "\(base)/r\(i)", "--set", "network.nodes=2000",
                                    "--ticks", "20", "--seed", "\(i)"], catalog: catalog)
                results.lock.withLock { results.statuses.append(r?.status ?? -1) }
            }.start()
        }
        group.wait()
        #expect(results.statuses == [0, 0, 0, 0])
        let list = try agora(["runs", "list", "--json"], catalog: catalog)
        let rows = list.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(rows.count == 4 && rows.allSatisfy { $0?["status"] as? String == "finished" })
        let id = try #require(rows.first??["run_id"] as? String)
        let show = try agora(["runs", "show", id, "--json"], catalog: catalog)
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(shown["digest"] as? String == rows.first??["digest"] as? String)
        #expect((shown["metrics"] as? [String: Any])?["summary.R"] != nil)
        // The replay command finds the run by its id through the catalog.
        #expect(try agora(["replay", id, "--verify"], catalog: catalog).status == 0)
        let dir = try #require(shown["run_dir"] as? String)
        let rm = try agora(["runs", "rm", id], catalog: catalog)
        #expect(rm.status == 0 && !FileManager.default.fileExists(atPath: dir))
        #expect(try agora(["runs", "show", id], catalog: catalog).status == 2)
    }
}

@Suite struct KillAndResumeTests {
    static let market = ["scenarios/market.yaml", "--set", "agents[0].count=3000", "--set", "agents[1].count=1000", "--set",
                         "agents[2].count=800", "--set", "agents[3].count=300", "--set", "agents[4].count=8", "--ticks", "400"]

    /// Starts `agora run`, waits (bounded) for its first checkpoint, and kills it with SIGKILL.
    func runAndKill(_ arguments: [String], directory: String) throws {
        let p = try startInBackground(agoraBinary, arguments, environment: testEnvironment(catalog: testCatalog))
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: directory + "/checkpoint.bin") && p.isRunning && Date() < deadline {
            usleep(2_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the run must still have been running when killed")
        #expect(!FileManager.default.fileExists(atPath: directory + "/manifest.json"))
    }

    func digest(_ r: Outcome) throws -> String {
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require(j["digest"] as? String)
    }

    @Test func aKilledRunResumesToTheUninterruptedDigest() throws {
        let base = try temporaryDirectory()
        let straight = try agora(["run"] + Self.market + ["--out", "\(base)/straight", "--json"])
        #expect(straight.status == 0, "\(straight.stderr)")
        try runAndKill(["run"] + Self.market + ["--out", "\(base)/killed", "--checkpoint-every", "5"], directory: "\(base)/killed")
        let resumed = try agora(["run", "--resume", "\(base)/killed", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try digest(resumed) == digest(straight))
        let j = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any]
        #expect((j?["resumed_from_tick"] as? Int ?? 0) > 0)
        // The resumed run's log and metrics are whole: they check out and equal the straight run's.
        #expect(try agora(["log", "check", "\(base)/killed"]).status == 0)
        #expect(try agora(["replay", "\(base)/killed", "--verify"]).status == 0)
        #expect(try String(contentsOfFile: "\(base)/killed/metrics.csv", encoding: .utf8)
                == String(contentsOfFile: "\(base)/straight/metrics.csv", encoding: .utf8))
        #expect(!FileManager.default.fileExists(atPath: "\(base)/killed/checkpoint.bin"), "a finished run keeps no checkpoint")
        // A finished run has nothing to resume.
        let again = try agora(["run", "--resume", "\(base)/killed"])
        #expect(again.status == 1 && again.stderr.contains("is a finished run"))
    }

    @Test func aRunWithoutACheckpointStartsAgain() throws {
        let base = try temporaryDirectory()
        let args = ["scenarios/sir-network.yaml", "--set", "network.nodes=2000", "--ticks", "25"]
        let straight = try agora(["run"] + args + ["--out", "\(base)/a", "--json"])
        // A directory with only its scenario, as a run killed before its first checkpoint leaves it.
        try FileManager.default.createDirectory(atPath: "\(base)/b", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(base)/a/scenario.yaml", toPath: "\(base)/b/scenario.yaml")
        let resumed = try agora(["run", "--resume", "\(base)/b", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try digest(resumed) == digest(straight))
    }

    @Test func resumeTakesNoScenarioOrOverrides() throws {
        #expect(try agora(["run", "scenarios/boltzmann.yaml", "--resume", "x"]).status == 64)
        #expect(try agora(["run", "--resume", "x", "--seed", "3"]).status == 64)
        #expect(try agora(["run"]).status == 64)
    }
}

@Suite struct GraphCommandTests {
    @Test func generateThenStatsGivesTheFriendshipParadoxFigures() throws {
        let path = try temporaryDirectory() + "/ba.u32.zst"
        let gen = try agora(["graph", "generate", "--model", "ba", "--nodes", "5000", "--m", "3", "--seed", "4", "--out", path])
        #expect(gen.status == 0, "\(gen.stderr)")
        #expect(gen.stdout.hasPrefix("\(path): 5,000 nodes, 14,991 edges"))
        let stats = try agora(["graph", "stats", path, "--json"])
        let j = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(j["nodes"] as? Int == 5_000 && j["edges"] as? Int == 14_991)
        let mean = try #require(j["mean_degree"] as? Double), neighbor = try #require(j["mean_neighbor_degree"] as? Double)
        #expect(abs(mean - 2.0 * 14_991 / 5_000) < 1e-9)
        #expect(neighbor > mean, "the friendship paradox")
        #expect((j["k2_over_k"] as? Double ?? 0) > mean)
        let bad = try agora(["graph", "generate", "--model", "tree", "--nodes", "5", "--out", path])
        #expect(bad.status == 64 && bad.stderr.contains("unknown model 'tree'"))
        let missing = try agora(["graph", "stats", "/nonexistent/g.u32"])
        #expect(missing.status == 2)
    }
}

/// The rate-cut scenario shrunk to 20,000 traders (the populations must add up to the network's nodes).
let smallRateCut = ["--set", "network.nodes=20000", "--set", "agents[0].count=6000", "--set", "agents[1].count=4000",
                    "--set", "agents[2].count=9000", "--set", "agents[3].count=980", "--set", "agents[4].count=20"]

/// The rate-cut scenario against a real OpenAI-style server on loopback, then replayed without it.
@Suite struct LLMRunTests {
    static let key = "sk-agora-test-7f3a9c1e5b"

    /// A small rate-cut world: 20,000 traders, the cut at tick 120, 150 ticks.
    static let small = smallRateCut + ["--set", "ticks=150", "--set", "llm.escalation.fraction=0.01", "--set", "llm.cache=false"]

    @Test func aRunWithAnEndpointIsRecordedReplayedWithoutItAndNeverWritesTheKey() throws {
        let server = try LoopbackServer { request in
            guard request.headers["authorization"] == "Bearer \(Self.key)" else { return .respond(status: 401, body: Data()) }
            let user = OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? ""
            if user.contains("central bank") {
                return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "buy", "order_type": "market", "quantity": 20}"#))
            }
            return .respond(status: 200, body: user.count % 3 == 0 ? OpenAIFixture.prose("Wait and see.")
                                                                      : OpenAIFixture.toolCall("hold", arguments: "{}"))
        }
        let dir = try temporaryDirectory() + "/run"
        let run = try agora(["run", "scenarios/rate-cut.yaml", "--json", "--out", dir] + Self.small
                            + ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture"],
                            environment: ["OPENAI_API_KEY": Self.key])
        server.stop()
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let summary = try #require(report["summary"] as? [String: Any])
        let calls = try #require(summary["llm.calls"] as? Double), decisions = try #require(summary["llm.decisions"] as? Double)
        #expect(calls > 0 && decisions > 0 && summary["llm.fallback.no_tool_call"] as? Double ?? 0 > 0, "\(summary)")
        #expect((summary["llm.decisions_per_call"] as? Double ?? 0) >= 1)
        // The key is in no file the run wrote, nor in the catalog.
        var files = try FileManager.default.contentsOfDirectory(atPath: dir).map { dir + "/" + $0 }
        files += try FileManager.default.contentsOfDirectory(atPath: (testCatalog as NSString).deletingLastPathComponent)
            .map { (testCatalog as NSString).deletingLastPathComponent + "/" + $0 }
        for f in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: f))
            #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "\(f) holds the key")
        }
        #expect(!run.stdout.contains(Self.key) && !run.stderr.contains(Self.key))
        // The server is gone: the replay reads the answers from the log and gives the same digest.
        let replay = try agora(["replay", dir, "--verify"])
        #expect(replay.status == 0, "\(replay.stdout) \(replay.stderr)")
        let check = try agora(["log", "check", dir])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
    }

    /// The llm-social scenario shrunk: 20,000 users, 1% of them escalated.
    static let smallSocial = ["--set", "network.nodes=20000", "--set", "llm.escalation.fraction=0.01", "--set", "ticks=30",
                              "--set", "llm.cache=false"]

    @Test func networkUsersThinkThroughTheEndpointAndTheRunReplaysWithoutIt() throws {
        let server = try LoopbackServer(handler: UserFixture.handler(maxText: 500))
        let dir = try temporaryDirectory() + "/run"
        let run = try agora(["run", "scenarios/llm-social.yaml", "--json", "--out", dir] + Self.smallSocial
                            + ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture"])
        server.stop()
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let summary = try #require(report["summary"] as? [String: Any])
        #expect((summary["llm.decisions"] as? Double ?? 0) > 0 && (summary["llm_posts_total"] as? Double ?? 0) > 0, "\(summary)")
        #expect((summary["llm.fallback.unknown_target"] as? Double ?? 0) > 0 && (summary["llm.fallback.too_long"] as? Double ?? 0) > 0)
        let replay = try agora(["replay", dir, "--verify"])
        #expect(replay.status == 0, "\(replay.stdout) \(replay.stderr)")
        let page = dir + "/analysis.html"
        let analysis = try agora(["analyze", dir, "--json", "--report", page])
        #expect(analysis.status == 0, "\(analysis.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
        let posts = try #require(figures["llm_posts"] as? [String: Any])
        #expect((posts["llm.originals"] as? Double ?? 0) == summary["llm_posts_total"] as? Double)
        #expect((posts["rule.originals"] as? Double ?? 0) > 0)
        let samples = try #require(posts["samples"] as? [[String: Any]])
        #expect(!samples.isEmpty && samples.allSatisfy { $0["text"] as? String == UserFixture.hostileText })
        // The report shows the texts as text: the markup escaped, never live.
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("LLM users&#39; posts") || html.contains("LLM users' posts"))
        #expect(html.contains("&lt;script&gt;alert(") && !html.contains("<script>alert("))
        for name in ["llm_users_emotion", "rule_users_attitude"] { #expect(html.contains(name), "\(name) charted") }
        // In a real browser: every chart drawn, no script error, and the text stays text.
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is installed by scripts/install-deps.sh")
        let dom = try launch(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom",
                                       "file://\(page)"]).stdout
        let charts = try #require(AnalyzeCommandTests.attribute("data-charts", in: dom))
        #expect(AnalyzeCommandTests.attribute("data-drawn", in: dom) == charts && AnalyzeCommandTests.attribute("data-errors", in: dom) == nil)
        #expect(dom.contains("&lt;script&gt;alert(") && !dom.contains("<script>alert("))
    }

    /// The three scenarios of LLM users, small: each runs with no endpoint and with the fixture
    /// endpoint, and each run replays to its digest with no endpoint at all.
    @Test(arguments: [("s3-users.yaml", ["--set", "network.nodes=8000", "--set", "ticks=20", "--set", "llm.escalation.fraction=0.02"]),
                      ("friendship-paradox.yaml", ["--set", "ticks=20", "--set", "network.nodes=800"]),
                      ("llm-social.yaml", smallSocial)])
    func everyScenarioOfLLMUsersRunsLiveWithoutAnEndpointAndReplayed(file: String, small: [String]) throws {
        let server = try LoopbackServer(handler: UserFixture.handler(maxText: 280))
        defer { server.stop() }
        for live in [false, true] {
            let dir = try temporaryDirectory() + "/run"
            let endpoint = live ? ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture"] : []
            let run = try agora(["run", "scenarios/" + file, "--json", "--out", dir, "--set", "llm.cache=false"] + small + endpoint)
            #expect(run.status == 0, "\(file): \(run.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let summary = try #require(report["summary"] as? [String: Any])
            let questions = summary["llm.questions"] as? Double ?? 0, decisions = summary["llm.decisions"] as? Double ?? 0
            #expect(questions > 0 && (live ? decisions > 0 : decisions == 0), "\(file), live \(live): \(summary)")
            let replay = try agora(["replay", dir, "--verify"])
            #expect(replay.status == 0, "\(file), live \(live): \(replay.stdout) \(replay.stderr)")
        }
    }

    /// The rule baseline and the LLM variant of one scenario, side by side.
    @Test func analyzeComparesTheLLMVariantWithItsRuleBaseline() throws {
        let server = try LoopbackServer { request in
            let people = UserFixture.candidates(in: UserFixture.prompt(request))
            return .respond(status: 200, body: people.isEmpty ? UserFixture.call("do_nothing")
                                                              : UserFixture.call("follow", [("user_id", .int(Int64(people[0])))]))
        }
        let small = ["--set", "ticks=30", "--set", "network.nodes=800", "--set", "llm.cache=false"]
        let rule = try temporaryDirectory() + "/rule", llm = try temporaryDirectory() + "/llm"
        #expect(try agora(["run", "scenarios/friendship-paradox.yaml", "--out", rule] + small).status == 0)
        let live = try agora(["run", "scenarios/friendship-paradox.yaml", "--out", llm] + small
                             + ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture"])
        server.stop()
        #expect(live.status == 0, "\(live.stderr)")
        let compared = try agora(["analyze", rule, "--compare", llm, "--json"])
        #expect(compared.status == 0, "\(compared.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(compared.stdout.utf8)) as? [String: Any])
        let rows = try #require(j["figures"] as? [[String: Any]])
        func row(_ name: String) -> (Double, Double)? {
            rows.first { $0["name"] as? String == name }.flatMap { r in (r["first"] as? Double).flatMap { a in (r["second"] as? Double).map { (a, $0) } } }
        }
        let paradox = try #require(row("follow_paradox_share (last)")), followers = try #require(row("mean_followers (last)"))
        #expect(paradox.0 > 0 && paradox.1 > 0 && followers.0 != followers.1, "\(paradox) \(followers)")
        #expect(try #require(row("llm.decisions")).0 == 0 && row("llm.decisions")!.1 > 0)
        let text = try agora(["analyze", rule, "--compare", llm])
        #expect(text.status == 0 && text.stdout.hasPrefix("figure ") && text.stdout.contains("k2_over_k (mean)"))
        #expect(try agora(["analyze", rule, "--compare", llm, "--report", rule + "/r.html"]).status == 64)
    }

    /// A server that, like llama-cpp-python's, answers 500 to `tool_choice: required`: the run
    /// asks again with `auto`, decides through the LLM with the default settings, and says so.
    @Test func aServerThatRefusesRequiredStillDecides() throws {
        let server = try LoopbackServer { request in
            guard OpenAIFixture.body(request)?["tool_choice"] == "auto" else {
                return .respond(status: 500, body: Data(#"{"detail": "tool_choice must be auto or a function"}"#.utf8))
            }
            return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
        }
        defer { server.stop() }
        let run = try agora(["run", "scenarios/rate-cut.yaml", "--out", try temporaryDirectory() + "/run"] + Self.small
                            + ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("llm: the endpoint's first error: HTTP 500 to tool_choice required: {\"detail\": \"tool_choice must be auto"))
        #expect(run.stdout.contains("llm: the endpoint refused tool_choice required; questions were asked with auto instead"))
        let decided = run.stdout.split(separator: "\n").first { $0.contains("decided by the LLM") }.map(String.init) ?? ""
        let n = decided.components(separatedBy: "; ").first { $0.hasSuffix("decided by the LLM") }.flatMap { Int($0.split(separator: " ")[0]) } ?? 0
        #expect(n > 0, "\(decided)")
    }

    @Test func theCatalogCacheAnswersARepeatedRun() throws {
        let server = try LoopbackServer { _ in .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}")) }
        defer { server.stop() }
        let catalog = try temporaryDirectory() + "/catalog.sqlite"
        let endpoint = ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture",
                        "--set", "llm.cache=true", "--json"]
        var figures: [[String: Any]] = []
        for _ in 0..<2 {
            let run = try agora(["run", "scenarios/rate-cut.yaml", "--out", try temporaryDirectory() + "/run"] + Self.small + endpoint,
                                catalog: catalog)
            #expect(run.status == 0, "\(run.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            figures.append(try #require(report["summary"] as? [String: Any]))
        }
        let questions = try #require(figures[0]["llm.questions"] as? Double)
        #expect(questions > 0 && figures[0]["llm.calls"] as? Double == questions)
        #expect(figures[1]["llm.cache_hits"] as? Double == questions && figures[1]["llm.calls"] as? Double == 0,
                "the same questions, answered from the catalog: \(figures[1])")
        #expect(server.requests.count == Int(questions))
    }

    @Test func withoutAnEndpointTheSummarySaysTheRulesDecidedAndTheRunReplays() throws {
        let dir = try temporaryDirectory() + "/run"
        let run = try agora(["run", "scenarios/rate-cut.yaml", "--out", dir] + Self.small)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("no endpoint configured: escalated agents follow their rule policies"))
        let replay = try agora(["replay", dir, "--verify"])
        #expect(replay.status == 0, "\(replay.stdout) \(replay.stderr)")
    }

    @Test func aKeyInTheScenarioIsRefused() throws {
        let out = try agora(["validate", "scenarios/rate-cut.yaml", "--set", "llm.endpoint.api_key=sk-123"])
        #expect(out.status != 0 && out.stderr.contains("llm.endpoint.api_key: keys do not belong in scenario files"), "\(out.stderr)")
        #expect(!out.stderr.contains("sk-123"))
    }
}

/// `agora analyze` and the HTML report, opened in a real headless browser.
@Suite struct AnalyzeCommandTests {
    static let small = smallRateCut + ["--set", "ticks=300"]

    @Test func aRunsReportRendersInABrowserWithEveryChartDrawn() throws {
        let dir = try temporaryDirectory() + "/run"
        let run = try agora(["run", "scenarios/rate-cut.yaml", "--out", dir, "--report"] + Self.small)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("report   \(dir)/report.html"))
        let json = try agora(["analyze", dir, "--json", "--csv", dir + "/tables"])
        #expect(json.status == 0, "\(json.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let market = try #require(figures["market"] as? [String: [String: Any]])
        #expect(Set(market.keys) == ["INDEX", "BANK"] && (market["INDEX"]?["trades"] as? Int ?? 0) > 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/tables/bars_INDEX.csv"))
        // Chromium from Debian's packages (scripts/install-deps.sh) renders the page.
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is installed by scripts/install-deps.sh")
        let shot = dir + "/report.png"
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=800,2400",
                      "--virtual-time-budget=5000", "file://\(dir)/report.html"]
        #expect(try launch(browser, ["--screenshot=\(shot)"] + common).status == 0)
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000, "a screenshot with something on it")
        let dom = try launch(browser, ["--dump-dom"] + common).stdout
        let charts = try #require(Self.attribute("data-charts", in: dom)), drawn = try #require(Self.attribute("data-drawn", in: dom))
        #expect(charts >= 10 && drawn == charts, "\(drawn) of \(charts) charts drawn")
        #expect(Self.attribute("data-errors", in: dom) == nil, "no script errors")
        #expect(Self.attribute("data-labelled", in: dom) == charts && Self.attribute("data-outside", in: dom) == 0,
                "every chart labels both axes and keeps its marks in its plot area")
        // Categories are named, the ACF has its band, the markers say what they mark, each chart can be saved.
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains(">fundamentalist</text>") && html.contains("±1.96/√n") && html.contains("data-kind=\"auction\"")
                && html.contains(">auction</text>") && html.contains("data-csv=\"series,"))
        #expect(html.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"))
        #expect(!html.contains("depth at the best prices\", \"spread"), "spread and depth on axes of their own")
    }

    /// Each model's report charts its own figures, every chart labelled and inside its axes:
    /// boltzmann the Gini over time and the wealth at the end, SIR its S, I and R, opinion the
    /// distribution over time.
    @Test(arguments: [("boltzmann.yaml", ["--set", "agents[0].count=5000", "--ticks", "60"], ["Inequality: the Gini coefficient over time", "Wealth at the end"]),
                      ("sir-network.yaml", ["--set", "network.nodes=5000", "--ticks", "60"], ["Epidemic over time", "Degree distribution"]),
                      ("opinion.yaml", ["--set", "network.nodes=5000", "--ticks", "60"], ["Opinion distribution over time"])])
    func everyModelsReportChartsItsOwnFigures(file: String, small: [String], titles: [String]) throws {
        let dir = try temporaryDirectory() + "/run"
        let run = try agora(["run", "scenarios/" + file, "--out", dir, "--report", "--quiet"] + small)
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        for title in titles { #expect(html.contains(title), "\(file): \(title)") }
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let dom = try launch(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom",
                                       "file://\(dir)/report.html"]).stdout
        let charts = try #require(Self.attribute("data-charts", in: dom))
        #expect(charts >= titles.count && Self.attribute("data-drawn", in: dom) == charts, "\(file): \(dom.prefix(300))")
        #expect(Self.attribute("data-labelled", in: dom) == charts && Self.attribute("data-outside", in: dom) == 0, "\(file)")
    }

    static func attribute(_ name: String, in html: String) -> Int? {
        guard let r = html.range(of: name + "=\"") else { return nil }
        return Int(html[r.upperBound...].prefix { $0.isNumber })
    }
}

/// `agora sweep`: resuming after a kill, failing points, the report.
@Suite struct SweepCommandTests {
    static func sweepFile(_ dir: String, name: String, extra: String = "", points: String = "[0.02, 0.04, 0.06, 0.08, 0.1, 0.12]") throws -> String {
        let text = """
        name: \(name)
        base: \(repositoryRoot.path)/scenarios/sir-network.yaml
        seed: 3
        replicates: 1
        parameters:
          agents[0].params.transmission: \(points)
        \(extra)
        set:
          network.nodes: 30000
          ticks: 80
        metrics: [R]

        """
        let path = dir + "/\(name).yaml"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func report(_ name: String, catalog: String) throws -> [[String: Any]] {
        let out = try agora(["sweep", "report", name, "--json"], catalog: catalog)
        guard out.status == 0, let j = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] else { return [] }
        return j["points"] as? [[String: Any]] ?? []
    }

    @Test func aKilledSweepResumesAndNeverRunsAFinishedPointTwice() throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/catalog.sqlite"
        let file = try Self.sweepFile(dir, name: "resume")
        // The sweep in its own process group, so the kill takes its runs with it.
        let p = try startInBackground("/usr/bin/setsid", [agoraBinary, "sweep", file, "--jobs", "1", "--quiet"],
                                      environment: testEnvironment(catalog: catalog))
        var before: [String: String] = [:]  // point → run id, finished before the kill
        for _ in 0..<600 {
            Thread.sleep(forTimeInterval: 0.1)
            let points = try Self.report("resume", catalog: catalog)
            before = Dictionary(uniqueKeysWithValues: points.compactMap { pt -> (String, String)? in
                guard let runs = pt["runs"] as? [String], let run = runs.first else { return nil }
                return ("\(pt["point"] ?? "")", run)
            })
            if before.count >= 2 || !p.isRunning { break }
        }
        kill(-p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(before.count >= 2 && before.count < 6, "killed part way: \(before.count) of 6 finished")
        let resumed = try agora(["sweep", file, "--jobs", "2"], catalog: catalog)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("6 of 6 runs finished"))
        let after = try Self.report("resume", catalog: catalog)
        #expect(after.count == 6 && after.allSatisfy { ($0["runs"] as? [String])?.count == 1 })
        for pt in after {
            if let earlier = before["\(pt["point"] ?? "")"] { #expect((pt["runs"] as? [String]) == [earlier], "point \(pt["point"] ?? "") kept its run") }
        }
        // Six finished runs in all: none ran twice.
        let runs = try agora(["runs", "list", "--json"], catalog: catalog)
        let finished = runs.stdout.split(separator: "\n").filter { $0.contains("\"finished\"") }
        #expect(finished.count == 6, "\(runs.stdout)")
        // A third call has nothing left to do.
        let again = try agora(["sweep", file], catalog: catalog)
        #expect(again.stdout.contains("6 of 6 runs finished (0 run now)"))
    }

    @Test func aFailingPointIsRecordedAndTheRestRun() throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/catalog.sqlite"
        let graph = dir + "/g.txt"
        try Data((0..<2999).map { "\($0) \($0 + 1)" }.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: graph))
        // The second network file does not exist: found only when that run builds its world.
        try Data("name: f\nmodel: sir\nticks: 20\nagents:\n  - kind: person\nnetwork: {file: \(graph)}\n".utf8)
            .write(to: URL(fileURLWithPath: dir + "/base.yaml"))
        try Data("name: failing\nbase: base.yaml\nparameters:\n  network.file: [\(graph), \(dir)/missing.txt]\n".utf8)
            .write(to: URL(fileURLWithPath: dir + "/failing.yaml"))
        let out = try agora(["sweep", dir + "/failing.yaml", "--jobs", "2"], catalog: catalog)
        #expect(out.status == 1 && out.stdout.contains("1 of 2 runs finished") && out.stdout.contains("1 failed"), "\(out.stdout) \(out.stderr)")
        let report = try agora(["sweep", "report", "failing"], catalog: catalog)
        #expect(report.stdout.contains("failed: point 1 replicate 0") && report.stdout.contains("missing.txt"), "\(report.stdout)")
    }

    @Test func aReportOfABrokenSweepFileNamesTheProblem() throws {
        let dir = try temporaryDirectory()
        try Data("name: x\nbase: nowhere.yaml\nparameters:\n  seed: [1, 2]\n".utf8).write(to: URL(fileURLWithPath: dir + "/x.yaml"))
        let out = try agora(["sweep", "report", dir + "/x.yaml"], catalog: dir + "/c.sqlite")
        #expect(out.status == 2 && out.stderr.contains("nowhere.yaml"), "\(out.stderr)")
    }
}

/// The MPI transport between real processes started by mpirun.
@Suite struct TransportTests {
    @Test func aSweepUnderMPISharesItsPointsAndRunsEachOnce() throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/catalog.sqlite"
        let file = try SweepCommandTests.sweepFile(dir, name: "ranks", points: "[0.02, 0.04, 0.06, 0.08, 0.1]")
        let out = try mpirun(2, ["sweep", file], catalog: catalog)
        #expect(out.status == 0, "\(out.stdout)")
        #expect(out.stdout.components(separatedBy: "agora: sweep ranks-").count == 2, "rank 0 alone sums up: \(out.stdout)")
        #expect(out.stdout.contains("5 of 5 runs finished (5 run now), 0 failed"))
        let runs = try agora(["runs", "list", "--json"], catalog: catalog)
        #expect(runs.stdout.split(separator: "\n").filter { $0.contains("\"finished\"") }.count == 5)
        // Resumed under MPI: nothing left.
        #expect(try mpirun(3, ["sweep", file], catalog: catalog).stdout.contains("5 of 5 runs finished (0 run now)"))
    }

    @Test(arguments: [2, 3])
    func everyByteArrivesInOrderThroughSmallChunks(ranks: Int) throws {
        let out = try mpirun(ranks, ["bench", "transport", "--bytes", "600000", "--chunk", "65536", "--repeat", "1"],
                             catalog: try temporaryDirectory() + "/c.sqlite")
        let text = out.stdout
        #expect(out.status == 0, "\(text) \(out.stderr)")
        let line = try #require(text.split(separator: "\n").first { $0.contains("\"transport\"") })
        let j = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(j["ranks"] as? Int == ranks && j["wrong_bytes"] as? Int == 0)
        // Each pair's message is cut into about ten 64 KiB rounds, and ranks send different sizes.
        #expect((j["bytes_sent_per_rank"] as? Int ?? 0) > 500_000 * ranks)
    }
}

/// One simulation spread over processes by mpirun: the same digest, metrics and log as one process,
/// and a killed process stops the others and leaves a checkpoint to resume from.
@Suite struct DistributedRunTests {
    /// The quickstart at 10,000 traders (its network with them), with more of them escalated so
    /// that the LLM side's shared state is exercised.
    static let quickstart = ["scenarios/quickstart.yaml", "--set", "network.nodes=10000", "--set", "agents[0].count=3000",
                             "--set", "agents[1].count=2000", "--set", "agents[2].count=4500", "--set", "agents[3].count=490",
                             "--set", "agents[4].count=10", "--set", "llm.escalation.fraction=0.02"]

    static func digest(_ out: Outcome) throws -> String {
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout) \(out.stderr)")
        return try #require(j["digest"] as? String)
    }

    /// The end-of-run figures of a `--json` run, as text (NaN-free JSON numbers compare exactly).
    static func summary(_ out: Outcome) throws -> String {
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let s = try #require(j["summary"] as? [String: Any])
        return String(decoding: try JSONSerialization.data(withJSONObject: s, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test(arguments: [quickstart, KillAndResumeTests.market,
                      ["scenarios/boltzmann.yaml", "--set", "agents[0].count=20000", "--ticks", "50"],
                      ["scenarios/sir-network.yaml", "--set", "network.nodes=20000", "--ticks", "40"],
                      ["scenarios/opinion.yaml", "--set", "network.nodes=5000", "--ticks", "20"],
                      ["scenarios/social-contagion.yaml", "--set", "network.nodes=20000", "--ticks", "40"],
                      ["scenarios/echo-chambers.yaml", "--set", "network.nodes=20000", "--ticks", "40"]])
    func oneTwoAndThreeProcessesGiveOneDigest(scenario: [String]) throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/c.sqlite"
        let alone = try agora(["run"] + scenario + ["--json", "--out", dir + "/one"], catalog: catalog)
        let expected = try Self.digest(alone)
        for ranks in [2, 3] {
            let out = try mpirun(ranks, ["run"] + scenario + ["--json", "--out", dir + "/r\(ranks)"], catalog: catalog)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(try Self.digest(out) == expected, "\(ranks) processes")
            #expect(try Self.summary(out) == Self.summary(alone), "the summary of \(ranks) processes")
            #expect(out.stdout.contains("\"processes\":\(ranks)") || out.stdout.contains("\"processes\": \(ranks)"))
            let metrics = { (run: String) in try String(contentsOfFile: dir + "/\(run)/metrics.csv", encoding: .utf8) }
            #expect(try metrics("r\(ranks)") == metrics("one"), "the per-tick metrics of \(ranks) processes")
        }
        // The log of a spread run reads, checks and replays like any other: the same kinds
        // re-hashed against their digest rows as one process's log.
        let check = try agora(["log", "check", dir + "/r3"], catalog: catalog)
        #expect(check.status == 0 && check.stdout.contains("ok"), "\(check.stdout) \(check.stderr)")
        let rehashed = { (out: Outcome) in out.stdout.split(separator: "\n").first { $0.hasPrefix("re-hashed:") }.map(String.init) }
        #expect(rehashed(check) == rehashed(try agora(["log", "check", dir + "/one"], catalog: catalog)))
        let replay = try agora(["replay", dir + "/r3", "--verify"], catalog: catalog)
        #expect(replay.status == 0 && replay.stdout.contains(expected), "\(replay.stdout) \(replay.stderr)")
    }

    /// The pid of the `agora` process mpirun started as `rank`, from its environment.
    static func pid(ofRank rank: Int, under launcher: Process) -> pid_t? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = pid_t(entry), pid != launcher.processIdentifier,
                  let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: cmd, as: UTF8.self).hasPrefix(agoraBinary),
                  let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            let vars = env.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if vars.contains("OMPI_COMM_WORLD_RANK=\(rank)") && vars.contains(where: { $0.hasPrefix("AGORA_CATALOG=") && $0.contains(launcher.environment?["AGORA_CATALOG"] ?? "-") }) {
                return pid
            }
        }
        return nil
    }

    /// Starts the market on two processes with checkpoints, waits (bounded) for the first complete
    /// checkpoint, sends rank 1 `signal`, and waits at most a minute for mpirun to stop; returns
    /// whether it stopped, and what it said.
    static func signalRankOne(_ signal: Int32, scenario: [String], run: String, catalog: String,
                              environment: [String: String] = [:]) throws -> (stopped: Bool, status: Int32, said: String) {
        let stderr = run + ".stderr.txt"
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
        launcher.arguments = ["-np", "2", "--oversubscribe", "--timeout", "300", agoraBinary, "run"] + scenario + ["--out", run, "--quiet"]
        launcher.currentDirectoryURL = repositoryRoot
        launcher.environment = testEnvironment(catalog: catalog, ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]
                                                   .merging(environment) { $1 })
        launcher.standardOutput = FileHandle.nullDevice
        launcher.standardError = FileHandle(forWritingAtPath: stderr)
        try launcher.run()
        let deadline = Date().addingTimeInterval(240)
        while !FileManager.default.fileExists(atPath: run + "/checkpoint.bin") && launcher.isRunning && Date() < deadline { usleep(2_000) }
        let victim = try #require(pid(ofRank: 1, under: launcher), "rank 1's process")
        kill(victim, signal)
        // The others stop on their own, in bounded time (mpirun's own --timeout is far longer).
        let stopBy = Date().addingTimeInterval(60)
        while launcher.isRunning && Date() < stopBy { usleep(10_000) }
        let stopped = !launcher.isRunning
        if !stopped { launcher.terminate() }
        launcher.waitUntilExit()
        kill(victim, SIGKILL)
        return (stopped, launcher.terminationStatus, try String(contentsOfFile: stderr, encoding: .utf8))
    }

    @Test func aStuckProcessIsNamedAndTheOthersStopInsteadOfWaiting() throws {
        let dir = try temporaryDirectory()
        let outcome = try Self.signalRankOne(SIGSTOP, scenario: KillAndResumeTests.market + ["--set", "checkpoint.every=40"],
                                             run: dir + "/run", catalog: dir + "/c.sqlite", environment: ["AGORA_MPI_TIMEOUT": "5"])
        #expect(outcome.stopped, "rank 0 gives up on a stopped rank 1 after AGORA_MPI_TIMEOUT")
        #expect(outcome.status != 0)
        #expect(outcome.said.contains("rank 0 of 2: no word from rank 1 for 5 s"), "\(outcome.said)")
    }

    /// The market (books on owners, escalation state) and the news model (each process's follower
    /// and followee rows, changed by follows during the run, in its own checkpoint).
    @Test(arguments: [KillAndResumeTests.market + ["--set", "checkpoint.every=40"],
                      ["scenarios/echo-chambers.yaml", "--set", "network.nodes=20000", "--ticks", "300", "--set", "checkpoint.every=30"]])
    func aKilledProcessStopsTheOthersAndTheRunResumesFromItsCheckpoint(_ scenario: [String]) throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/c.sqlite"
        let run = dir + "/run"
        let expected = try Self.digest(try agora(["run"] + scenario + ["--json", "--out", dir + "/alone"], catalog: catalog))

        // Kill process 1 outright once the first checkpoint is complete.
        let outcome = try Self.signalRankOne(SIGKILL, scenario: scenario, run: run, catalog: catalog)
        #expect(outcome.stopped, "the surviving process must stop within a minute of its peer's death")
        #expect(outcome.status != 0)
        let said = outcome.said
        #expect(said.contains("rank 1") && said.contains("signal 9"), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: run + "/manifest.json"))
        // Each process wrote its own log segment and checkpoint file.
        let written = try FileManager.default.contentsOfDirectory(atPath: run)
        #expect(written.contains("events.rank0.agl") && written.contains("events.rank1.agl"), "\(written)")
        #expect(written.contains { $0.hasSuffix("-rank1.bin") }, "\(written)")
        // Until it is resumed, its log is not taken for a damaged one.
        let early = try agora(["log", "check", run], catalog: catalog)
        #expect(early.status != 0 && early.stderr.contains("unfinished run spread over 2 processes"), "\(early.stderr)")

        // The checkpoint is whole: resuming with another number of processes is refused by name,
        // and with two the run ends with the digest of an uninterrupted one.
        let wrong = try agora(["run", "--resume", run, "--json"], catalog: catalog)
        #expect(wrong.status != 0 && wrong.stderr.contains("made by 2 processes"), "\(wrong.stderr)")
        let resumed = try mpirun(2, ["run", "--resume", run, "--json"], catalog: catalog)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.digest(resumed) == expected)
        #expect(resumed.stdout.contains("resumed_from_tick"))
        let left = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasPrefix("checkpoint") || $0.hasPrefix("events.rank") }
        #expect(left.isEmpty, "a finished run keeps no checkpoint files or log segments: \(left)")
        // The merged log checks and replays like one process's.
        #expect(try agora(["replay", run, "--verify"], catalog: catalog).status == 0)
    }
}

/// An LLM endpoint under mpirun: process 0 alone asks, every process applies the same answers.
@Suite struct DistributedLLMTests {
    @Test func processZeroAsksOnceAndEveryProcessActsOnTheAnswers() throws {
        // Orders, posts and follows by the prompt's content, so that the answers steer the market
        // and the network, and the same prompt always gets the same answer.
        let server = try LoopbackServer { request in
            let user = OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? ""
            if user.contains("central bank") {
                return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "buy", "order_type": "market", "quantity": 20}"#))
            }
            switch user.count % 4 {
            case 0: return .respond(status: 200, body: OpenAIFixture.toolCall("post", arguments: #"{"stance": "bearish"}"#))
            case 1: return .respond(status: 200, body: OpenAIFixture.toolCall("follow", arguments: #"{"agent": 17}"#))
            case 2: return .respond(status: 200, body: OpenAIFixture.toolCall("place_order", arguments: #"{"side": "sell", "order_type": "market", "quantity": 10}"#))
            default: return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
            }
        }
        defer { server.stop() }
        let dir = try temporaryDirectory()
        let catalog = dir + "/c.sqlite"
        let args = ["run", "scenarios/rate-cut.yaml", "--json"] + LLMRunTests.small
            + ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture"]
        let alone = try agora(args + ["--out", dir + "/one"], catalog: catalog)
        #expect(alone.status == 0, "\(alone.stderr)")
        let asked = server.requests.count
        let spread = try mpirun(2, args + ["--out", dir + "/two"], catalog: catalog)
        #expect(spread.status == 0, "\(spread.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(spread.stdout.utf8)) as? [String: Any])
        let summary = try #require(report["summary"] as? [String: Any])
        let decisions = try #require(summary["llm.decisions"] as? Double)
        #expect(decisions > 0, "\(summary)")
        #expect(server.requests.count == 2 * asked, "each question asked once by the spread run, as by the single one")
        // The same questions word for word: what each escalated trader is shown (its resting orders,
        // the news it heard, its feed, how many follow it) comes from the process that hosts it.
        let prompts = server.requests.map { OpenAIFixture.body($0)?["messages"]?.array?.last?["content"]?.string ?? "" }
        #expect(prompts.prefix(asked).sorted() == prompts.dropFirst(asked).sorted())
        #expect(prompts.contains { $0.contains("traders follow you") })
        // The digest holds each answer's latency, which differs from run to run; what the answers
        // did does not: the same per-tick metrics, and the spread run replays to its own digest.
        let metrics = { (run: String) in try String(contentsOfFile: dir + "/\(run)/metrics.csv", encoding: .utf8) }
        #expect(try metrics("two") == metrics("one"))
        let replay = try agora(["replay", dir + "/two", "--verify"], catalog: catalog)
        #expect(replay.status == 0, "\(replay.stdout) \(replay.stderr)")
    }
}

/// `agora bench distributed`: it runs itself under mpirun and reports scaling and a projection.
@Suite struct DistributedBenchTests {
    @Test func itMeasuresStrongAndWeakScalingAndProjectsALargerRun() throws {
        let out = try agora(["bench", "distributed", "--agents", "20000", "--steps", "30", "--ranks", "1,2", "--model-agents", "1000000000"],
                            environment: ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = try out.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(lines.count == 5, "\(out.stdout)")
        let strong = lines.filter { $0["scaling"] as? String == "strong" }, weak = lines.filter { $0["scaling"] as? String == "weak" }
        #expect(strong.map { $0["ranks"] as? Int } == [1, 2] && weak.map { $0["ranks"] as? Int } == [1, 2])
        #expect(weak.map { $0["agents"] as? Int } == [10_000, 20_000])
        // The same simulation on one process and on two.
        #expect(strong[0]["digest"] as? String == strong[1]["digest"] as? String)
        #expect(strong[0]["bytes_sent_per_tick_per_rank"] as? Double == 0)
        #expect((strong[1]["bytes_sent_per_tick_per_rank"] as? Double ?? 0) > 0)
        let model = lines[4]
        #expect(model["workload"] as? String == "distributed_model" && model["agents"] as? Int == 1_000_000_000)
        let parts = ["parallel_s_per_tick", "serial_s_per_tick", "transport_s_per_tick"].map { model[$0] as? Double ?? -1 }
        #expect(parts.allSatisfy { $0 >= 0 } && abs(parts.reduce(0, +) - (model["s_per_tick"] as? Double ?? 0)) < 1e-9)
        #expect((model["limit"] as? String ?? "").isEmpty == false)
        // Spread over processes, a market keeps nothing per trader for traders it does not host or
        // settle: its traders' columns and network rows are split by host, the accounts by book.
        let replicated = model["replicated_bytes_per_agent"] as? Double ?? -1, partitioned = model["partitioned_bytes_per_agent"] as? Double ?? -1
        #expect(replicated == 0 && partitioned > 0, "\(model)")
        // The accounts are split by instrument: the quickstart's two books go to two processes of 64.
        let coarse = model["coarse_bytes_per_agent"] as? Double ?? -1
        #expect(coarse > 0 && coarse < partitioned && model["coarse_parts"] as? Int == 2, "\(model)")
        let memory = model["memory_per_rank_bytes"] as? Double ?? 0
        #expect(abs(memory - (replicated + (partitioned - coarse) / 64 + coarse / 2) * 1e9) < 1e-9 * memory)
    }
}

/// `runs rm` and lookups by id from another directory than the run's.
@Suite struct RunsFromElsewhereTests {
    @Test func rmFromAnotherDirectoryDeletesTheRunsOwnDirectoryAndNoOther() throws {
        let here = try temporaryDirectory(), there = try temporaryDirectory()
        let catalog = there + "/catalog.sqlite"
        let scenario = repositoryRoot.path + "/scenarios/sir-network.yaml"
        let run = try launch(agoraBinary, ["run", scenario, "--out", "same-name", "--set", "network.nodes=2000", "--ticks", "5", "--json"],
                             environment: testEnvironment(catalog: catalog), directory: URL(fileURLWithPath: here))
        #expect(run.status == 0, "\(run.stderr)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["run_id"] as? String)
        // Another directory with a folder of the same name holding another run's manifest.
        let decoy = there + "/same-name"
        try FileManager.default.createDirectory(atPath: decoy, withIntermediateDirectories: true)
        try Data(#"{"run_id": "someone-else"}"#.utf8).write(to: URL(fileURLWithPath: decoy + "/manifest.json"))
        let elsewhere = URL(fileURLWithPath: there)
        let show = try launch(agoraBinary, ["runs", "show", id, "--json"], environment: testEnvironment(catalog: catalog), directory: elsewhere)
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(shown["run_dir"] as? String == Catalog.resolve(here + "/same-name"))
        let rm = try launch(agoraBinary, ["runs", "rm", id], environment: testEnvironment(catalog: catalog), directory: elsewhere)
        #expect(rm.status == 0, "\(rm.stderr)")
        #expect(!FileManager.default.fileExists(atPath: here + "/same-name") && FileManager.default.fileExists(atPath: decoy + "/manifest.json"))
    }

    @Test func rmKeepsADirectoryThatHoldsAnotherRun() throws {
        let here = try temporaryDirectory()
        let catalog = here + "/catalog.sqlite"
        let run = try agora(["run", "scenarios/sir-network.yaml", "--out", here + "/r", "--set", "network.nodes=2000", "--ticks", "5", "--json"],
                            catalog: catalog)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["run_id"] as? String)
        // The directory now holds another run's manifest (it was reused after a move, say).
        try Data(#"{"run_id": "another-run"}"#.utf8).write(to: URL(fileURLWithPath: here + "/r/manifest.json"))
        let rm = try agora(["runs", "rm", id], catalog: catalog)
        #expect(rm.status == 0 && rm.stderr.contains("kept \(Catalog.resolve(here + "/r")): it holds run another-run"), "\(rm.stderr)")
        #expect(FileManager.default.fileExists(atPath: here + "/r/metrics.csv"))
        #expect(try agora(["runs", "show", id], catalog: catalog).status == 2, "the row is gone")
        // Read-only commands never create a catalog.
        let missing = here + "/nothing/here/x.sqlite"
        #expect(try agora(["runs", "list", "--catalog", missing]).status != 0 && !FileManager.default.fileExists(atPath: here + "/nothing"))
    }
}

/// `agora bench llm_wait`: waiting on a slow endpoint costs next to no CPU (a spinning transport
/// costs about a core per second of waiting; the threshold leaves a loaded machine room).
@Suite struct LLMWaitBenchTests {
    @Test func waitingForASlowEndpointBurnsNoCore() throws {
        let out = try agora(["bench", "llm_wait", "--wait-seconds", "1.5", "--requests", "2"])
        #expect(out.status == 0, "\(out.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let perSecond = try #require(report["cpu_per_waiting_s"] as? Double)
        #expect(perSecond < 0.25, "\(report)")
        #expect((report["elapsed_s"] as? Double ?? 0) >= 1.5)  // the server sleeps that long before it answers
        let bad = try agora(["bench", "llm_wait", "--wait-seconds", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("--wait-seconds"))
    }
}

/// `agora graph generate` checks the network's memory before it allocates, as a scenario's world is checked.
@Suite struct GraphMemoryTests {
    @Test func aNetworkBiggerThanTheMachineIsRefusedNamingItsFlag() throws {
        // 2.1 billion nodes of one link each: inside the generator's domain, about 50 GB to build.
        let out = try agora(["graph", "generate", "--model", "ba", "--nodes", "2100000000", "--m", "1", "--out",
                             try temporaryDirectory() + "/g.u32"])
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let availableKB = text.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Double($0) } ?? 0
        guard availableKB * 1024 < 4e10 else { return }  // a machine this big may build it
        #expect(out.status != 0)
        #expect(out.stderr.contains("--nodes: the network needs about") && out.stderr.contains("--no-memory-check"), "\(out.stderr)")
    }
}
