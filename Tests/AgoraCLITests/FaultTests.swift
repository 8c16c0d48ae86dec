import AgoraLog
import Foundation
import Testing

/// Faults from outside — a file-size limit, a catalog removed mid-run, a killed run, a damaged
/// log — end in a clear message and a true account, never a silent death or a wrong figure.
@Suite struct FaultTests {
    static let market = KillAndResumeTests.market

    /// The newest run of `catalog`, as `runs list --json` gives it.
    func newestRun(_ catalog: String) throws -> [String: Any] {
        let list = try agora(["runs", "list", "--json", "--limit", "1"], catalog: catalog)
        return try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any], "\(list.stderr)")
    }

    @Test func aFileSizeLimitFailsTheRunWithAMessageAndKeepsItsMetricsRows() throws {
        let base = try temporaryDirectory()
        let catalog = base + "/catalog.sqlite"
        // The catalog exists before the limit applies (SQLite would hit it too).
        #expect(try agora(["run", "scenarios/boltzmann.yaml", "--ticks", "1", "--set", "agents[0].count=10", "--out", base + "/first"],
                          catalog: catalog).status == 0)
        let command = ([agoraBinary, "run"] + Self.market + ["--out", base + "/limited"]).map { "'\($0)'" }.joined(separator: " ")
        let run = try launch("/bin/bash", ["-c", "ulimit -f 150; exec " + command], environment: testEnvironment(catalog: catalog))
        #expect(run.status == 1 && run.stderr.contains("events.agl: write failed (File too large)"), "\(run.status) \(run.stderr)")
        let row = try newestRun(catalog)
        #expect(row["status"] as? String == "failed" && (row["error"] as? String ?? "").contains("File too large"), "\(row)")
        let rows = try String(contentsOfFile: base + "/limited/metrics.csv", encoding: .utf8).split(separator: "\n").count
        #expect(rows > 100, "the rows written before the failure are kept: \(rows)")
    }

    @Test func aCatalogRemovedMidRunIsRecreatedAndAKilledRunsLogIsIncomplete() throws {
        let base = try temporaryDirectory()
        let catalog = base + "/catalog.sqlite"
        let environment = testEnvironment(catalog: catalog)
        // A run whose catalog is deleted while it goes on.
        let dir = base + "/run"
        let p = try startInBackground(agoraBinary, ["run"] + Self.market + ["--out", dir, "--checkpoint-every", "5"], environment: environment)
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: dir + "/checkpoint.bin") && p.isRunning && Date() < deadline { usleep(2_000) }
        #expect(p.isRunning, "the run must still be going when its catalog goes")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: catalog + suffix) }
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let row = try newestRun(catalog)
        #expect(row["status"] as? String == "finished" && row["run_dir"] as? String == dir, "\(row)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any])
        #expect((manifest["notes"] as? [String] ?? []).contains { $0.contains("was removed or replaced during the run") }, "\(manifest["notes"] ?? "")")

        // A run killed part way: its log reads, but log check says it is incomplete, not ok.
        let killed = base + "/killed"
        try KillAndResumeTests().runAndKill(["run"] + Self.market + ["--out", killed, "--checkpoint-every", "5"], directory: killed)
        let check = try agora(["log", "check", killed], catalog: catalog)
        #expect(check.status == 1 && check.stdout.contains("incomplete: the run did not finish (") && check.stdout.contains(" of 400 ticks logged"),
                "\(check.stdout)")
        #expect(check.stdout.hasSuffix("incomplete\n") && !check.stdout.contains("\nok\n"))
        let json = try agora(["log", "check", killed, "--json"], catalog: catalog)
        #expect(json.stdout.contains("\"status\":\"incomplete\"") || json.stdout.contains("\"status\": \"incomplete\""), "\(json.stdout)")
    }

    @Test func analyzeRefusesALogWithDuplicatedFrames() throws {
        let dir = try temporaryDirectory() + "/run"
        #expect(try agora(["run", "scenarios/sir-network.yaml", "--set", "network.nodes=3000", "--ticks", "30", "--out", dir]).status == 0)
        #expect(try agora(["analyze", dir]).status == 0, "the run as written analyses")
        // Every frame after the schema appended again: each is intact, but the log says every tick twice.
        let path = dir + "/events.agl"
        let first = try #require(try LogReader(path: path).index().chunks.first).offset
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.append(bytes.subdata(in: first..<bytes.count))
        try bytes.write(to: URL(fileURLWithPath: path))
        let analyze = try agora(["analyze", dir])
        #expect(analyze.status == 1 && analyze.stderr.contains("the log does not check out"), "\(analyze.stdout) \(analyze.stderr)")
        #expect(try agora(["log", "check", dir]).status == 1)
    }

    /// How many runs of `catalog` finished.
    static func finishedRuns(_ catalog: String) throws -> Int {
        let runs = try agora(["runs", "list", "--json"], catalog: catalog)
        return runs.stdout.split(separator: "\n").filter { $0.contains("\"finished\"") }.count
    }

    /// Processes whose environment says the sweep `pid` started them.
    static func children(ofSweep pid: Int32) -> [Int32] {
        let mark = Data("AGORA_SWEEP_PID=\(pid)\u{0}".utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { child in
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/environ")))?.range(of: mark) != nil
        }
    }

    @Test func aSweepKilledAloneTakesItsRunsWithItAndItsResumeRunsNoPointTwice() throws {
        let dir = try temporaryDirectory()
        let catalog = dir + "/catalog.sqlite"
        // Runs of several seconds each, so that an orphan would still be going when the resume starts.
        let file = dir + "/orphans.yaml"
        try Data("""
            name: orphans
            base: \(repositoryRoot.path)/scenarios/sir-network.yaml
            parameters:
              agents[0].params.transmission: [0.02, 0.04, 0.06, 0.08, 0.1, 0.12]
            set:
              network.nodes: 300000
              ticks: 200

            """.utf8).write(to: URL(fileURLWithPath: file))
        let p = try startInBackground(agoraBinary, ["sweep", file, "--jobs", "2", "--quiet"], environment: testEnvironment(catalog: catalog))
        let deadline = Date().addingTimeInterval(120)
        while Self.children(ofSweep: p.processIdentifier).isEmpty && p.isRunning && Date() < deadline { usleep(2_000) }
        #expect(!Self.children(ofSweep: p.processIdentifier).isEmpty, "the sweep had runs going")
        let finishedAtTheKill = try Self.finishedRuns(catalog)
        kill(p.processIdentifier, SIGKILL)  // the sweep alone, not its process group
        p.waitUntilExit()
        var left = Self.children(ofSweep: p.processIdentifier)
        let gone = Date().addingTimeInterval(120)
        while !left.isEmpty && Date() < gone { usleep(10_000); left = Self.children(ofSweep: p.processIdentifier) }
        #expect(left.isEmpty, "runs outlived their sweep: \(left)")
        // Those runs died with the sweep: none went on to finish its point behind the resume's back.
        #expect(try Self.finishedRuns(catalog) == finishedAtTheKill)
        let resumed = try agora(["sweep", file, "--jobs", "2"], catalog: catalog)
        #expect(resumed.status == 0 && resumed.stdout.contains("6 of 6 runs finished"), "\(resumed.stdout) \(resumed.stderr)")
        let runs = try agora(["runs", "list", "--json"], catalog: catalog)
        #expect(runs.stdout.split(separator: "\n").filter { $0.contains("\"finished\"") }.count == 6, "\(runs.stdout)")
    }
}

