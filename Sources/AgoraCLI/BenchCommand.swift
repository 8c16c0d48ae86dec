import AgoraBench
import AgoraCore
import AgoraDistributed
import AgoraExchange
import AgoraLog
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora bench`: the shared benchmark workloads, one JSON line each.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a benchmark workload and print one JSON line of figures.",
            discussion: """
            Workloads (docs/benchmarks.md): boltzmann, sir_ba, lob_cross, lob_passive, eventlog, graph_ba, and under mpirun \
            transport. Setup is outside \
            the timer and every result is checked. Build in release (swift build -c release) before \
            measuring.
            """)

        @Argument(help: "The workload: boltzmann, sir_ba, lob_cross, lob_passive, eventlog, graph_ba or transport.")
        var workload: String

        @Option(help: "boltzmann: number of agents.")
        var agents = 100_000

        @Option(help: "Steps (ticks) to run.")
        var steps = 100

        @Option(help: "eventlog: number of records.")
        var records = 10_000_000

        @Option(help: "eventlog: directory for the temporary log (default: the system's temporary directory).")
        var directory: String?

        @Option(help: "sir_ba: the graph file (u32 pairs, optionally zstd). Default: the shared workload file.")
        var graph: String?

        @Option(help: "lob_*: the order stream (16-byte records, optionally zstd). Default: the shared workload file.")
        var stream: String?

        @Option(help: "sir_ba: generate a Barabási–Albert graph of this many nodes (m = 4) instead of reading a file; graph_ba: nodes (default 1,000,000).")
        var nodes: Int?

        @Option(help: "Seed.")
        var seed: UInt64 = 42

        @Option(help: "Worker threads (default: one per core).")
        var threads: Int?

        @Option(help: "Shards (default: by agent count, at least one per thread).")
        var shards: Int?

        @Option(help: "transport: bytes each rank sends each rank per repetition (sizes vary below this by pair).")
        var bytes = 8_000_000

        @Option(help: "transport: the largest piece one MPI call carries (bytes).")
        var chunk = 1 << 30

        @Option(help: "Timed repetitions of the whole workload; the fastest is reported (shared machines are noisy).")
        var `repeat` = 3

        func validate() throws {
            guard ["boltzmann", "sir_ba", "lob_cross", "lob_passive", "eventlog", "graph_ba", "transport"].contains(workload) else {
                throw ValidationError("unknown workload '\(workload)'; choose boltzmann, sir_ba, lob_cross, lob_passive, eventlog, graph_ba or transport")
            }
            if bytes < 1 || chunk < 1 || chunk >= Int(Int32.max) { throw ValidationError("--bytes must be positive and --chunk in 1..<2^31") }
            if records < 1 { throw ValidationError("--records must be at least 1") }
            if agents < 2 { throw ValidationError("--agents must be at least 2") }
            if steps < 1 { throw ValidationError("--steps must be at least 1") }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
            if let s = shards, s < 1 { throw ValidationError("--shards must be at least 1") }
            if let n = nodes, n < 10 { throw ValidationError("--nodes must be at least 10") }
            if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
        }

        func run() throws {
            let t = threads ?? coreCount()
            func parallelism(for population: Int) -> Workloads.Parallelism {
                .init(threads: t, shards: shards ?? min(64, max(t, (population + 262_143) / 262_144)))
            }
            if workload == "transport" { return try transport() }
            let report: BenchReport
            do {
                switch workload {
                case "graph_ba":
                    report = try Workloads.graphBA(nodes: nodes ?? 1_000_000, m: 5, seed: seed, repeat: `repeat`)
                case "eventlog":
                    report = try Workloads.eventLog(records: records, directory: directory ?? NSTemporaryDirectory(), repeat: `repeat`)
                case "lob_cross", "lob_passive":
                    let base = Workloads.orderBookStreams[workload]!
                    guard let path = stream ?? Workloads.findWorkloadFile(base + ".bin.zst") else {
                        printError("error: \(workload) needs the stream \(base).bin.zst: pass --stream FILE or set AGORA_WORKLOADS to its folder")
                        throw Exit.badInput
                    }
                    let expected = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(base + ".json")
                    report = try Workloads.orderBook(name: workload, streamPath: path,
                                                     expectedPath: FileManager.default.fileExists(atPath: expected) ? expected : nil,
                                                     repeat: `repeat`)
                case "boltzmann":
                    report = try Workloads.boltzmann(agents: agents, steps: steps, seed: seed, parallelism: parallelism(for: agents), repeat: `repeat`)
                default:
                    if let n = nodes {
                        report = try Workloads.sirBA(graphPath: nil, generatedNodes: n, steps: steps, seed: seed,
                                                     parallelism: parallelism(for: n), repeat: `repeat`)
                    } else {
                        let name = "ba_n100000_m4_seed42.edges.u32.zst"
                        guard let path = graph ?? Workloads.findWorkloadFile(name) else {
                            printError("error: sir_ba needs the graph file \(name): pass --graph FILE or set AGORA_WORKLOADS to its folder")
                            throw Exit.badInput
                        }
                        report = try Workloads.sirBA(graphPath: path, generatedNodes: nil, steps: steps, seed: seed,
                                                     parallelism: parallelism(for: 100_000), repeat: `repeat`)
                    }
                }
            } catch let e as Workloads.Failure {
                printError("error: \(e)")
                throw Exit.failure
            } catch let e as LogError {
                printError("error: \(e)")
                throw Exit.failure
            } catch let e as OrderStream.FormatError {
                printError("error: \(e)")
                throw Exit.badInput
            } catch let e as ExitCode {
                throw e
            } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            print(report.text)
        }

        /// The MPI transport between the ranks of this mpirun: throughput, and every byte checked.
        func transport() throws {
            let world = MPIWorld.shared
            defer { world.finish() }
            let r: TransportCheck.Result
            do { r = try TransportCheck.run(world, bytesPerPair: bytes, chunk: chunk, repeat: `repeat`) } catch {
                printError("error: \(error)")
                throw Exit.failure
            }
            guard world.rank == 0 else { if r.wrongBytes != 0 { throw Exit.failure }; return }
            var j = JSONLine()
            j.set("workload", "transport")
            j.set("ranks", r.ranks)
            j.set("bytes_per_pair", r.bytesPerPair)
            j.set("chunk", r.chunk)
            j.set("wall_s", r.seconds)
            j.set("bytes_sent_per_rank", r.bytesSent)
            j.set("bytes_per_s_per_rank", r.seconds > 0 ? Double(r.bytesSent) / r.seconds : 0)
            j.set("wrong_bytes", Int(r.wrongBytes))
            print(j.text)
            if r.wrongBytes != 0 { throw Exit.failure }
        }
    }
}
