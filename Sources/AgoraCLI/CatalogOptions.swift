import AgoraCatalog
import ArgumentParser
import Foundation

/// `--catalog FILE`, shared by every command that records or looks up runs.
struct CatalogOptions: ParsableArguments {
    @Option(help: "The run catalog, an SQLite file (default: $AGORA_CATALOG, else runs/catalog.sqlite).")
    var catalog: String?

    var path: String { catalog ?? ProcessInfo.processInfo.environment["AGORA_CATALOG"] ?? Catalog.defaultPath }

    /// Opens the catalog, or prints why not and exits with code 1.
    func open() throws -> Catalog {
        do { return try Catalog(path: path) } catch {
            printError("error: catalog \(error)")
            throw Exit.failure
        }
    }
}
