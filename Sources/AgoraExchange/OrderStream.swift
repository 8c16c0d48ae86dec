import AgoraCompression
import AgoraCore
import Foundation

/// The order-event stream format of the shared benchmark workloads: 16-byte little-endian records
/// `u8 kind (0 limit, 1 market, 2 cancel), u8 side (0 buy, 1 sell), u16 zero, u32 order_id,
/// u32 price, u32 qty`. Limit and market orders carry their own id; a cancel names the id it
/// cancels. docs/exchange.md describes it.
public enum OrderStream {
    public static let recordSize = 16

    /// A record that cannot be decoded: which one and why.
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Decodes raw record bytes into book commands.
    public static func decode(_ data: Data, name: String = "stream") throws -> [BookCommand] {
        guard data.count % recordSize == 0 else {
            throw FormatError(description: "\(name): \(data.count) bytes is not a whole number of \(recordSize)-byte records")
        }
        let n = data.count / recordSize
        var commands: [BookCommand] = []
        commands.reserveCapacity(n)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for r in 0..<n {
                let at = r * recordSize
                let kind = raw[at]
                let sideByte = raw[at + 1]
                let id = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)))
                let price = Price(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self)))
                let qty = Quantity(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self)))
                guard let side = Side(rawValue: sideByte) else {
                    throw FormatError(description: "\(name): record \(r) (byte \(at + 1)): side \(sideByte) is neither 0 (buy) nor 1 (sell)")
                }
                switch kind {
                case 0: commands.append(.submit(.limit(id, side, price, qty)))
                case 1: commands.append(.submit(.market(id, side, qty)))
                case 2: commands.append(.cancel(id: id))
                default:
                    throw FormatError(description: "\(name): record \(r) (byte \(at)): kind \(kind) is not 0 (limit), 1 (market) or 2 (cancel)")
                }
            }
        }
        return commands
    }

    /// Encodes commands the format can express (limit, market, cancel); used by tests and tools.
    public static func encode(_ commands: [BookCommand]) -> Data {
        var out = Data(capacity: commands.count * recordSize)
        func put(_ kind: UInt8, _ side: Side, _ id: UInt64, _ price: Price, _ qty: Quantity) {
            var rec = [UInt8](repeating: 0, count: recordSize)
            rec[0] = kind
            rec[1] = side.rawValue
            for (offset, v) in [(4, UInt32(id)), (8, UInt32(price)), (12, UInt32(qty))] {
                withUnsafeBytes(of: v.littleEndian) { for i in 0..<4 { rec[offset + i] = $0[i] } }
            }
            out.append(contentsOf: rec)
        }
        for c in commands {
            switch c {
            case .submit(let o) where o.price == nil: put(1, o.side, o.id, 0, o.quantity)
            case .submit(let o): put(0, o.side, o.id, o.price!, o.quantity)
            case .cancel(let id): put(2, .buy, id, 0, 0)
            case .reduce, .modify: preconditionFailure("the 16-byte stream format has no reduce or modify")
            }
        }
        return out
    }
}

/// The final state of a replay, with the keys of the workloads' expected-final JSON.
public struct ReplaySummary: Sendable, Hashable {
    public var trades = 0
    /// Sums over every fill, in 128 bits: a stream's u32 prices times u32 quantities, summed over
    /// millions of fills, overflow 64.
    public var tradedVolume: Int128 = 0
    public var tradedNotional: Int128 = 0
    public var restingOrders = 0
    public var bestBid: Price?
    public var bestAsk: Price?
    public var bidVolume: Int64 = 0
    public var askVolume: Int64 = 0
    public var bidLevels = 0
    public var askLevels = 0
    public var rejected = 0
    public var stateHash: UInt64 = 0

    public init() {}

    /// Counts what one event adds to the totals.
    @inlinable public mutating func count(_ e: BookEvent) {
        if e.kind == .fill {
            trades += 1
            tradedVolume += Int128(e.quantity)
            tradedNotional += Int128(e.quantity) * Int128(e.price)
        } else if e.kind == .rejected {
            rejected += 1
        }
    }

    /// Reads the book's resting state into the summary.
    public mutating func capture<B: OrderBook>(_ book: B) {
        restingOrders = book.restingOrderCount
        bestBid = book.bestBid
        bestAsk = book.bestAsk
        (bidVolume, bidLevels) = book.totals(.buy)
        (askVolume, askLevels) = book.totals(.sell)
        stateHash = book.stateHash()
    }
}

/// Feeds `commands` into `book` in order and returns the final state. Generic, so the book's
/// methods are called directly.
public func replay<B: OrderBook>(_ commands: [BookCommand], into book: B) -> ReplaySummary {
    var summary = ReplaySummary()
    var events: [BookEvent] = []
    events.reserveCapacity(256)
    for c in commands {
        book.apply(c, events: &events)
        for e in events { summary.count(e) }
        events.removeAll(keepingCapacity: true)
    }
    summary.capture(book)
    return summary
}

/// Reads order-stream files from disk, raw or zstd-compressed (detected by the magic number).
public enum OrderStreamFile {
    public static func load(path: String) throws -> [BookCommand] {
        let raw: Data
        do {
            raw = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw OrderStream.FormatError(description: "\(path): cannot read the file (\(error.localizedDescription))")
        }
        let data: Data
        if Zstd.isCompressed(raw) {
            do { data = try Zstd.decompress(raw) } catch {
                throw OrderStream.FormatError(description: "\(path): \(error)")
            }
        } else {
            data = raw
        }
        return try OrderStream.decode(data, name: path)
    }
}
