import AgoraCore
import AgoraEngine
import AgoraLog
@testable import AgoraRuntime
import AgoraScenario
import Foundation
import Testing

let scenariosFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scenarios").path

func temporaryRunDirectory() -> String { NSTemporaryDirectory() + "agora-run-\(UUID().uuidString)" }

/// Runs a small SIR world into a fresh directory.
func smallRun(shards: Int = 2, threads: Int = 2, extra: [String] = []) throws -> RunSession.Outcome {
    let overrides = try (["network.nodes=3000", "ticks=40", "engine.shards=\(shards)"] + extra).map { text throws(ScenarioErrors) in
        try Override.parse(text)
    }
    let scenario = try ScenarioLoader.load(path: scenariosFolder + "/sir-network.yaml", overrides: overrides)
    let world = try World.assemble(scenario)
    return try RunSession.run(world, out: temporaryRunDirectory(), threads: threads)
}

/// Every row of every kind, in file order.
func allRows(_ directory: String) throws -> [String: [[Int64]]] {
    let reader = try LogReader(path: directory + "/" + RunLog.fileName)
    var out: [String: [[Int64]]] = [:]
    let problems = reader.forEachChunk { c in
        let name = reader.schema.kind(c.kind)!.name
        for i in 0..<c.count { out[name, default: []].append(c.columns.map { $0[i] }) }
    }
    #expect(problems.isEmpty)
    return out
}

/// Rewrites a run's log through `edit`, with fresh checksums: damage a reader cannot see, only a
/// check of the contents.
func rewriteLog(_ directory: String, _ edit: (String, inout [Int64]) -> Void) throws {
    let path = directory + "/" + RunLog.fileName
    let reader = try LogReader(path: path)
    var chunks: [(UInt16, [[Int64]])] = []
    reader.forEachChunk { chunks.append(($0.kind, $0.columns)) }
    let writer = try LogWriter(path: path + ".new", schema: reader.schema)
    for (kind, columns) in chunks {
        let name = reader.schema.kind(kind)!.name
        for i in 0..<columns[0].count {
            var row = columns.map { $0[i] }
            edit(name, &row)
            row.withUnsafeBufferPointer { writer.append(kind: kind, $0) }
        }
    }
    try writer.close()
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.moveItem(atPath: path + ".new", toPath: path)
}

@Suite struct RunLogTests {
    @Test func aRunLogsItsEventsAndChecksOut() throws {
        let run = try smallRun()
        let report = try LogCheck.run(directory: run.directory.path)
        #expect(report.ok, "\(report.problems) \(report.mismatches)")
        #expect(report.ticks == 40)
        #expect(report.chainedDigest == run.simulation.digest.hex)
        #expect(report.verifiedKinds == ["transition"])
        let rows = try allRows(run.directory.path)
        #expect(rows["digest"]?.count == 40)
        // Each transition is a node becoming infected (1) or recovered (2), once each at most.
        let transitions = rows["transition"] ?? []
        #expect(!transitions.isEmpty && transitions.allSatisfy { $0[2] == 1 || $0[2] == 2 })
        #expect(Set(transitions.map { [$0[1], $0[2]] }).count == transitions.count)
    }

    @Test func theLogIsTheSameForAnyShardCount() throws {
        let a = try smallRun(shards: 1, threads: 1)
        let b = try smallRun(shards: 5, threads: 2)
        #expect(try allRows(a.directory.path) == allRows(b.directory.path))
    }

    @Test func logSettingsSampleAndExclude() throws {
        let sampled = try smallRun(extra: ["log.kinds.transition.every=2"])
        let rows = try allRows(sampled.directory.path)
        #expect((rows["transition"] ?? []).allSatisfy { $0[0] % 2 == 0 })
        #expect(try LogCheck.run(directory: sampled.directory.path).verifiedKinds.isEmpty, "a sampled kind cannot be re-hashed")
        let none = try smallRun(extra: ["log.exclude=[transition]"])
        #expect(try allRows(none.directory.path)["transition"] == nil)
        #expect(try LogCheck.run(directory: none.directory.path).ok, "the digest rows alone still check out")
    }
}

