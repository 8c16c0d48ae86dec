import CSQLite
import Foundation

/// A thin, checked wrapper over one SQLite connection: statements with bound parameters, errors
/// as values naming the database file. Used from one thread at a time.
final class SQLiteConnection {
    let path: String
    private var db: OpaquePointer?

    /// SQLITE_TRANSIENT: SQLite copies bound text before the call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    let busyTimeoutMilliseconds: Int32

    /// `readOnly`: SQLite refuses every write through this connection.
    init(path: String, busyTimeoutMilliseconds: Int32 = 15_000, readOnly: Bool = false) throws(CatalogError) {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        var handle: OpaquePointer?
        let mode = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let rc = sqlite3_open_v2(path, &handle, mode | SQLITE_OPEN_FULLMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw CatalogError(path: path, message: message)
        }
        db = handle
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    }

    deinit { sqlite3_close_v2(db) }

    func execute(_ sql: String) throws(CatalogError) {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastError
            sqlite3_free(error)
            throw CatalogError(path: path, message: message)
        }
    }

    /// Runs `sql` with `parameters` bound in order; returns the rows as arrays of values.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue] = []) throws(CatalogError) -> [[SQLValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw CatalogError(path: path, message: "\(lastError) in: \(sql)")
        }
        defer { sqlite3_finalize(statement) }
        for (i, p) in parameters.enumerated() {
            let index = Int32(i + 1)
            switch p {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let v): sqlite3_bind_int64(statement, index, v)
            case .real(let v): sqlite3_bind_double(statement, index, v)
            case .text(let v): sqlite3_bind_text(statement, index, v, -1, Self.transient)
            }
        }
        var rows: [[SQLValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw CatalogError(path: path, message: lastError) }
            var row: [SQLValue] = []
            for c in 0..<sqlite3_column_count(statement) {
                switch sqlite3_column_type(statement, c) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, c)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(statement, c)))
                case SQLITE_NULL: row.append(.null)
                default: row.append(.text(String(cString: sqlite3_column_text(statement, c))))
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE: it waits for other writers).
    @discardableResult
    func transaction<T>(_ body: () throws(CatalogError) -> T) throws(CatalogError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body`, again after a pause while it fails on a lock SQLite's busy timeout does not
    /// wait for (several processes opening a new database and switching it to WAL at once), until
    /// that timeout has passed. `body` must be safe to repeat.
    func retryingLocks<T>(_ body: () throws(CatalogError) -> T) throws(CatalogError) -> T {
        let deadline = Date().addingTimeInterval(Double(busyTimeoutMilliseconds) / 1000)
        while true {
            do {
                return try body()
            } catch {
                let code = sqlite3_errcode(db) & 0xFF
                guard code == SQLITE_BUSY || code == SQLITE_LOCKED, Date() < deadline else { throw error }
                usleep(20_000)
            }
        }
    }

    var changes: Int { Int(sqlite3_changes(db)) }

    private var lastError: String { db.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection" }
}

/// A value going into or coming out of SQLite.
enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    var text: String? { if case .text(let s) = self { return s }; return nil }
    var integer: Int64? { if case .integer(let v) = self { return v }; return nil }
    var real: Double? {
        switch self {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
}

/// A catalog that cannot be opened or written, with SQLite's own words and the file.
public struct CatalogError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}
