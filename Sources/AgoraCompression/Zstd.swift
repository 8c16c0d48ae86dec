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