@Suite struct ReplayTests {
    @Test func aCleanRunReplaysToTheSameDigest() throws {
        let run = try smallRun()
        let verdict = try Replay.verify(directory: run.directory.path, threads: 1)
        guard case .matches(let ticks, let digest) = verdict else {
            Issue.record("expected a match, got \(verdict)")
            return
        }
        #expect(ticks == 40 && digest == run.simulation.digest.hex)
    }

    @Test func aTamperedDigestRowIsNamedByTickAndKind() throws {
        let run = try smallRun()
        try rewriteLog(run.directory.path) { kind, row in
            if kind == "digest" && row[0] == 17 { row[4] += 1 }
        }
        let verdict = try Replay.verify(directory: run.directory.path, threads: 2)
        guard case .differs(let tick, let kind, _, _) = verdict else {
            Issue.record("expected a difference, got \(verdict)")
            return
        }
        #expect(tick == 17 && kind == "transition")
    }

    @Test func aTamperedEventIsFoundWithoutReRunning() throws {
        let run = try smallRun()
        var changed: Int64 = -1
        try rewriteLog(run.directory.path) { kind, row in
            if kind == "transition" && changed < 0 && row[0] >= 10 { row[2] = 3 - row[2]; changed = row[0] }
        }
        let report = try LogCheck.run(directory: run.directory.path)
        #expect(!report.ok)
        #expect(report.mismatches.map(\.tick) == [Int(changed)])
        #expect(report.problems.isEmpty, "the frames themselves are intact")
    }

    @Test func aLogCutShortReplaysUpToWhereItEnds() throws {
        let run = try smallRun()
        try rewriteLog(run.directory.path) { _, row in if row[0] >= 30 { row[0] = -1 } }
        // Rows moved to tick −1 leave no digest rows for ticks 30…39.
        let verdict = try Replay.verify(directory: run.directory.path, threads: 1)
        guard case .logEnds(let tick) = verdict else {
            Issue.record("expected the log to end, got \(verdict)")
            return
        }
        #expect(tick == 30)
    }
}

@Suite struct BookRebuildTests {
    @Test func theRebuiltBookMatchesTheLoggedMarketData() throws {
        let overrides = try ["agents[0].count=2000", "agents[1].count=800", "agents[2].count=500", "agents[3].count=200",
                             "agents[4].count=6", "ticks=220", "exchange.fundamental.news[0].tick=150"]
            .map { text throws(ScenarioErrors) in try Override.parse(text) }
        let scenario = try ScenarioLoader.load(path: scenariosFolder + "/market.yaml", overrides: overrides)
        let run = try RunSession.run(try World.assemble(scenario), out: temporaryRunDirectory(), threads: 2)
        let rows = try allRows(run.directory.path)["market"] ?? []
        // market rows: tick, agent (instrument), bid, ask, last, volume, trades, bid_size, ask_size, …
        var compared = 0
        for tick in [0, 5, 9, 10, 57, 150, 194, 199, 205, 219] {
            for (symbol, name) in ["ACME", "BOLT", "CORE"].enumerated() {
                let book = try BookRebuild.rebuild(directory: run.directory.path, instrument: name, atTick: tick)
                let logged = try #require(rows.first { $0[0] == Int64(tick) && $0[1] == Int64(symbol) })
                #expect((book.bids.first?.price ?? 0) == logged[2], "\(name) bid at \(tick)")
                #expect((book.asks.first?.price ?? 0) == logged[3], "\(name) ask at \(tick)")
                #expect((book.bids.first?.quantity ?? 0) == logged[7], "\(name) bid size at \(tick)")
                #expect((book.asks.first?.quantity ?? 0) == logged[8], "\(name) ask size at \(tick)")
                compared += 1
            }
        }
        #expect(compared == 30)
        #expect(throws: BookRebuild.Failure.self) { try BookRebuild.rebuild(directory: run.directory.path, instrument: "NOPE", atTick: 3) }
    }
}

