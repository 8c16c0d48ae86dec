import AgoraCatalog
import AgoraRuntime
import AgoraCore
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora runs`: the run catalog.
    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, show and remove runs recorded in the catalog.",
            subcommands: [List.self, Show.self, Remove.self])
    }
}

extension AgoraCommand.Runs {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
        @OptionGroup var catalogOptions: CatalogOptions
        @Option(help: "At most this many.") var limit = 50
        @Flag(help: "One JSON object per line.") var json = false
        @Option(help: ArgumentHelp("Only the runs of this sweep (its id or name).", valueName: "sweep")) var sweep: String?

        func run() throws {
            let catalog = try catalogOptions.open(create: false)
            let runs: [Catalog.Run]
            do {
                if let sweep {
                    guard let found = try catalog.sweep(sweep) else {
                        printError("error: no sweep '\(sweep)' in \(catalog.path)")
                        throw Exit.badInput
                    }
                    runs = try catalog.runs(ofSweep: found.id, limit: limit)
                } else {
                    runs = try catalog.runs(limit: limit)
                }
            } catch let error as CatalogError {
                printError("error: catalog \(error)")
                throw Exit.failure
            }
            if json {
                for r in runs { print(RunJSON.object(r).text) }
                return
            }
            if runs.isEmpty { print("no runs in \(catalog.path)"); return }
            let header = ["RUN", "STATUS", "MODEL", "SEED", "TICKS", "WALL_S", "DIGEST"]
            var rows = [header]
            for r in runs {
                rows.append([r.id, r.status, r.model, r.seed, String(r.ticks), r.wallSeconds.map { String(format: "%.2f", $0) } ?? "-",
                             r.digest.map { String($0.prefix(12)) } ?? "-"])
            }
            let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
            for row in rows {
                print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run: its parameters, digest and metrics.")
        @OptionGroup var catalogOptions: CatalogOptions
        @Argument(help: ArgumentHelp("A run id or run directory.", valueName: "run")) var reference: String
        @Flag(help: "One JSON object.") var json = false

        func run() throws {
            let catalog = try catalogOptions.open(create: false)
            guard let r = try? catalog.run(reference) else {
                printError("error: \(reference): no such run in \(catalog.path)")
                throw Exit.badInput
            }
            let metrics = (try? catalog.metrics(of: r.id)) ?? []
            var j = RunJSON.object(r)
            var m = JSONLine()
            for (name, value) in metrics { m.set(name, value.map { .number($0) } ?? .null) }
            j.set("metrics", m)
            j.set("scenario_yaml", r.scenarioYAML)
            if json { print(j.text); return }
            for (key, value) in j.fields where key != "scenario_yaml" && key != "metrics" {
                print("\(key.padding(toLength: 14, withPad: " ", startingAt: 0)) \(JSONLine.render(value))")
            }
            for (name, value) in metrics { print("metric         \(name) = \(value.map(formatNumber) ?? "null")") }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a run from the catalog, and its directory.")
        @OptionGroup var catalogOptions: CatalogOptions
        @Argument(help: ArgumentHelp("A run id or run directory.", valueName: "run")) var reference: String
        @Flag(help: "Keep the run directory on disk.") var keepFiles = false

        func run() throws {
            let catalog = try catalogOptions.open(create: false)
            guard let r = try? catalog.run(reference) else {
                printError("error: \(reference): no such run in \(catalog.path)")
                throw Exit.badInput
            }
            // The directory is deleted only when it is this run's: its manifest (or, for a run that
            // never finished, its log) names the run's id.
            let owner = keepFiles ? nil : RunReference.owner(of: r.runDirectory)
            let deleting = !keepFiles && owner == r.id
            if deleting {
                do { try FileManager.default.removeItem(atPath: r.runDirectory) } catch {
                    printError("error: cannot delete \(r.runDirectory): \(error.localizedDescription); the run stays in the catalog")
                    throw Exit.failure
                }
            }
            do { try catalog.remove(id: r.id) } catch {
                printError("error: catalog \(error)")
                throw Exit.failure
            }
            if !keepFiles && !deleting {
                let why = owner.map { "it holds run \($0)" }
                    ?? (FileManager.default.fileExists(atPath: r.runDirectory) ? "neither its manifest nor its log names the run" : "it is gone")
                printError("note: kept \(r.runDirectory): \(why)")
            }
            print("removed \(r.id)\(deleting ? " and \(r.runDirectory)" : "")")
        }
    }
}

enum RunJSON {
    static func object(_ r: Catalog.Run) -> JSONLine {
        var j = JSONLine()
        j.set("run_id", r.id)
        j.set("run_dir", r.runDirectory)
        j.set("status", r.status)
        j.set("scenario", r.scenarioName)
        j.set("scenario_hash", r.scenarioHash)
        j.set("model", r.model)
        j.set("seed", r.seed)
        j.set("overrides", .list(r.overrides.map { .text($0) }))
        j.set("agora_version", r.agoraVersion)
        j.set("started_at", r.startedAt)
        j.set("finished_at", r.finishedAt.map { .text($0) } ?? .null)
        j.set("digest", r.digest.map { .text($0) } ?? .null)
        j.set("ticks", r.ticks)
        j.set("agents", r.agents.map { .int($0) } ?? .null)
        j.set("wall_s", r.wallSeconds.map { .number($0) } ?? .null)
        if let e = r.error { j.set("error", e) }
        return j
    }
}
