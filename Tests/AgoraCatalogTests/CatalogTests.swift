@testable import AgoraCatalog
import Foundation
import Testing

func temporaryCatalog() -> String { NSTemporaryDirectory() + "agora-catalog-\(UUID().uuidString)/catalog.sqlite" }

func sampleRun(_ id: String, started: String = "2026-01-01T00:00:00Z") -> Catalog.Run {
    Catalog.Run(id: id, runDirectory: "runs/\(id)", scenarioName: "demo", scenarioHash: "abc", scenarioYAML: "name: demo\n",
                scenarioFile: "scenarios/demo.yaml", model: "sir", seed: "42", overrides: ["--seed 42"], agoraVersion: "0.1.0",
                startedAt: started, ticks: 10)
}

@Suite struct CatalogTests {
    @Test func runsAreRecordedFinishedListedAndRemoved() throws {
        let c = try Catalog(path: temporaryCatalog())
        try c.insert(sampleRun("a", started: "2026-01-01T00:00:00Z"))
        try c.insert(sampleRun("b", started: "2026-01-02T00:00:00Z"))
        try c.finish(id: "a", status: "finished", finishedAt: "2026-01-01T00:01:00Z", digest: "d1", agents: 5, shards: 2, threads: 1,
                     wallSeconds: 1.5, metrics: [("gini", 0.5), ("nan", .nan)])
        #expect(try c.runs().map(\.id) == ["b", "a"])
        let a = try #require(try c.run("a"))
        #expect(a.status == "finished" && a.digest == "d1" && a.agents == 5 && a.wallSeconds == 1.5)
        #expect(a.overrides == ["--seed 42"] && a.scenarioYAML == "name: demo\n")
        #expect(try c.run("runs/a")?.id == "a", "a run is found by its directory too")
        let metrics = try c.metrics(of: "a")
        #expect(metrics.map(\.name) == ["gini", "nan"] && metrics[0].value == 0.5 && metrics[1].value == nil)
        #expect(try c.run("b")?.status == "running")
        #expect(try c.remove(id: "a"))
        #expect(try c.metrics(of: "a").isEmpty, "metrics go with their run")
        #expect(try !c.remove(id: "a"))
    }

    @Test func aDuplicateRunIDIsRefused() throws {
        let c = try Catalog(path: temporaryCatalog())
        try c.insert(sampleRun("x"))
        #expect(throws: CatalogError.self) { try c.insert(sampleRun("x")) }
    }

    @Test func concurrentWritersLoseNothing() throws {
        let path = temporaryCatalog()
        _ = try Catalog(path: path)
        let group = DispatchGroup()
        final class Failures: @unchecked Sendable { var list: [String] = []; let lock = NSLock() }
        let failures = Failures()
        for w in 0..<6 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let c = try Catalog(path: path)  // one connection per writer, as separate processes would have
                    for i in 0..<20 {
                        try c.insert(sampleRun("w\(w)-\(i)"))
                        try c.finish(id: "w\(w)-\(i)", status: "finished", finishedAt: "t", digest: "d", agents: 1, shards: 1,
                                     threads: 1, wallSeconds: 0.1, metrics: [("m", Double(i))])
                    }
                } catch {
                    failures.lock.withLock { failures.list.append("\(error)") }
                }
            }.start()
        }
        group.wait()
        #expect(failures.list.isEmpty)
        let c = try Catalog(path: path)
        let runs = try c.runs(limit: 1_000)
        #expect(runs.count == 120)
        #expect(runs.allSatisfy { $0.status == "finished" })
    }

    @Test func anUnwritablePlaceIsAClearError() {
        #expect { try Catalog(path: "/proc/agora/catalog.sqlite") } throws: { "\($0)".hasPrefix("/proc/agora/catalog.sqlite: ") }
    }
}

/// Run directories are stored absolute, old relative rows are migrated, and a newer schema is refused.
@Suite struct CatalogPathTests {
    @Test func aRunDirectoryIsStoredAbsoluteAndFoundByAnyPathToIt() throws {
        let c = try Catalog(path: temporaryCatalog())
        try c.insert(sampleRun("a"))
        let cwd = FileManager.default.currentDirectoryPath
        let stored = try #require(try c.run("a")).runDirectory
        #expect(stored == Catalog.resolve("runs/a") && stored.hasPrefix("/") && stored.hasSuffix("/runs/a"))
        #expect(try c.run(cwd + "/runs/./x/../a")?.id == "a" && c.run("runs/a")?.id == "a")
        #expect(Catalog.resolve("b/../c", from: "/tmp/q") == "/tmp/q/c")
    }

