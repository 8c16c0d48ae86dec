import AgoraCatalog
import AgoraLog
import Foundation

/// Finds a run from what the user typed: a run directory, a run id in the catalog, or a run id
/// under `runs/`.
public enum RunReference {
    public struct NotFound: Error, CustomStringConvertible {
        public let description: String
    }

    public static func directory(_ reference: String, runsRoot: String = "runs", catalog: Catalog? = nil) throws -> String {
        var isDirectory: ObjCBool = false
        var candidates = [reference, (runsRoot as NSString).appendingPathComponent(reference)]
        if let dir = try? catalog?.run(reference)?.runDirectory { candidates.insert(dir, at: 1) }
        for candidate in candidates {
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue,
               FileManager.default.fileExists(atPath: (candidate as NSString).appendingPathComponent("scenario.yaml")) {
                return candidate
            }
        }
        throw NotFound(description: "\(reference): no such run (give a run directory or a run id under \(runsRoot)/)")
    }

    /// The id of the run `directory` holds: its manifest's `run_id`, or for a run that did not
    /// finish, its event log's; nil when neither names one.
    public static func owner(of directory: String) -> String? {
        if let id = manifest(directory)?["run_id"] as? String { return id }
        let log = (directory as NSString).appendingPathComponent("events.agl")
        guard FileManager.default.fileExists(atPath: log), let reader = try? LogReader(path: log) else { return nil }
        return reader.schema.meta["run_id"]
    }

    /// The manifest of a finished run, if it has one.
    public static func manifest(_ directory: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent("manifest.json")) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}
