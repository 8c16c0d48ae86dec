import AgoraBench
import AgoraCore
import AgoraExchange
import AgoraRuntime
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora exchange`: tools for checking the order books on their own.
    struct Exchange: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the exchange's order books outside a simulation.",
            subcommands: [Replay.self])
    }
}

extension AgoraCommand.Exchange {
    /// `agora exchange replay`: one order stream into one book, final state out.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Feed an order-event stream into one book and print its final state.",
            discussion: """
            The stream is the shared workloads' format: 16-byte little-endian records (u8 kind 0 limit, \
            1 market, 2 cancel; u8 side 0 buy, 1 sell; u16 zero; u32 order id; u32 price; u32 qty), \
            raw or zstd-compressed. The final state uses the keys of the workloads' expected-final JSON.
            """)

        @Argument(help: "The order stream file.", completion: .file())
        var file: String

        @Flag(help: "Print the final state as one JSON object.")
        var json = false

        @Option(help: "Write every trade to this CSV file (seq,taker_id,maker_id,taker_side,price,qty).")
        var trades: String?

        @Option(help: "Which implementation: ladder (fast) or reference (readable, slow on deep books).")
        var book = "ladder"

        @Option(help: "Compare with this expected-final JSON; exit 1 on any difference.")
        var expect: String?

        func validate() throws {
            guard ["ladder", "reference"].contains(book) else { throw ValidationError("--book must be ladder or reference") }
        }

        func run() throws {
            let commands: [BookCommand]
            do { commands = try OrderStreamFile.load(path: file) } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            var tradeFile: TradeCSV?
            if let trades {
                do { tradeFile = try TradeCSV(path: trades) } catch {
                    printError("error: \(error)")
                    throw Exit.failure
                }
            }
            let summary = book == "ladder" ? feed(commands, into: LadderBook(), trades: &tradeFile)
                                           : feed(commands, into: ReferenceBook(), trades: &tradeFile)
            do { try tradeFile?.close() } catch {
                printError("error: \(error)")
                throw Exit.failure
            }
            var state = Workloads.finalState(summary)
            state.set("state_hash", hex64(summary.stateHash))
            state.set("rejected", summary.rejected)
            if json {
                print(state.text)
            } else {
                for (key, value) in state.fields { print("\(key.padding(toLength: 16, withPad: " ", startingAt: 0)) \(JSONLine.render(value))") }
            }
            if let expect {
                let mismatches: [String]
                do { mismatches = try Workloads.compare(summary, expectedPath: expect) } catch {
                    printError("error: \(error)")
                    throw Exit.badInput
                }
                for m in mismatches { printError("mismatch: \(m)") }
                if !mismatches.isEmpty { throw Exit.failure }
            }
        }

        func feed<B: OrderBook>(_ commands: [BookCommand], into book: B, trades: inout TradeCSV?) -> ReplaySummary {
            var summary = ReplaySummary()
            var events: [BookEvent] = []
            for c in commands {
                book.apply(c, events: &events)
                for e in events {
                    summary.count(e)
                    if e.kind == .fill { trades?.append(e, sequence: summary.trades) }
                }
                events.removeAll(keepingCapacity: true)
            }
            summary.capture(book)
            return summary
        }
    }
}

/// Trades as CSV, buffered.
struct TradeCSV {
    let handle: FileHandle
    let path: String
    var buffer = "seq,taker_id,maker_id,taker_side,price,qty\n"

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw RunDirectory.Failure(description: "cannot create \(path)")
        }
        handle = h
        self.path = path
    }

    mutating func append(_ e: BookEvent, sequence: Int) {
        buffer += "\(sequence),\(e.orderID),\(e.counterID),\(e.side == .buy ? "buy" : "sell"),\(e.price),\(e.quantity)\n"
        if buffer.utf8.count > 1 << 20 { flush() }
    }

    mutating func flush() {
        handle.write(Data(buffer.utf8))
        buffer = ""
    }

    mutating func close() throws {
        flush()
        try handle.close()
    }
}
