import AgoraCore
#if canImport(Glibc)
import Glibc
#endif
import AgoraScenario
import Foundation

/// A run's output directory: the scenario as run, per-tick metrics and the manifest.
///
/// The scenario is written first, so a run that dies still says what it was; the manifest is
/// written last, through a temporary file and a rename, so a manifest is never half written.
public struct RunDirectory: Sendable {
    public let path: String
    public let runID: String
    public let scenario: Scenario

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// `<name>-<UTC date>-<time>-<4 hex digits>`.
    public static func makeRunID(name: String, now: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "\(safe)-\(f.string(from: now))-\(String(repeating: "0", count: 4 - suffix.count))\(suffix)"
    }

    /// An existing, unfinished run directory (to resume).
    public static func reopen(path: String, runID: String, scenario: Scenario) throws -> RunDirectory {
        if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("manifest.json")) {
            throw Failure(description: "\(path) is a finished run; there is nothing to resume")
        }
        return RunDirectory(path: path, runID: runID, scenario: scenario)
    }

    public static func create(path: String, runID: String, scenario: Scenario) throws -> RunDirectory {
        let fm = FileManager.default
        if fm.fileExists(atPath: (path as NSString).appendingPathComponent("manifest.json")) {
            throw Failure(description: "\(path) already holds a run (manifest.json); choose another --out")
        }
        do {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create the run directory \(path): \(error.localizedDescription)")
        }
        let dir = RunDirectory(path: path, runID: runID, scenario: scenario)
        try dir.write("scenario.yaml", scenario.resolvedYAML)
        return dir
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func write(_ name: String, _ text: String) throws {
        let target = (path as NSString).appendingPathComponent(name)
        let temporary = target + ".tmp"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw Failure(description: "cannot write \(temporary): \(error.localizedDescription)")
        }
        // rename(2) replaces the target atomically: readers see the old file or the new, never none.
        guard rename(temporary, target) == 0 else {
            throw Failure(description: "cannot move \(temporary) to \(target): \(String(cString: strerror(errno)))")
        }
    }

    public func finish(report: JSONLine, started: Date, overrides: [String]) throws {
        var manifest = report
        manifest.set("agora_version", AgoraVersion.string)
        manifest.set("scenario_file", scenario.sourcePath)
        manifest.set("overrides", .list(overrides.map { .text($0) }))
        let iso = ISO8601DateFormatter()
        manifest.set("started_at", iso.string(from: started))
        manifest.set("finished_at", iso.string(from: Date()))
        try write("manifest.json", manifest.text + "\n")
    }
}
