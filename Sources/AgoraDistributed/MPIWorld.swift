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

    /// Seconds a process waits for the others at an exchange before it gives up on them and stops
    /// the run, naming those it has not heard from (`AGORA_MPI_TIMEOUT`, default 600): a process
    /// that is alive but stuck, or cut off, must not hang the rest for ever.
    public let patience: Double = Double(ProcessInfo.processInfo.environment["AGORA_MPI_TIMEOUT"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 600

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

    /// Ends MPI (at exit; later calls do nothing).
    public func finish() {
        let first = Self.lock.withLock { () -> Bool in
            defer { finished = true }
            return !finished
        }
        if isDistributed && first { MPI_Finalize() }
    }
    /// Whether `finish` was called. Guarded by `MPIWorld.lock`.
    nonisolated(unsafe) private var finished = false

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
    /// the bytes in order, whatever their size. Every rank first tells every other how much it will
    /// send, then the bytes go point to point in pieces of at most `chunkLimit` (MPI counts are
    /// 32-bit), all at once. Both steps are polled against `patience`: a rank that never answers —
    /// stopped, or cut off — is named, rather than waited for for ever.
    public func transfer(_ outgoing: [[UInt8]], chunkLimit requested: Int = MPIWorld.chunk) throws(Failure) -> [[UInt8]] {
        precondition(outgoing.count == size, "one buffer per rank")
        guard isDistributed else { return outgoing }
        let chunkLimit = Swift.max(1, Swift.min(requested, Int(Int32.max) - 1))
        var sendSizes = outgoing.map { Int64($0.count) }
        let waitStart = DispatchTime.now().uptimeNanoseconds
        let recvSizes = try exchangeSizes(&sendSizes)
        let moveStart = DispatchTime.now().uptimeNanoseconds
        waitSeconds += Double(moveStart - waitStart) / 1e9
        defer { moveSeconds += Double(DispatchTime.now().uptimeNanoseconds - moveStart) / 1e9 }
        // One buffer for everything received, one for everything sent (the caller's arrays are not
        // pinned for the life of the requests).
        var recvOffsets = [Int](repeating: 0, count: size + 1), sendOffsets = [Int](repeating: 0, count: size + 1)
        for p in 0..<size {
            recvOffsets[p + 1] = recvOffsets[p] + (p == rank ? 0 : Int(recvSizes[p]))
            sendOffsets[p + 1] = sendOffsets[p] + (p == rank ? 0 : outgoing[p].count)
        }
        let recvBuffer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, recvOffsets[size]), alignment: 16)
        let sendBuffer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, sendOffsets[size]), alignment: 16)
        defer { recvBuffer.deallocate(); sendBuffer.deallocate() }
        for p in 0..<size where p != rank && !outgoing[p].isEmpty {
            outgoing[p].withUnsafeBytes { (sendBuffer + sendOffsets[p]).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        var requests: [MPI_Request?] = []
        var sources: [Int] = []  // per receive request, its rank
        let tag: Int32 = 0x4148
        for p in 0..<size where p != rank {
            var at = 0
            while at < Int(recvSizes[p]) {
                let n = Swift.min(chunkLimit, Int(recvSizes[p]) - at)
                var request = agora_request_null()
                try check(MPI_Irecv(recvBuffer + recvOffsets[p] + at, Int32(n), agora_byte(), Int32(p), tag, agora_comm_world(), &request),
                          "receive")
                requests.append(request)
                sources.append(p)
                at += n
            }
        }
        let receives = requests.count
        for p in 0..<size where p != rank {
            var at = 0
            while at < outgoing[p].count {
                let n = Swift.min(chunkLimit, outgoing[p].count - at)
                var request = agora_request_null()
                try check(MPI_Isend(sendBuffer + sendOffsets[p] + at, Int32(n), agora_byte(), Int32(p), tag, agora_comm_world(), &request),
                          "send")
                requests.append(request)
                at += n
            }
        }
        try waitFor(&requests) { pending in
            Set((0..<receives).filter { pending[$0] }.map { sources[$0] }).sorted()
        }
        var incoming: [[UInt8]] = []
        for p in 0..<size {
            if p == rank {
                incoming.append(outgoing[p])
            } else {
                incoming.append(Array(UnsafeRawBufferPointer(start: recvBuffer + recvOffsets[p], count: Int(recvSizes[p]))))
            }
        }
        return incoming
    }

    /// Every rank tells every other how many bytes it will send it.
    private func exchangeSizes(_ send: inout [Int64]) throws(Failure) -> [Int64] {
        var recv = [Int64](repeating: 0, count: size)
        recv[rank] = send[rank]
        let tag: Int32 = 0x4147
        let sendBuffer = UnsafeMutablePointer<Int64>.allocate(capacity: size), recvBuffer = UnsafeMutablePointer<Int64>.allocate(capacity: size)
        defer { sendBuffer.deallocate(); recvBuffer.deallocate() }
        sendBuffer.initialize(from: send, count: size)
        recvBuffer.initialize(repeating: 0, count: size)
        var requests: [MPI_Request?] = []
        var sources: [Int] = []
        for p in 0..<size where p != rank {
            var request = agora_request_null()
            try check(MPI_Irecv(recvBuffer + p, 1, agora_int64(), Int32(p), tag, agora_comm_world(), &request), "receive")
            requests.append(request)
            sources.append(p)
        }
        for p in 0..<size where p != rank {
            var request = agora_request_null()
            try check(MPI_Isend(sendBuffer + p, 1, agora_int64(), Int32(p), tag, agora_comm_world(), &request), "send")
            requests.append(request)
        }
        try waitFor(&requests) { pending in (0..<sources.count).filter { pending[$0] }.map { sources[$0] } }
        for p in 0..<size where p != rank { recv[p] = recvBuffer[p] }
        return recv
    }

    /// Polls `requests` until all are done, or — after `patience` seconds — fails naming the ranks
    /// `silent` picks out of the pending ones (by index).
    private func waitFor(_ requests: inout [MPI_Request?], silent: ([Bool]) -> [Int]) throws(Failure) {
        guard !requests.isEmpty else { return }
        var deadline = DispatchTime.now().uptimeNanoseconds + UInt64(patience * 1e9)
        var polls = 0, pollsAtLastCheck = 0
        while true {
            var done: Int32 = 0
            try check(MPI_Testall(Int32(requests.count), &requests, &done, agora_statuses_ignore()), "wait")
            if done != 0 { return }
            let now = DispatchTime.now().uptimeNanoseconds
            if now > deadline && polls - pollsAtLastCheck < 100 {
                // This process polled only a handful of times in the whole wait: it was the one
                // frozen (stopped, swapped out), not its peers. Give them the time again.
                deadline = now + UInt64(patience * 1e9)
                pollsAtLastCheck = polls
            } else if now > deadline {
                // A completed request becomes the null request.
                let pending = requests.map { $0 != agora_request_null() }
                let ranks = silent(pending)
                throw Failure(description: "rank \(rank) of \(size): no word from rank\(ranks.count == 1 ? "" : "s") "
                              + ranks.map(String.init).joined(separator: ", ") + " for \(Int(patience)) s "
                              + "(stopped, or cut off; AGORA_MPI_TIMEOUT sets how long to wait)")
            }
            // Spin briefly (exchanges are frequent and short), then let the core go.
            polls += 1
            if polls > 2_000 { usleep(100) } else { sched_yield() }
        }
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
