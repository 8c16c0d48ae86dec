import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The run catalog: one SQLite database of runs, their parameters, digests and metrics, sweeps and
/// the LLM response cache. Safe with several `agora` processes writing at once (WAL journal, a busy
/// timeout, short immediate transactions). Schema in docs/catalog.md.
public final class Catalog {
    public let path: String
    let db: SQLiteConnection
    /// The device and inode of the file when it was opened.
    private var identity: (UInt64, UInt64)?

    public static let defaultPath = "runs/catalog.sqlite"
    /// 2: run directories are absolute paths (rows of version 1 are migrated on open). 3: a run
    /// or sweep point may be `interrupted` (a stopped sweep's), besides running, finished, failed.
    public static let schemaVersion = 3

    /// What a run's or a sweep point's `status` may be.
    public static let statuses = ["running", "finished", "failed", "interrupted"]

    /// Opens the catalog at `path`, creating it and its folder when `create` (the commands that
    /// record runs); a catalog that is missing and not to be created is an error, and so is one a
    /// newer Agora wrote (its schema is refused before anything is written to it).
    public init(path: String = Catalog.defaultPath, create: Bool = true) throws(CatalogError) {
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw CatalogError(path: path, message: "no catalog here (a run creates it)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        if create && !folder.isEmpty {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw CatalogError(path: path, message: "cannot create its folder (\(error.localizedDescription))")
            }
        }
        db = try SQLiteConnection(path: path)
        identity = Self.fileIdentity(path)
        let found = try db.retryingLocks { () throws(CatalogError) -> Int? in try storedSchemaVersion() }
        if let found, found > Self.schemaVersion {
            throw CatalogError(path: path, message: "written by a newer Agora (catalog schema \(found); this one knows \(Self.schemaVersion) "
                               + "and older); use that Agora, or another --catalog")
        }
        try db.retryingLocks { () throws(CatalogError) in try setUp() }
        if let found, found < 2 { try db.retryingLocks { () throws(CatalogError) in try migrateToAbsoluteDirectories() } }
        if let found, found < 3 { try db.retryingLocks { () throws(CatalogError) in try migrateToInterruptedStatus() } }
    }

    /// Opens the catalog at `path` to read only (`agora studio`): SQLite refuses any write through
    /// it, and nothing is set up or migrated. A catalog of another schema than this Agora's is
    /// refused, naming what to do.
    public init(readingOnly path: String) throws(CatalogError) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CatalogError(path: path, message: "no catalog here (a run creates it)")
        }
        db = try SQLiteConnection(path: path, readOnly: true)
        identity = Self.fileIdentity(path)
        let found = try db.retryingLocks { () throws(CatalogError) -> Int? in try storedSchemaVersion() }
        guard found == Self.schemaVersion else {
            throw CatalogError(path: path, message: "its schema is \(found.map(String.init) ?? "unknown"), this Agora reads \(Self.schemaVersion); "
                               + "any command that records a run (agora run) brings an older one up to date")
        }
    }

    /// Whether `path` is still the file this catalog opened: false once it was deleted, or replaced
    /// by another, while the connection stayed open (writes would then go where no one reads them).
    public var isStillAtItsPath: Bool {
        guard let now = Self.fileIdentity(path), let then = identity else { return false }
        return now == then
    }

    private static func fileIdentity(_ path: String) -> (UInt64, UInt64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    /// The schema version the file records; nil for a new, empty file.
    private func storedSchemaVersion() throws(CatalogError) -> Int? {
        guard try !db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'catalog_info'").isEmpty else { return nil }
        guard let text = try db.query("SELECT value FROM catalog_info WHERE key = 'schema_version'").first?[0].text else { return nil }
        guard let v = Int(text) else { throw CatalogError(path: path, message: "schema_version '\(text)' is not a number") }
        return v
    }

    /// `path` made absolute against `base` (the working directory by default), with `.`, `..` and
    /// symbolic links resolved: what the catalog stores and compares, so that a run is found, and
    /// removed, by the same directory from wherever the command is given.
    public static func resolve(_ path: String, from base: String = FileManager.default.currentDirectoryPath) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: base).appendingPathComponent(path)
        return url.standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Version 1 stored `--out` as typed. A relative directory is resolved against the places a
    /// run was most likely started from: the folder above the catalog's (the default layout,
    /// `runs/catalog.sqlite` beside `runs/<id>`), the catalog's folder, then the working directory;
    /// the first that holds the run's files wins, else the first.
    private func migrateToAbsoluteDirectories() throws(CatalogError) {
        let catalogFolder = Self.resolve((path as NSString).deletingLastPathComponent)
        let bases = [(catalogFolder as NSString).deletingLastPathComponent, catalogFolder, FileManager.default.currentDirectoryPath]
        func absolute(_ dir: String) -> String {
            let candidates = bases.map { Self.resolve(dir, from: $0) }
            return candidates.first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("scenario.yaml")) }
                ?? candidates[0]
        }
        try db.transaction { () throws(CatalogError) in
            for row in try db.query("SELECT id, run_dir FROM runs") {
                guard let id = row[0].text, let dir = row[1].text, !dir.hasPrefix("/") else { continue }
                try db.query("UPDATE runs SET run_dir = ? WHERE id = ?", [.text(absolute(dir)), .text(id)])
            }
            for row in try db.query("SELECT sweep_id, point, replicate, run_dir FROM sweep_points") {
                guard let dir = row[3].text, !dir.hasPrefix("/") else { continue }
                try db.query("UPDATE sweep_points SET run_dir = ? WHERE sweep_id = ? AND point = ? AND replicate = ?",
                             [.text(absolute(dir)), row[0], row[1], row[2]])
            }
            try db.query("UPDATE catalog_info SET value = '2' WHERE key = 'schema_version'")
        }
    }

    /// Version 2's `status` columns allowed running, finished and failed. SQLite cannot change a
    /// CHECK in place, so `runs` and `sweep_points` are rebuilt with the wider one, rows copied
    /// as they are (with foreign keys off, so that dropping the old `runs` does not take its
    /// metrics with it). Another process may have migrated first: the version is read again
    /// inside the transaction.
    private func migrateToInterruptedStatus() throws(CatalogError) {
        try db.execute("PRAGMA foreign_keys=OFF")
        defer { try? db.execute("PRAGMA foreign_keys=ON") }
        try db.transaction { () throws(CatalogError) in
            guard let v = try db.query("SELECT value FROM catalog_info WHERE key = 'schema_version'").first?[0].text, v == "2" else { return }
            try db.execute("""
            \(Self.runsTable("runs_v3"))
            INSERT INTO runs_v3 SELECT * FROM runs;
            DROP TABLE runs;
            ALTER TABLE runs_v3 RENAME TO runs;
            CREATE INDEX IF NOT EXISTS runs_by_scenario ON runs (scenario_name, started_at);
            \(Self.sweepPointsTable("sweep_points_v3"))
            INSERT INTO sweep_points_v3 SELECT * FROM sweep_points;
            DROP TABLE sweep_points;
            ALTER TABLE sweep_points_v3 RENAME TO sweep_points;
            UPDATE catalog_info SET value = '3' WHERE key = 'schema_version';
            """)
            if try !db.query("PRAGMA foreign_key_check").isEmpty {
                throw CatalogError(path: path, message: "rows that break a foreign key after the migration to schema 3")
            }
        }
    }

    private static var statusCheck: String { "CHECK (status IN (" + statuses.map { "'\($0)'" }.joined(separator: ", ") + "))" }

    static func runsTable(_ name: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(name) (
            id TEXT PRIMARY KEY,
            run_dir TEXT NOT NULL,
            scenario_name TEXT NOT NULL,
            scenario_hash TEXT NOT NULL,
            scenario_yaml TEXT NOT NULL,
            scenario_file TEXT,
            model TEXT NOT NULL,
            seed TEXT NOT NULL,
            overrides TEXT NOT NULL,
            agora_version TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL \(statusCheck),
            error TEXT,
            digest TEXT,
            ticks INTEGER NOT NULL,
            agents INTEGER,
            shards INTEGER,
            threads INTEGER,
            wall_s REAL,
            sweep_id TEXT REFERENCES sweeps(id) ON DELETE SET NULL
        );
        """
    }

    static func sweepPointsTable(_ name: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(name) (
            sweep_id TEXT NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
            point INTEGER NOT NULL,
            replicate INTEGER NOT NULL,
            parameters TEXT NOT NULL,
            seed TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            run_dir TEXT NOT NULL,
            run_id TEXT,
            status TEXT NOT NULL \(statusCheck),
            error TEXT,
            PRIMARY KEY (sweep_id, point, replicate)
        );
        """
    }

    /// The journal, the pragmas and the schema: safe to repeat.
    private func setUp() throws(CatalogError) {
        try db.execute("PRAGMA journal_mode=WAL")
        try db.execute("PRAGMA synchronous=NORMAL")
        try db.execute("PRAGMA foreign_keys=ON")
        try db.transaction { () throws(CatalogError) in
            try db.execute("""
            CREATE TABLE IF NOT EXISTS catalog_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT OR IGNORE INTO catalog_info VALUES ('schema_version', '\(Self.schemaVersion)');
            \(Self.runsTable("runs"))
            CREATE INDEX IF NOT EXISTS runs_by_scenario ON runs (scenario_name, started_at);
            CREATE TABLE IF NOT EXISTS metrics (
                run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                value REAL,
                PRIMARY KEY (run_id, name)
            );
            CREATE TABLE IF NOT EXISTS sweeps (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                spec TEXT NOT NULL,
                created_at TEXT NOT NULL,
                status TEXT NOT NULL
            );
            \(Self.sweepPointsTable("sweep_points"))
            CREATE TABLE IF NOT EXISTS llm_cache (
                key TEXT PRIMARY KEY,
                model TEXT NOT NULL,
                request TEXT NOT NULL,
                response TEXT NOT NULL,
                tokens_in INTEGER,
                tokens_out INTEGER,
                created_at TEXT NOT NULL
            );
            """)
        }
    }

    // MARK: runs

    /// A run as the catalog knows it.
    public struct Run: Sendable, Hashable {
        public var id: String
        public var runDirectory: String
        public var scenarioName: String
        public var scenarioHash: String
        public var scenarioYAML: String
        public var scenarioFile: String?
        public var model: String
        public var seed: String
        public var overrides: [String]
        public var agoraVersion: String
        public var startedAt: String
        public var finishedAt: String?
        public var status: String
        public var error: String?
        public var digest: String?
        public var ticks: Int
        public var agents: Int?
        public var shards: Int?
        public var threads: Int?
        public var wallSeconds: Double?

        public init(id: String, runDirectory: String, scenarioName: String, scenarioHash: String, scenarioYAML: String,
                    scenarioFile: String?, model: String, seed: String, overrides: [String], agoraVersion: String,
                    startedAt: String, ticks: Int) {
            self.id = id
            self.runDirectory = runDirectory
            self.scenarioName = scenarioName
            self.scenarioHash = scenarioHash
            self.scenarioYAML = scenarioYAML
            self.scenarioFile = scenarioFile
            self.model = model
            self.seed = seed
            self.overrides = overrides
            self.agoraVersion = agoraVersion
            self.startedAt = startedAt
            status = "running"
            self.ticks = ticks
        }
    }

    /// Records a run that is starting.
    public func insert(_ r: Run) throws(CatalogError) {
        let overrides = (try? String(data: JSONSerialization.data(withJSONObject: r.overrides), encoding: .utf8)) ?? "[]"
        try db.transaction { () throws(CatalogError) in
            try db.query("""
            INSERT INTO runs (id, run_dir, scenario_name, scenario_hash, scenario_yaml, scenario_file, model, seed, overrides,
                              agora_version, started_at, status, ticks)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)
            """, [.text(r.id), .text(Self.resolve(r.runDirectory)), .text(r.scenarioName), .text(r.scenarioHash), .text(r.scenarioYAML),
                  r.scenarioFile.map { .text($0) } ?? .null, .text(r.model), .text(r.seed), .text(overrides), .text(r.agoraVersion),
                  .text(r.startedAt), .integer(Int64(r.ticks))])
        }
    }

    /// Records how a run ended, and its metrics.
    public func finish(id: String, status: String, finishedAt: String, digest: String?, agents: Int?, shards: Int?, threads: Int?,
                       wallSeconds: Double?, error: String? = nil, metrics: [(String, Double)] = []) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            try db.query("""
            UPDATE runs SET status = ?, finished_at = ?, digest = ?, agents = ?, shards = ?, threads = ?, wall_s = ?, error = ?
            WHERE id = ?
            """, [.text(status), .text(finishedAt), digest.map { .text($0) } ?? .null, agents.map { .integer(Int64($0)) } ?? .null,
                  shards.map { .integer(Int64($0)) } ?? .null, threads.map { .integer(Int64($0)) } ?? .null,
                  wallSeconds.map { .real($0) } ?? .null, error.map { .text($0) } ?? .null, .text(id)])
            for (name, value) in metrics {
                try db.query("INSERT OR REPLACE INTO metrics (run_id, name, value) VALUES (?, ?, ?)",
                             [.text(id), .text(name), value.isFinite ? .real(value) : .null])
            }
        }
    }

    /// Stores metrics of a run (analysis adds to them later).
    public func setMetrics(id: String, _ metrics: [(String, Double)]) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            for (name, value) in metrics {
                try db.query("INSERT OR REPLACE INTO metrics (run_id, name, value) VALUES (?, ?, ?)",
                             [.text(id), .text(name), value.isFinite ? .real(value) : .null])
            }
        }
    }

    // MARK: sweeps

    /// One run of a sweep: a point of its design and a replicate, and where it stands.
    public struct SweepPoint: Sendable, Hashable {
        public var sweepID: String
        public var point: Int
        public var replicate: Int
        /// The point's values, path → value, as JSON text.
        public var parameters: String
        public var seed: String
        public var attempt: Int
        public var runDirectory: String
        public var runID: String?
        /// running, finished or failed.
        public var status: String
        public var error: String?

        public init(sweepID: String, point: Int, replicate: Int, parameters: String, seed: String, attempt: Int, runDirectory: String,
                    runID: String?, status: String, error: String?) {
            self.sweepID = sweepID
            self.point = point
            self.replicate = replicate
            self.parameters = parameters
            self.seed = seed
            self.attempt = attempt
            self.runDirectory = runDirectory
            self.runID = runID
            self.status = status
            self.error = error
        }
    }

    /// Records a sweep once (later calls with the same id change nothing).
    public func insertSweep(id: String, name: String, spec: String, createdAt: String) throws(CatalogError) {
        try db.query("INSERT OR IGNORE INTO sweeps (id, name, spec, created_at, status) VALUES (?, ?, ?, ?, 'running')",
                     [.text(id), .text(name), .text(spec), .text(createdAt)])
    }

    public func setSweepStatus(id: String, _ status: String) throws(CatalogError) {
        try db.query("UPDATE sweeps SET status = ? WHERE id = ?", [.text(status), .text(id)])
    }

    /// The sweep with this id or name (the newest of that name).
    public func sweep(_ reference: String) throws(CatalogError) -> (id: String, name: String, spec: String, status: String)? {
        try db.query("SELECT id, name, spec, status FROM sweeps WHERE id = ? OR name = ? ORDER BY created_at DESC LIMIT 1",
                     [.text(reference), .text(reference)]).first.map { ($0[0].text ?? "", $0[1].text ?? "", $0[2].text ?? "", $0[3].text ?? "") }
    }

    /// Every sweep, newest first: (id, name, status, created at).
    public func sweeps(limit: Int = 1_000) throws(CatalogError) -> [(id: String, name: String, status: String, createdAt: String)] {
        try db.query("SELECT id, name, status, created_at FROM sweeps ORDER BY created_at DESC LIMIT ?", [.integer(Int64(limit))])
            .map { ($0[0].text ?? "", $0[1].text ?? "", $0[2].text ?? "", $0[3].text ?? "") }
    }

    public func setSweepPoint(_ p: SweepPoint) throws(CatalogError) {
        try db.query("""
            INSERT OR REPLACE INTO sweep_points (sweep_id, point, replicate, parameters, seed, attempt, run_dir, run_id, status, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(p.sweepID), .integer(Int64(p.point)), .integer(Int64(p.replicate)), .text(p.parameters), .text(p.seed),
                  .integer(Int64(p.attempt)), .text(Self.resolve(p.runDirectory)), p.runID.map { .text($0) } ?? .null, .text(p.status),
                  p.error.map { .text($0) } ?? .null])
    }

    public func sweepPoints(_ id: String) throws(CatalogError) -> [SweepPoint] {
        try db.query("""
            SELECT sweep_id, point, replicate, parameters, seed, attempt, run_dir, run_id, status, error FROM sweep_points
            WHERE sweep_id = ? ORDER BY point, replicate
            """, [.text(id)]).map {
            SweepPoint(sweepID: $0[0].text ?? "", point: Int($0[1].integer ?? 0), replicate: Int($0[2].integer ?? 0), parameters: $0[3].text ?? "{}",
                       seed: $0[4].text ?? "", attempt: Int($0[5].integer ?? 0), runDirectory: $0[6].text ?? "", runID: $0[7].text,
                       status: $0[8].text ?? "", error: $0[9].text)
        }
    }

    // MARK: the LLM response cache

    /// The response body stored for a request key, if any.
    public func cachedResponse(key: String) throws(CatalogError) -> String? {
        try db.query("SELECT response FROM llm_cache WHERE key = ?", [.text(key)]).first?[0].text
    }

    /// Stores a response body for a request key (the first answer stays).
    public func storeResponse(key: String, model: String, request: String, response: String, tokensIn: Int, tokensOut: Int,
                              createdAt: String) throws(CatalogError) {
        try db.query("INSERT OR IGNORE INTO llm_cache (key, model, request, response, tokens_in, tokens_out, created_at) "
                     + "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [.text(key), .text(model), .text(request), .text(response), .integer(Int64(tokensIn)), .integer(Int64(tokensOut)),
                      .text(createdAt)])
    }

    /// Runs, newest first.
    public func runs(limit: Int = 1_000) throws(CatalogError) -> [Run] {
        try db.query("SELECT \(Self.columns) FROM runs ORDER BY started_at DESC, id DESC LIMIT ?", [.integer(Int64(limit))]).map(Self.run)
    }

    /// The runs of sweep `id`, newest first: those its points record, by run id or run directory
    /// (a run stopped before it finished has no id in its point).
    public func runs(ofSweep id: String, limit: Int = 1_000) throws(CatalogError) -> [Run] {
        try db.query("""
            SELECT \(Self.columns) FROM runs WHERE sweep_id = ? OR id IN (SELECT run_id FROM sweep_points WHERE sweep_id = ?)
                OR run_dir IN (SELECT run_dir FROM sweep_points WHERE sweep_id = ?)
            ORDER BY started_at DESC, id DESC LIMIT ?
            """, [.text(id), .text(id), .text(id), .integer(Int64(limit))]).map(Self.run)
    }

    /// Marks the run in `directory` as a run of sweep `id` (`runs.sweep_id`), so that every attempt
    /// of a point, the interrupted ones too, stays listed with the sweep.
    public func markRun(directory: String, sweep id: String) throws(CatalogError) {
        try db.query("UPDATE runs SET sweep_id = ? WHERE run_dir = ?", [.text(id), .text(Self.resolve(directory))])
    }

    /// The run with this id, or whose directory is this path (relative to the working directory).
    public func run(_ reference: String) throws(CatalogError) -> Run? {
        try db.query("SELECT \(Self.columns) FROM runs WHERE id = ? OR run_dir = ? ORDER BY id = ? DESC LIMIT 1",
                     [.text(reference), .text(Self.resolve(reference)), .text(reference)])
            .first.map(Self.run)
    }

    public func metrics(of id: String) throws(CatalogError) -> [(name: String, value: Double?)] {
        try db.query("SELECT name, value FROM metrics WHERE run_id = ? ORDER BY name", [.text(id)]).map { ($0[0].text ?? "", $0[1].real) }
    }

    /// Forgets a run (and its metrics). Returns false when there was none.
    @discardableResult
    public func remove(id: String) throws(CatalogError) -> Bool {
        try db.transaction { () throws(CatalogError) -> Bool in
            try db.query("DELETE FROM runs WHERE id = ?", [.text(id)])
            return db.changes > 0
        }
    }

    static let columns = """
    id, run_dir, scenario_name, scenario_hash, scenario_yaml, scenario_file, model, seed, overrides, agora_version, started_at,
    finished_at, status, error, digest, ticks, agents, shards, threads, wall_s
    """

    static func run(_ row: [SQLValue]) -> Run {
        let overrides = row[8].text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String] } ?? []
        var r = Run(id: row[0].text ?? "", runDirectory: row[1].text ?? "", scenarioName: row[2].text ?? "",
                    scenarioHash: row[3].text ?? "", scenarioYAML: row[4].text ?? "", scenarioFile: row[5].text,
                    model: row[6].text ?? "", seed: row[7].text ?? "", overrides: overrides, agoraVersion: row[9].text ?? "",
                    startedAt: row[10].text ?? "", ticks: Int(row[15].integer ?? 0))
        r.finishedAt = row[11].text
        r.status = row[12].text ?? ""
        r.error = row[13].text
        r.digest = row[14].text
        r.agents = row[16].integer.map(Int.init)
        r.shards = row[17].integer.map(Int.init)
        r.threads = row[18].integer.map(Int.init)
        r.wallSeconds = row[19].real
        return r
    }
}