@Suite struct LoggedKindsTests {
    @Test func metricsAreLoggedAsDoubles() throws {
        let run = try smallRun()
        let csv = try String(contentsOfFile: run.directory.file("metrics.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        let rows = try allRows(run.directory.path)["metrics"] ?? []
        #expect(rows.count == 40)
        for (line, row) in zip(csv, rows) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(Int64(fields[0]) == row[0])
            // S, I, R after the tick and event count columns.
            for k in 0..<3 { #expect(Double(fields[2 + k]) == Double(bitPattern: UInt64(bitPattern: row[1 + k]))) }
        }
    }

    @Test func marketRunsLogOrdersAndTradesWithBothSides() throws {
        let overrides = try ["agents[0].count=1500", "agents[1].count=500", "agents[2].count=300", "agents[3].count=100",
                             "agents[4].count=4", "ticks=120", "exchange.fundamental.news[0].tick=100"]
            .map { text throws(ScenarioErrors) in try Override.parse(text) }
        let scenario = try ScenarioLoader.load(path: scenariosFolder + "/market.yaml", overrides: overrides)
        let run = try RunSession.run(try World.assemble(scenario), out: temporaryRunDirectory(), threads: 2)
        let rows = try allRows(run.directory.path)
        let orders = rows["order"] ?? [], trades = rows["trade"] ?? [], reports = rows["report"] ?? []
        #expect(!orders.isEmpty && !trades.isEmpty)
        // Every fill report is one side of exactly one trade: twice as many fills as trades.
        let fills = reports.filter { $0[2] == 1 }
        #expect(fills.count == 2 * trades.count)
        // trade: tick, buyer, instrument, price, quantity, seller, buy_order, sell_order, aggressor
        #expect(trades.allSatisfy { $0[4] > 0 && $0[8] >= 0 && $0[8] <= 2 })
        let bought = fills.filter { $0[4] == 0 }.reduce(0) { $0 + $1[9] }  // side buy: quantity column
        #expect(bought == trades.reduce(0) { $0 + $1[4] })
        #expect(try LogCheck.run(directory: run.directory.path).ok)
    }
}

/// A model whose events carry text: what an LLM answered, say.
final class SayingModel: Model, @unchecked Sendable {
    static let said = EventKind(id: 40, name: "said", columns: ["n", "words"], types: ["i64", "text"])
    var agentCount: Int { 4 }
    var phases: Phases { [] }
    var eventKinds: [EventKind] { [Self.said] }
    func recordSerial(_ tick: Tick, into recorder: inout ShardRecorder) {
        for a in 0..<2 {
            let words = recorder.text(a == 0 ? "tick \(tick): \"hold\", ünïcode" : "same every tick")
            recorder.record(kind: Self.said.id, agent: a, values: [Int64(tick), words])
        }
    }
}

@Suite struct TextColumnTests {
    @Test func textColumnsAreHashedByContentAndLoggedAsStrings() throws {
        let directory = temporaryRunDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let model = SayingModel()
        let policy = LogPolicy.defaults(for: model.eventKinds, seed: 1)
        let sim = Simulation(model: model, shards: 1, threads: 1, logPolicy: policy)
        let log = try RunLog(path: directory + "/" + RunLog.fileName, kinds: model.eventKinds, metrics: [], policy: policy, meta: [:])
        for _ in 0..<5 { log.write(sim.step(), from: sim) }
        try log.close()
        let report = try LogCheck.run(directory: directory)
        #expect(report.ok && report.verifiedKinds == ["said"] && report.mismatches.isEmpty, "\(report.problems) \(report.mismatches)")
        #expect(report.chainedDigest == sim.digest.hex)
        let reader = try LogReader(path: directory + "/" + RunLog.fileName)
        var words: [String] = []
        reader.forEachChunk { c in
            guard c.kind == SayingModel.said.id else { return }
            for i in 0..<c.count { words.append(reader.string(c.columns[3][i]) ?? "?") }
        }
        #expect(words.count == 10 && words[0] == "tick 0: \"hold\", ünïcode" && words[9] == "same every tick")
        #expect(reader.strings.count == 6, "a repeated string is stored once")
        // The digest follows the text: another text, another digest.
        #expect(textHash("hold") != textHash("hole") && textHash("") != textHash(" "))
    }
}
