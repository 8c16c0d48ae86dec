import AgoraBench
import AgoraCore
import AgoraDistributed
import AgoraExchange
import AgoraLog
import AgoraScenario
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora bench`: the shared benchmark workloads, one JSON line each.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a benchmark workload and print one JSON line of figures.",
            discussion: """
            Workloads (docs/benchmarks.md): boltzmann, sir_ba, lob_cross, lob_passive, eventlog, graph_ba, llm_wait; under mpirun \
            transport; and distributed, which runs itself under mpirun for strong and weak scaling (docs/distributed.md). \
            Setup is outside the timer and every result is checked. Build in release (swift build -c release) before \
            measuring.
            """)

        @Argument(help: "The workload: boltzmann, sir_ba, lob_cross, lob_passive, eventlog, graph_ba, llm_wait, transport or distributed.")
        var workload: String

        @Option(help: "boltzmann: number of agents (default 100,000); distributed: the population of strong scaling (default 1,000,000).")
        var agents: Int?

        @Option(help: "Steps (ticks) to run (default 100; distributed: 200).")
        var steps: Int?

        @Option(help: "eventlog: number of records.")
        var records = 10_000_000

        @Option(help: "eventlog: records per chunk (default: the log writer's).")
        var chunkRecords: Int?

        @Option(help: "eventlog: directory for the temporary log (default: the system's temporary directory).")
        var directory: String?

        @Option(help: "sir_ba: the graph file (u32 pairs, optionally zstd). Default: the shared workload file.")
        var graph: String?

        @Option(help: "lob_*: the order stream (16-byte records, optionally zstd). Default: the shared workload file.")
        var stream: String?

        @Option(help: "sir_ba: generate a Barabási–Albert graph of this many nodes (m = 4) instead of reading a file; graph_ba: nodes (default 1,000,000).")
        var nodes: Int?

        @Option(help: "llm_wait: seconds the loopback server takes to answer each request.")
        var waitSeconds = 5.0

        @Option(help: "llm_wait: questions to ask.")
        var requests = 2

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

        @Option(help: "distributed: the scenario to scale (default scenarios/quickstart.yaml).")
        var scenario = "scenarios/quickstart.yaml"

        @Option(help: "distributed: the process counts to measure, comma-separated.")
        var ranks = "1,2"

        @Option(help: "distributed: the population of the projected run.")
        var modelAgents = 100_000_000

        @Option(help: "distributed: the processes of the projected run.")
        var modelRanks = 64

        @Option(help: "distributed: the projected network's bandwidth per process, in Gbit/s.")
        var linkGbps = 100.0

        @Option(help: "distributed: the projected latency of one collective step, in microseconds.")
        var latencyMicroseconds = 5.0

        @Flag(help: ArgumentHelp("distributed: run one configuration (what the command starts under mpirun).", visibility: .hidden))
        var worker = false

        func validate() throws {
            guard ["boltzmann", "sir_ba", "lob_cross", "lob_passive", "eventlog", "graph_ba", "llm_wait", "transport", "distributed"].contains(workload) else {
                throw ValidationError("unknown workload '\(workload)'; choose boltzmann, sir_ba, lob_cross, lob_passive, eventlog, graph_ba, llm_wait, transport or distributed")
            }
            if workload == "distributed" {
                guard let list = rankList, !list.isEmpty, list.allSatisfy({ $0 >= 1 }) else {
                    throw ValidationError("--ranks must be process counts, comma-separated (1,2)")
                }
                if modelAgents < 1 || modelRanks < 1 || linkGbps <= 0 || latencyMicroseconds < 0 {
                    throw ValidationError("--model-agents, --model-ranks and --link-gbps must be positive")
                }
            }
            if bytes < 1 || chunk < 1 || chunk >= Int(Int32.max) { throw ValidationError("--bytes must be positive and --chunk in 1..<2^31") }
            if records < 1 { throw ValidationError("--records must be at least 1") }
            if let c = chunkRecords, !(1...LogFormat.maxChunkRecords).contains(c) {
                throw ValidationError("--chunk-records must be 1…\(LogFormat.maxChunkRecords)")
            }
            if let a = agents, a < 2 { throw ValidationError("--agents must be at least 2") }
            if let n = steps, n < 1 { throw ValidationError("--steps must be at least 1") }
            if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
            if let s = shards, s < 1 { throw ValidationError("--shards must be at least 1") }
            if let n = nodes, n < 10 { throw ValidationError("--nodes must be at least 10") }
            if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
            if !(waitSeconds > 0 && waitSeconds <= 600) { throw ValidationError("--wait-seconds must be above 0 and at most 600") }
            if requests < 1 || requests > 64 { throw ValidationError("--requests must be 1 to 64") }
        }

        func run() throws {
            let t = threads ?? coreCount()
            func parallelism(for population: Int) -> Workloads.Parallelism {
                .init(threads: t, shards: shards ?? min(64, max(t, (population + 262_143) / 262_144)))
            }
            if workload == "transport" { return try transport() }
            if workload == "distributed" { return try distributed() }
            let agents = self.agents ?? 100_000
            let steps = self.steps ?? 100
            let report: BenchReport
            do {
                switch workload {
                case "llm_wait":
                    do { report = try LLMWaitBench.run(wait: waitSeconds, requests: requests) } catch let e as LLMWaitBench.Failure {
                        printError("error: \(e)")
                        throw Exit.failure
                    }
                case "graph_ba":
                    report = try Workloads.graphBA(nodes: nodes ?? 1_000_000, m: 5, seed: seed, repeat: `repeat`)
                case "eventlog":
                    report = try Workloads.eventLog(records: records, directory: directory ?? NSTemporaryDirectory(), repeat: `repeat`,
                                                    threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                                    chunkRecords: chunkRecords ?? LogWriter.defaultChunkRecords)
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

        var rankList: [Int]? {
            let parts = ranks.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            return parts.contains(nil) ? nil : parts.map { $0! }
        }

        /// Strong and weak scaling of one simulation over processes (docs/distributed.md).
        func distributed() throws {
            let settings = DistributedBench.Settings(
                scenario: scenario, agents: agents ?? 1_000_000, ticks: steps ?? 200, ranks: rankList!, threads: threads ?? 1,
                modelAgents: modelAgents, modelRanks: modelRanks, linkBytesPerSecond: linkGbps * 1e9 / 8,
                collectiveLatency: latencyMicroseconds / 1e6)
            do {
                if worker {
                    defer { MPIWorld.shared.finish() }
                    if let line = try DistributedBench.worker(settings) { print(line.text) }
                } else {
                    try DistributedBench.orchestrate(settings, binary: selfBinary()) { print($0) }
                }
            } catch let e as ScenarioErrors {
                for issue in e.issues { printError("error: \(issue)") }
                throw Exit.badInput
            } catch {
                printError("error: \(error)")
                throw Exit.failure
            }
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
