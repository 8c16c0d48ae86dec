import CZstd
import Foundation

/// zstd compression through libzstd, for the file formats Agora reads and writes.
public enum Zstd {
    /// The four bytes every zstd frame starts with.
    public static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// A zstd failure, with libzstd's own words.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// True when `data` begins with a zstd frame.
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 4 && data.prefix(4).elementsEqual(magic)
    }

    /// Compresses `data` into one frame at `level`.
    public static func compress(_ data: Data, level: Int32 = 3) throws -> Data {
        let bound = ZSTD_compressBound(data.count)
        var out = Data(count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                ZSTD_compress(dst.baseAddress, bound, src.baseAddress, data.count, level)
            }
        }
        try check(written, "compress")
        out.count = written
        return out
    }

    /// Decompresses every frame in `data` (streaming, so frames without a recorded size work too).
    public static func decompress(_ data: Data) throws -> Data {
        guard let stream = ZSTD_createDStream() else { throw Failure(description: "zstd: out of memory") }
        defer { ZSTD_freeDStream(stream) }
        var out = Data()
        let chunk = ZSTD_DStreamOutSize()
        var buffer = [UInt8](repeating: 0, count: chunk)
        var lastResult = 0
        try data.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            repeat {
                let produced: Int = try buffer.withUnsafeMutableBytes { dst in
                    var output = ZSTD_outBuffer(dst: dst.baseAddress, size: chunk, pos: 0)
                    let result = ZSTD_decompressStream(stream, &output, &input)
                    try check(result, "decompress")
                    lastResult = result
                    return output.pos
                }
                out.append(contentsOf: buffer[0..<produced])
                if produced == 0 && input.pos == input.size { break }
            } while input.pos < input.size || lastResult != 0
        }
        if lastResult != 0 { throw Failure(description: "zstd: truncated input (frame incomplete)") }
        return out
    }

    private static func check(_ code: Int, _ what: String) throws {
        if ZSTD_isError(code) != 0 {
            throw Failure(description: "zstd \(what): \(String(cString: ZSTD_getErrorName(code)))")
        }
    }
}

/// A zstd compression context kept across calls: much faster than a fresh one per frame. One
/// thread at a time.
public final class ZstdCompressor: @unchecked Sendable {
    private let context: OpaquePointer
    public let level: Int32

    public init(level: Int32 = 1) {
        guard let c = ZSTD_createCCtx() else { fatalError("zstd: cannot allocate a compression context") }
        context = c
        self.level = level
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Compresses `source` into one frame, replacing the contents of `output` (whose memory is
    /// reused from call to call).
    public func compress(_ source: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        let bound = ZSTD_compressBound(source.count)
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let n = output.withUnsafeMutableBytes { dst in
            ZSTD_compressCCtx(context, dst.baseAddress, bound, source.baseAddress, source.count, level)
        }
        if ZSTD_isError(n) != 0 { throw Zstd.Failure(description: "zstd compress: \(String(cString: ZSTD_getErrorName(n)))") }
        output.removeLast(output.count - n)
    }

    /// Compresses `source` into one frame.
    public func compress(_ source: UnsafeRawBufferPointer) throws -> [UInt8] {
        let bound = ZSTD_compressBound(source.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { dst in
            ZSTD_compressCCtx(context, dst.baseAddress, bound, source.baseAddress, source.count, level)
        }
        if ZSTD_isError(n) != 0 { throw Zstd.Failure(description: "zstd compress: \(String(cString: ZSTD_getErrorName(n)))") }
        out.removeLast(bound - n)
        return out
    }
}

/// A zstd decompression context kept across calls. One thread at a time.
public final class ZstdDecompressor: @unchecked Sendable {
    private let context: OpaquePointer

    public init() {
        guard let c = ZSTD_createDCtx() else { fatalError("zstd: cannot allocate a decompression context") }
        context = c
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Decompresses one frame whose content is exactly `size` bytes into `destination`.
    public func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        let n = ZSTD_decompressDCtx(context, destination.baseAddress, destination.count, source.baseAddress, source.count)
        if ZSTD_isError(n) != 0 { throw Zstd.Failure(description: "zstd decompress: \(String(cString: ZSTD_getErrorName(n)))") }
        if n != destination.count { throw Zstd.Failure(description: "zstd decompress: \(n) bytes, expected \(destination.count)") }
    }
}
