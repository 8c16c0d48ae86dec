import AgoraCore
import AgoraLog
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A run's checkpoint: the state after a tick and where its log and metrics files ended then.
/// Written whole to a temporary file, synced and renamed, so a kill leaves the previous checkpoint
/// or the new one, never half of one.
///
/// Layout: `AGORACKP`, u32 version 2, u32 CRC-32 of the rest, then (all i64) next tick, log
/// length, metrics length, processes, then the scenario hash (i64 length + UTF-8) and the state
/// bytes. (Version 1 has no processes field: one process.)
///
/// A run spread over processes checkpoints in two steps: every process writes its own state to
/// `checkpoint-<tick>-rank<r>.bin` (this layout, `processes` set), and once all have, process 0
/// writes `checkpoint.bin` with no state of its own, naming the tick and the number of processes.
/// That file is the manifest: until it is renamed into place the previous checkpoint, whose
/// per-process files are removed only after it, stays the one a resume reads.
public struct Checkpoint: Sendable {
    public static let fileName = "checkpoint.bin"
    static let magic = Array("AGORACKP".utf8)

    public var nextTick: Int
    public var logLength: Int
    public var metricsLength: Int
    /// How many processes made it (1: the state is here).
    public var processes: Int = 1
    public var scenarioHash: String
    public var state: [UInt8]

    public init(nextTick: Int, logLength: Int, metricsLength: Int, processes: Int = 1, scenarioHash: String, state: [UInt8]) {
        self.nextTick = nextTick
        self.logLength = logLength
        self.metricsLength = metricsLength
        self.processes = processes
        self.scenarioHash = scenarioHash
        self.state = state
    }