    @Test func relativeRowsOfTheFirstSchemaAreMigratedToWhereTheRunIs() throws {
        let path = temporaryCatalog()
        let root = ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let layout = (path as NSString).deletingLastPathComponent
        // A run under the catalog's folder, as `runs/<id>` beside `runs/catalog.sqlite` would be.
        let runFolder = layout + "/r1"
        try FileManager.default.createDirectory(atPath: runFolder, withIntermediateDirectories: true)
        try Data("name: demo\n".utf8).write(to: URL(fileURLWithPath: runFolder + "/scenario.yaml"))
        do {
            let c = try Catalog(path: path)
            try c.insert(sampleRun("r1"))
            try c.insert(sampleRun("r2"))
            try c.db.query("UPDATE runs SET run_dir = ? WHERE id = 'r1'", [.text((layout as NSString).lastPathComponent + "/r1")])
            try c.db.query("UPDATE runs SET run_dir = 'elsewhere/r2' WHERE id = 'r2'")
            try c.db.query("UPDATE catalog_info SET value = '1' WHERE key = 'schema_version'")
        }
        let c = try Catalog(path: path)
        #expect(try c.run("r1")?.runDirectory == Catalog.resolve(runFolder), "found where its files are")
        #expect(try c.run("r2")?.runDirectory == Catalog.resolve("elsewhere/r2", from: root), "else beside the catalog's folder")
        #expect(try c.db.query("SELECT value FROM catalog_info WHERE key = 'schema_version'").first?[0].text == "3")
    }

    @Test func aSecondSchemaCatalogLearnsTheInterruptedStatusAndKeepsItsRows() throws {
        let path = temporaryCatalog()
        do {
            // A catalog as schema 2 made it: the status CHECK without `interrupted`.
            let c = try Catalog(path: path)
            try c.insert(sampleRun("a"))
            try c.setMetrics(id: "a", [("summary.R", 7)])
            try c.insertSweep(id: "s", name: "s", spec: "name: s\n", createdAt: "2026-01-01T00:00:00Z")
            try c.setSweepPoint(Catalog.SweepPoint(sweepID: "s", point: 0, replicate: 0, parameters: "{}", seed: "1", attempt: 1,
                                                   runDirectory: "runs/a", runID: "a", status: "finished", error: nil))
            try c.db.execute("PRAGMA foreign_keys=OFF")
            for (table, ddl) in [("runs", Catalog.runsTable("old")), ("sweep_points", Catalog.sweepPointsTable("old"))] {
                let v2 = ddl.replacingOccurrences(of: ", 'interrupted'", with: "")
                try c.db.execute("\(v2) INSERT INTO old SELECT * FROM \(table); DROP TABLE \(table); ALTER TABLE old RENAME TO \(table);")
            }
            try c.db.query("UPDATE catalog_info SET value = '2' WHERE key = 'schema_version'")
            #expect(throws: CatalogError.self) {
                try c.finish(id: "a", status: "interrupted", finishedAt: "x", digest: nil, agents: nil, shards: nil, threads: nil,
                             wallSeconds: nil, error: nil)
            }
        }
        let c = try Catalog(path: path)
        #expect(try c.db.query("SELECT value FROM catalog_info WHERE key = 'schema_version'").first?[0].text == "3")
        #expect(try c.metrics(of: "a").first { $0.name == "summary.R" }?.value == 7, "the metrics survived the rebuild of runs")
        #expect(try c.sweepPoints("s").map(\.runID) == ["a"])
        try c.finish(id: "a", status: "interrupted", finishedAt: "x", digest: nil, agents: nil, shards: nil, threads: nil, wallSeconds: nil,
                     error: "stopped")
        #expect(try c.run("a")?.status == "interrupted")
        #expect(try c.db.query("PRAGMA foreign_keys").first?[0] == .integer(1), "foreign keys are on again")
    }

    @Test func aCatalogOfANewerSchemaIsRefusedAndLeftAsItWas() throws {
        let path = temporaryCatalog()
        do {
            let c = try Catalog(path: path)
            try c.insert(sampleRun("a"))
            try c.db.query("UPDATE catalog_info SET value = '99' WHERE key = 'schema_version'")
        }
        #expect { try Catalog(path: path) } throws: { "\($0)".contains("written by a newer Agora (catalog schema 99") }
        // Read through SQLite directly: the row is still there, untouched.
        let db = try SQLiteConnection(path: path)
        #expect(try db.query("SELECT value FROM catalog_info WHERE key = 'schema_version'").first?[0].text == "99")
        #expect(try db.query("SELECT count(*) FROM runs").first?[0] == .integer(1))
    }

    @Test func aCatalogThatIsOnlyReadIsNeverCreated() throws {
        let folder = NSTemporaryDirectory() + "agora-missing-\(UUID().uuidString)"
        #expect { try Catalog(path: folder + "/deep/x.sqlite", create: false) } throws: { "\($0)".contains("no catalog here") }
        #expect(!FileManager.default.fileExists(atPath: folder))
    }
}