/// Command-line details that used to crash or mislead.
@Suite struct InputDetailCommandTests {
    @Test func badDepthsAndMisnamedOutputsAreRefusedAndStatsSayWhatTheyDropped() throws {
        let dir = try temporaryDirectory()
        let depth = try agora(["replay", dir, "--book", "ACME", "--at", "3", "--depth=-5"])
        #expect(depth.status != 0 && depth.stderr.contains("--depth must lie in 1...10000"), "\(depth.stderr)")
        let json = try agora(["graph", "generate", "--model", "ba", "--nodes", "100", "--m", "2", "--out", dir + "/g.json"])
        #expect(json.status != 0 && json.stderr.contains("name the file for what is written"), "\(json.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/g.json"))
        let both = try agora(["graph", "generate", "--model", "er", "--nodes", "100", "--p", "0.1", "--mean-degree", "3", "--out", dir + "/g.u32"])
        #expect(both.status != 0 && both.stderr.contains("not both"))
        try Data("0 1\r\n1 0\r\n1 1\r\n1 2\r\n".utf8).write(to: URL(fileURLWithPath: dir + "/e.txt"))
        let stats = try agora(["graph", "stats", dir + "/e.txt", "--json"])
        let j = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any], "\(stats.stderr)")
        #expect(j["edges"] as? Int == 2 && j["self_loops_dropped"] as? Int == 1 && j["repeated_edges_dropped"] as? Int == 1, "\(j)")
        #expect(j["max_degree"] as? Int == 2)
    }
}
