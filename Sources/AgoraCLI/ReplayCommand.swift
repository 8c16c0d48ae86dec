import AgoraCatalog
import AgoraCore
import AgoraLog
import AgoraRuntime
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora replay`: re-execute a run and compare, or print its events.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-execute a run and check it against its log, or print its logged events.",
            discussion: """
            --verify re-runs the run's own scenario.yaml and compares each tick's events, kind by \
            kind, with the digest rows of its event log; on the first difference it names the tick \
            and the event kind and exits 1. --events prints logged events as JSON lines. --book \
            rebuilds an instrument's order book at the end of a tick from the logged reports and \
            prints its depth.
            """)

        @Argument(help: ArgumentHelp("A run directory or a run id.", valueName: "run"))
        var reference: String

        @OptionGroup var catalogOptions: CatalogOptions

        @Flag(help: "Re-execute and compare with the log.")
        var verify = false

        @Flag(help: "Print logged events as JSON lines.")
        var events = false

        @Option(help: ArgumentHelp("Rebuild this instrument's book from the log (with --at).", valueName: "symbol"))
        var book: String?

        @Option(help: "With --book: the tick whose end the book is shown at.")
        var at: Int?

        @Option(help: "With --book: levels per side.")
        var depth = 10

        @Flag(help: "With --book: one JSON object.")
        var json = false

        @Option(help: "With --events: only this event kind (by name).")
        var kind: String?

        @Option(help: "With --events: from this tick on.")
        var from: Int?

        @Option(help: "With --events: up to this tick.")
        var to: Int?

        @Option(help: "Worker threads for --verify (default: one per core).")
        var threads: Int?

        func validate() throws {
            if [verify, events, book != nil].filter({ $0 }).count != 1 {
                throw ValidationError("give exactly one of --verify, --events and --book")
            }
            if book != nil && at == nil { throw ValidationError("--book needs --at TICK") }
            guard (1...10_000).contains(depth) else { throw ValidationError("--depth must lie in 1...10000 (levels per side)") }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let directory = try catalogOptions.runDirectory(reference)
            if verify { try runVerify(directory) } else if let book { try printBook(directory, book) } else { try printEvents(directory) }
        }

        private func runVerify(_ directory: String) throws {
            let verdict: AgoraRuntime.Replay.Verdict
            do {
                verdict = try AgoraRuntime.Replay.verify(directory: directory, threads: threads ?? coreCount())
            } catch {
                printError("error: \(error)")
                throw Exit.failure
            }
            switch verdict {
            case .matches(let ticks, let digest):
                let manifest = RunReference.manifest(directory)?["digest"] as? String
                if let manifest, manifest != digest {
                    print("replay: all \(ticks) ticks match the log, but the digest \(digest) differs from the manifest's \(manifest)")
                    throw Exit.failure
                }
                print("replay: \(ticks) ticks match the log; digest \(digest)")
            case .differs(let tick, let kind, let logged, let replayed):
                print("replay: tick \(tick), event kind \(kind) differs: the log has \(logged.count) events, the replay \(replayed.count)\(logged.count == replayed.count ? " (with different contents)" : "")")
                throw Exit.failure
            case .logEnds(let tick):
                print("replay: the log ends before tick \(tick) (the run was cut short); everything before it matches")
                throw Exit.failure
            }
        }

        private func printBook(_ directory: String, _ symbol: String) throws {
            let b: BookRebuild.Book
            do { b = try BookRebuild.rebuild(directory: directory, instrument: symbol, atTick: at ?? 0) } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            let bids = b.bids.prefix(depth), asks = b.asks.prefix(depth)
            if json {
                var j = JSONLine()
                j.set("instrument", b.instrument)
                j.set("tick", b.tick)
                j.set("bids", .list(bids.map { .list([.int(Int($0.price)), .int(Int($0.quantity)), .int($0.orders)]) }))
                j.set("asks", .list(asks.map { .list([.int(Int($0.price)), .int(Int($0.quantity)), .int($0.orders)]) }))
                print(j.text)
                return
            }
            print("\(b.instrument) at the end of tick \(b.tick)")
            print("      BID QTY   BID      ASK   ASK QTY")
            for k in 0..<max(bids.count, asks.count) {
                let l = k < bids.count ? String(format: "%9lld %9lld", bids[bids.startIndex + k].quantity, bids[bids.startIndex + k].price) : String(repeating: " ", count: 19)
                let r = k < asks.count ? String(format: "%9lld %9lld", asks[asks.startIndex + k].price, asks[asks.startIndex + k].quantity) : ""
                print("\(l)   \(r)")
            }
        }

        private func printEvents(_ directory: String) throws {
            let reader: LogReader
            do { reader = try LogReader(path: (directory as NSString).appendingPathComponent(RunLog.fileName)) } catch {
                printError("error: \(error)")
                throw Exit.failure
            }
            var kinds: Set<UInt16>?
            if let kind {
                guard let k = reader.schema.kind(named: kind) else {
                    printError("error: no event kind '\(kind)' in this log; kinds: \(reader.schema.kinds.map(\.name).joined(separator: ", "))")
                    throw Exit.badInput
                }
                kinds = [k.id]
            }
            var out = ""
            let problems = reader.forEachChunk(kinds: kinds) { chunk in
                if let from, chunk.lastTick < from { return }
                if let to, chunk.firstTick > to { return }
                guard let schema = reader.schema.kind(chunk.kind) else { return }
                for i in 0..<chunk.count {
                    let tick = chunk.columns[0][i]
                    if let from, tick < from { continue }
                    if let to, tick > to { continue }
                    var j = JSONLine()
                    j.set("event", schema.name)
                    for (c, name) in schema.columns.enumerated() {
                        let v = chunk.columns[c][i]
                        switch schema.type(ofColumn: c) {
                        case "f64": j.set(name, .number(Double(bitPattern: UInt64(bitPattern: v))))
                        case "text": j.set(name, reader.string(v).map { .text($0) } ?? .null)
                        default: j.set(name, .int(Int(v)))
                        }
                    }
                    out += j.text + "\n"
                    if out.utf8.count > 1 << 16 { print(out, terminator: ""); out = "" }
                }
            }
            print(out, terminator: "")
            for p in problems { printError("damaged: \(p)") }
            if !problems.isEmpty { throw Exit.failure }
        }
    }
}
