import AgoraCatalog
import AgoraRuntime
import ArgumentParser
import Foundation

/// `--catalog FILE`, shared by every command that records or looks up runs.
struct CatalogOptions: ParsableArguments {
    @Option(help: "The run catalog, an SQLite file (default: $AGORA_CATALOG, else runs/catalog.sqlite).")
    var catalog: String?

    var path: String { catalog ?? ProcessInfo.processInfo.environment["AGORA_CATALOG"] ?? Catalog.defaultPath }

    /// The run directory `reference` names (a directory, or a run id in the catalog or under
    /// runs/), or prints why there is none and exits with code 2.
    func runDirectory(_ reference: String) throws -> String {
        do { return try RunReference.directory(reference, catalog: try? Catalog(path: path, create: false)) } catch {
            printError("error: \(error)")
            throw Exit.badInput
        }
    }

    /// Opens the catalog (creating it when `create`: commands that record runs), or prints why
    /// not and exits with code 1.
    func open(create: Bool = true) throws -> Catalog {
        do { return try Catalog(path: path, create: create) } catch {
            printError("error: catalog \(error)")
            throw Exit.failure
        }
    }
}