    /// The file of process `rank`'s state in a checkpoint taken before tick `nextTick`.
    public static func processFileName(nextTick: Int, rank: Int) -> String { "checkpoint-\(nextTick)-rank\(rank).bin" }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public func write(to directory: String, name: String = Checkpoint.fileName) throws {
        var body = StateWriter()
        body.write(nextTick)
        body.write(logLength)
        body.write(metricsLength)
        body.write(processes)
        body.write(scenarioHash)
        var bytes = Self.magic
        withUnsafeBytes(of: UInt32(2).littleEndian) { bytes += $0 }
        let payload = body.bytes + state
        withUnsafeBytes(of: CRC32.checksum(payload).littleEndian) { bytes += $0 }
        bytes += payload
        let target = (directory as NSString).appendingPathComponent(name)
        let temporary = target + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure(description: "\(temporary): cannot create (\(String(cString: strerror(errno))))") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                throw Failure(description: "\(temporary): write failed (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
        guard fsync(fd) == 0, close(fd) == 0, rename(temporary, target) == 0 else {
            throw Failure(description: "\(target): cannot complete the checkpoint (\(String(cString: strerror(errno))))")
        }
    }

    /// The checkpoint in `directory` (or its file `name`), nil when there is none.
    public static func read(from directory: String, name: String = Checkpoint.fileName) throws -> Checkpoint? {
        let path = (directory as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count >= 16, Array(bytes.prefix(8)) == magic else { throw Failure(description: "\(path): not a checkpoint") }
        let version = UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24
        guard version == 1 || version == 2 else { throw Failure(description: "\(path): checkpoint version \(version) is not one this agora reads") }
        let crc = bytes[12..<16].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }
        let payload = Array(bytes[16...])
        guard CRC32.checksum(payload) == crc else { throw Failure(description: "\(path): checksum mismatch (damaged checkpoint)") }
        var r = StateReader(payload)
        do {
            let next = try r.int(), log = try r.int(), metrics = try r.int()
            let processes = version >= 2 ? try r.int() : 1
            let hash = try r.string()
            return Checkpoint(nextTick: next, logLength: log, metricsLength: metrics, processes: processes, scenarioHash: hash,
                              state: Array(payload[r.offset...]))
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
    }
}

extension Checkpoint {
    /// Checks the header of the checkpoint read from `path` against the run it would resume, before
    /// anything is cut back or extended: a checkpoint comes after a tick and no later than the
    /// last (`1...ticks`), and — where this process writes them (`files`) — its log and metrics
    /// lengths lie within those files as they are on disk, the metrics one at the end of a row.
    /// A file that was damaged or made by hand (with its checksum recomputed) is refused, naming
    /// the field, and the run is left as it was.
    public func check(_ path: String, ticks: Int, directory: String, files: Bool) throws {
        guard (1...max(1, ticks)).contains(nextTick) else {
            throw refusal(path, "nextTick", "is \(nextTick), outside 1…\(ticks) (a checkpoint comes after one of the scenario's \(ticks) ticks)")
        }
        guard (1...(1 << 16)).contains(processes) else { throw refusal(path, "processes", "is \(processes), outside 1…65536") }
        guard files else { return }
        try checkLength(path, "logLength", logLength, of: RunLog.fileName, in: directory)
        try checkLength(path, "metricsLength", metricsLength, of: "metrics.csv", in: directory)
        let metrics = (directory as NSString).appendingPathComponent("metrics.csv")
        guard let h = FileHandle(forReadingAtPath: metrics) else {
            throw refusal(path, "metricsLength", "refers to metrics.csv, which does not open")
        }
        defer { try? h.close() }
        try h.seek(toOffset: UInt64(metricsLength - 1))
        guard h.readData(ofLength: 1) == Data([UInt8(ascii: "\n")]) else {
            throw refusal(path, "metricsLength", "is \(metricsLength), which is not at the end of a row of metrics.csv")
        }
    }

    /// Checks a process's part of a spread run's checkpoint: taken before `nextTick`, with its
    /// segment's length within the segment file `segment`.
    public func checkPart(_ path: String, nextTick expected: Int, segment: String, directory: String) throws {
        guard nextTick == expected else {
            throw refusal(path, "nextTick", "is \(nextTick), where checkpoint.bin says \(expected)")
        }
        try checkLength(path, "logLength", logLength, of: segment, in: directory)
    }

    private func checkLength(_ path: String, _ field: String, _ length: Int, of name: String, in directory: String) throws {
        let file = (directory as NSString).appendingPathComponent(name)
        guard let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber else {
            throw refusal(path, field, "refers to \(name), which is missing")
        }
        guard length > 0 && length <= size.intValue else {
            throw refusal(path, field, "is \(length), outside 1…\(size.intValue) (the size of \(name))")
        }
    }

    private func refusal(_ path: String, _ field: String, _ why: String) -> Failure {
        Failure(description: "\(path): \(field) \(why); the checkpoint does not fit this run, which is left as it was")
    }
}

/// metrics.csv written as the run goes: each tick's row reaches the file as the tick ends, so a run
/// that fails (a full disk, a kill) leaves every row it got to; synced at checkpoints and at the end.
final class MetricsFile {
    let path: String
    private let handle: FileHandle
    private var pending = ""
    private(set) var length: Int

    /// Creates the file with its header, or — with `continuingAt` — cuts an existing one back.
    init(path: String, header: String, continuingAt: Int?) throws {
        self.path = path
        if let length = continuingAt {
            guard let h = FileHandle(forUpdatingAtPath: path) else { throw RunDirectory.Failure(description: "cannot reopen \(path)") }
            try h.truncate(atOffset: UInt64(length))
            try h.seekToEnd()
            handle = h
            self.length = length
        } else {
            guard FileManager.default.createFile(atPath: path, contents: Data(header.utf8)),
                  let h = FileHandle(forWritingAtPath: path) else { throw RunDirectory.Failure(description: "cannot create \(path)") }
            try h.seekToEnd()
            handle = h
            length = header.utf8.count
        }
    }

    /// Adds a row and writes it; a row that cannot be written now stays pending, and the next
    /// flush (a checkpoint's, the end's) reports the failure.
    func append(_ line: String) {
        pending += line
        try? flush()
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        try handle.write(contentsOf: Data(pending.utf8))
        length += pending.utf8.count
        pending = ""
    }

    func close() throws {
        try flush()
        try handle.synchronize()
        try handle.close()
    }
}
