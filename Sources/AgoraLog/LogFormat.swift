import Foundation

/// Why a log could not be written or read. Damage inside a readable file is not an error but a
/// `LogProblem` the reader reports and skips.
public enum LogError: Error, CustomStringConvertible, Sendable {
    case io(path: String, message: String)
    case notALog(path: String, message: String)
    case malformed(String)
    case misuse(String)

    public var description: String {
        switch self {
        case .io(let path, let message): return "\(path): \(message)"
        case .notALog(let path, let message): return "\(path): not an Agora event log (\(message))"
        case .malformed(let m): return "malformed chunk: \(m)"
        case .misuse(let m): return m
        }
    }
}

/// One event kind: its number in frames, its name and its columns. The first column of every
/// kind is `tick`. Every column is stored as a 64-bit integer; `types` says how to read it:
/// `i64` (the integer), `f64` (the bits of an IEEE double) or `text` (an id in the log's string
/// table). Absent `types` means all `i64`.
public struct EventKindSchema: Sendable, Hashable, Codable {
    public var id: UInt16
    public var name: String
    public var columns: [String]
    public var types: [String]?
    /// Names of coded columns' values: column → code (as a decimal string, JSON objects having
    /// string keys) → name. Absent when no column is coded.
    public var labels: [String: [String: String]]?

    public init(id: UInt16, name: String, columns: [String], types: [String]? = nil, labels: [String: [String: String]]? = nil) {
        precondition(columns.first == "tick", "the first column of an event kind is its tick")
        precondition(columns.count <= 64, "at most 64 columns")
        precondition(types == nil || types!.count == columns.count, "one type per column")
        precondition(types?.allSatisfy { ["i64", "f64", "text"].contains($0) } ?? true, "types are i64, f64 or text")
        self.id = id
        self.name = name
        self.columns = columns
        self.types = types
        self.labels = labels
    }

    public func type(ofColumn c: Int) -> String { types?[c] ?? "i64" }
}

/// What a log holds: its event kinds and free-form metadata (the run id, the scenario name).
/// Written as JSON in the first frame, so a log describes itself.
public struct LogSchema: Sendable, Hashable, Codable {
    public var format = "agora-log"
    public var version = LogFormat.version
    public var kinds: [EventKindSchema]
    public var meta: [String: String]

    public init(kinds: [EventKindSchema], meta: [String: String] = [:]) {
        precondition(Set(kinds.map(\.id)).count == kinds.count, "event kind ids are unique")
        self.kinds = kinds
        self.meta = meta
    }

    public func kind(_ id: UInt16) -> EventKindSchema? { kinds.first { $0.id == id } }
    public func kind(named name: String) -> EventKindSchema? { kinds.first { $0.name == name } }
}

/// The byte layout; docs/log-format.md is the normative description.
public enum LogFormat {
    public static let magic: [UInt8] = Array("AGORALOG".utf8)
    /// The version writers write: 2 added bit-packed columns stored without zstd.
    public static let version: UInt16 = 2
    /// The versions readers read (a version-1 log is a version-2 log without packed columns).
    public static let readableVersions: ClosedRange<UInt16> = 1...2
    public static let fileHeaderSize = 16
    /// Every frame starts with these four bytes, so a reader can find the next frame after damage.
    public static let sync: [UInt8] = [0xA6, 0x0F, 0x7E, 0x5A]
    public static let frameHeaderSize = 44
    /// The most records one chunk may hold (writers cut chunks at `chunkRecords`, 65,536 by default).
    public static let maxChunkRecords = 1 << 20

    /// Why a chunk's header counts cannot be a writer's (nil: they can): more records than a chunk
    /// holds, or a decompressed length longer than `columns` columns of that many 8-byte values
    /// (each with its 6-byte header and up to 16 bytes of first value and base) could take.
    public static func implausible(records: Int, rawLength: Int, columns: Int) -> String? {
        if records > maxChunkRecords { return "\(records) records announced; a chunk holds at most \(maxChunkRecords)" }
        let most = 2 + columns * (6 + 16 + 8 * records)
        if rawLength > most { return "\(rawLength) decoded bytes announced; \(columns) columns of \(records) records take at most \(most)" }
        return nil
    }

    public enum FrameType: UInt8, Sendable {
        case schema = 1
        case chunk = 2
        /// New entries of the string table: i64 id of the first, u32 count, then each string as
        /// u32 byte length and UTF-8 bytes. Always before the first chunk that uses them.
        case strings = 3
    }

    public enum Codec: UInt8, Sendable {
        case none = 0
        case zstd = 1
    }

    static func fileHeader() -> [UInt8] {
        var h = magic
        appendU16(&h, version)
        appendU16(&h, UInt16(fileHeaderSize))
        appendU32(&h, 0)
        return h
    }

    /// A frame header for `payload`: sync, type, codec, kind, stored length, raw length, record
    /// count, payload CRC, first and last tick, header CRC.
    static func frameHeader(type: FrameType, codec: Codec, kind: UInt16, payload: UnsafeRawBufferPointer, rawLength: Int,
                            records: Int, firstTick: Int64, lastTick: Int64) -> [UInt8] {
        var h = sync
        h.append(type.rawValue)
        h.append(codec.rawValue)
        appendU16(&h, kind)
        appendU32(&h, UInt32(payload.count))
        appendU32(&h, UInt32(rawLength))
        appendU32(&h, UInt32(records))
        appendU32(&h, CRC32.checksum(payload))
        appendI64(&h, firstTick)
        appendI64(&h, lastTick)
        appendU32(&h, h.withUnsafeBytes { CRC32.checksum($0) })
        assert(h.count == frameHeaderSize)
        return h
    }
}

/// A parsed frame header.
struct FrameHeader {
    var type: UInt8
    var codec: UInt8
    var kind: UInt16
    var storedLength: Int
    var rawLength: Int
    var records: Int
    var payloadCRC: UInt32
    var firstTick: Int64
    var lastTick: Int64

    /// Parses and checks the header at `at`; nil when the sync marker or the header CRC is wrong.
    static func parse(_ b: UnsafeRawBufferPointer, at: Int) -> FrameHeader? {
        guard at + LogFormat.frameHeaderSize <= b.count else { return nil }
        for k in 0..<4 where b[at + k] != LogFormat.sync[k] { return nil }
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: b[at..<(at + 40)]))
        guard crc == readU32(b, at + 40) else { return nil }
        return FrameHeader(type: b[at + 4], codec: b[at + 5], kind: readU16(b, at + 6), storedLength: Int(readU32(b, at + 8)),
                           rawLength: Int(readU32(b, at + 12)), records: Int(readU32(b, at + 16)), payloadCRC: readU32(b, at + 20),
                           firstTick: readI64(b, at + 24), lastTick: readI64(b, at + 32))
    }
}
