import AgoraEngine
import CMPI
import Foundation

/// The processes of one distributed run, over MPI: this process's rank, how many there are, and
/// the collective operations the engine needs. Started by `mpirun` (or a scheduler's `srun`), a
/// process joins the world; started on its own it is a world of one and MPI is never touched.
public final class MPIWorld: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Whether MPI was initialised (false for a process started without mpirun).
    public let isDistributed: Bool

    /// A failure of MPI itself (a rank died, a message could not be sent).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Seconds spent in the first step of `transfer`, a tiny all-to-all of sizes that no rank can
    /// leave before every rank has entered: time waiting for the slowest rank.
    public private(set) var waitSeconds = 0.0
    /// Seconds spent moving the bytes themselves.
    public private(set) var moveSeconds = 0.0

    nonisolated(unsafe) private static var current: MPIWorld?
    private static let lock = NSLock()

    /// The world of this process: joined once, the first time it is asked for.
    public static var shared: MPIWorld {
        lock.withLock {
            if let w = current { return w }
            let w = MPIWorld()
            current = w
            return w
        }
    }

    /// True when a launcher (Open MPI's mpirun, Slurm's srun with PMI) started this process.
    public static var launchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMI_SIZE"] != nil || env["PMIX_RANK"] != nil
    }

    /// The number of ranks the launcher started, read from its environment without joining MPI
    /// (1 when none did).
    public static var launchedSize: Int {
        let env = ProcessInfo.processInfo.environment
        return Int(env["OMPI_COMM_WORLD_SIZE"] ?? env["PMI_SIZE"] ?? "") ?? 1
    }

    /// This process's rank by the launcher's environment (0 when none).
    public static var launchedRank: Int {
        let env = ProcessInfo.processInfo.environment
        return Int(env["OMPI_COMM_WORLD_RANK"] ?? env["PMI_RANK"] ?? env["PMIX_RANK"] ?? "") ?? 0
    }

    private init() {
        guard Self.launchedByMPI else {
            rank = 0
            size = 1
            isDistributed = false
            return
        }
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        // Errors come back as codes rather than aborting, so a dead peer gives a message.
        MPI_Comm_set_errhandler(agora_comm_world(), agora_errors_return())
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(agora_comm_world(), &r)
        MPI_Comm_size(agora_comm_world(), &s)
        rank = Int(r)
        size = Int(s)
        isDistributed = true
    }

    /// A one-line account of this process (`rank 1 of 3 on host, pid 1234`), for messages.
    public var identity: String {
        "rank \(rank) of \(size) on \(ProcessInfo.processInfo.hostName), pid \(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Ends MPI (call once, at exit).
    public func finish() {
        if isDistributed { MPI_Finalize() }
    }

    /// Stops every rank (after a failure that would leave the others waiting).
    public func abort(_ code: Int32) -> Never {
        if isDistributed { MPI_Abort(agora_comm_world(), code) }
        exit(code)
    }

    func check(_ code: Int32, _ what: String) throws(Failure) {
        guard code != agora_success() else { return }
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw Failure(description: "rank \(rank) of \(size): \(what) failed: \(message)")
    }

    public func barrier() throws(Failure) {
        guard isDistributed else { return }
        try check(MPI_Barrier(agora_comm_world()), "barrier")
    }

    /// The sum over ranks of each value.
    public func sum(_ values: [Int64]) throws(Failure) -> [Int64] {
        guard isDistributed, !values.isEmpty else { return values }
        var out = values
        let code = values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                MPI_Allreduce(src.baseAddress, dst.baseAddress, Int32(values.count), agora_int64(), agora_sum(), agora_comm_world())
            }
        }
        try check(code, "allreduce")
        return out
    }

    /// The largest piece sent in one MPI call: counts are 32-bit.
    public static let chunk = 1 << 30

    /// Sends `outgoing[d]` to rank d and returns what each rank sent here, `incoming[s]` from rank s —
    /// the bytes in order, whatever their size (pieces past `chunkLimit` go in several rounds).
    public func transfer(_ outgoing: [[UInt8]], chunkLimit requested: Int = MPIWorld.chunk) throws(Failure) -> [[UInt8]] {
        precondition(outgoing.count == size, "one buffer per rank")
        guard isDistributed else { return outgoing }
        // A round sends at most chunkLimit bytes to each rank, and its total must fit in 32 bits.
        let chunkLimit = Swift.max(1, Swift.min(requested, (Int(Int32.max) - 1) / size))
        // Every rank learns how much every other sends it.
        var sendSizes = outgoing.map { Int64($0.count) }
        var recvSizes = [Int64](repeating: 0, count: size)
        let waitStart = DispatchTime.now().uptimeNanoseconds
        let code = sendSizes.withUnsafeMutableBufferPointer { s in
            recvSizes.withUnsafeMutableBufferPointer { r in
                MPI_Alltoall(s.baseAddress, 1, agora_int64(), r.baseAddress, 1, agora_int64(), agora_comm_world())
            }
        }
        try check(code, "alltoall of sizes")
        let moveStart = DispatchTime.now().uptimeNanoseconds
        waitSeconds += Double(moveStart - waitStart) / 1e9
        defer { moveSeconds += Double(DispatchTime.now().uptimeNanoseconds - moveStart) / 1e9 }
        var incoming = recvSizes.map { [UInt8](repeating: 0, count: Int($0)) }
        // Rounds of at most chunkLimit bytes per pair, until every pair is done; every rank runs
        // the same number of rounds (the largest pair anywhere decides).
        let mine = Swift.max(sendSizes.max() ?? 0, recvSizes.max() ?? 0)
        let rounds = try largest(Int64((Int(mine) + chunkLimit - 1) / chunkLimit))
        var sendCounts = [Int32](repeating: 0, count: size), recvCounts = [Int32](repeating: 0, count: size)
        var sendDispls = [Int32](repeating: 0, count: size), recvDispls = [Int32](repeating: 0, count: size)
        for round in 0..<Int(rounds) {
            let start: Int = round * chunkLimit
            var sendBuffer: [UInt8] = []
            var total = 0
            for d in 0..<size {
                let n = Swift.max(0, Swift.min(chunkLimit, outgoing[d].count - start))
                sendCounts[d] = Int32(n)
                sendDispls[d] = Int32(total)
                if n > 0 { sendBuffer.append(contentsOf: outgoing[d][start..<(start + n)]) }
                total += n
            }
            var recvTotal = 0
            for s in 0..<size {
                let n = Swift.max(0, Swift.min(chunkLimit, incoming[s].count - start))
                recvCounts[s] = Int32(n)
                recvDispls[s] = Int32(recvTotal)
                recvTotal += n
            }
            precondition(total < Int(Int32.max) && recvTotal < Int(Int32.max), "a round over 2 GiB: lower chunkLimit")
            var recvBuffer = [UInt8](repeating: 0, count: recvTotal)
            let code = sendBuffer.withUnsafeBytes { sb in
                recvBuffer.withUnsafeMutableBytes { rb in
                    MPI_Alltoallv(sb.baseAddress, sendCounts, sendDispls, agora_byte(), rb.baseAddress, recvCounts, recvDispls, agora_byte(),
                                  agora_comm_world())
                }
            }
            try check(code, "alltoallv")
            for s in 0..<size where recvCounts[s] > 0 {
                let from = Int(recvDispls[s]), n = Int(recvCounts[s])
                incoming[s].withUnsafeMutableBytes { dst in
                    recvBuffer.withUnsafeBytes { src in
                        (dst.baseAddress! + start).copyMemory(from: src.baseAddress! + from, byteCount: n)
                    }
                }
            }
        }
        return incoming
    }

    /// The largest value over ranks.
    public func largest(_ v: Int64) throws(Failure) -> Int64 {
        guard isDistributed else { return v }
        var input = v, out: Int64 = 0
        try check(MPI_Allreduce(&input, &out, 1, agora_int64(), agora_max(), agora_comm_world()), "allreduce max")
        return out
    }
}

extension MPIWorld: ProcessGroup {
    /// `transfer`, for the engine: a failure says which process saw it and what failed, and stops
    /// every process (a simulation missing a process cannot go on).
    public func exchange(_ outgoing: [[UInt8]]) -> [[UInt8]] {
        do {
            return try transfer(outgoing)
        } catch {
            fail(error.description)
        }
    }

    /// Writes `message` to standard error and stops every process of the run.
    public func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("agora: \(message); stopping all \(size) processes\n".utf8))
        abort(3)
    }
}
