import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on a loopback address (127.0.0.1 unless told otherwise) for tests: one
/// thread per connection, one request per connection (`Connection: close`). The handler decides
/// what each request gets — a response after a delay, one trickled byte by byte, one without a
/// length, or a dropped connection.
public final class LoopbackServer: @unchecked Sendable {
    /// A request as received.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: Data
    }

    /// What the server does with a request.
    public enum Reply: Sendable {
        case respond(status: Int, headers: [String: String] = [:], body: Data, delay: Double = 0)
        /// The head at once, then the body one byte every `interval` seconds (a slow-loris server).
        case trickle(status: Int, body: Data, interval: Double)
        /// A body with no Content-Length, ended by closing the connection.
        case unsized(status: Int, body: Data)
        /// Close the connection without answering.
        case drop
    }

    public let port: Int
    /// The loopback address listened on.
    public let host: String
    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let lock = NSLock()
    private var stopped = false
    private var received: [Request] = []

    /// Starts listening on a free port of `host` (any 127.x.y.z address works on Linux).
    public init(host: String = "127.0.0.1", handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        self.host = host
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ServerError(message: "socket() failed") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw ServerError(message: "bind/listen failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public struct ServerError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The base URL of an OpenAI-style API served here.
    public var baseURL: URL { URL(string: "http://\(host):\(port)/v1")! }

    /// Every request received so far.
    public var requests: [Request] { lock.withLock { received } }

    public func stop() {
        let wasStopped = lock.withLock { () -> Bool in
            defer { stopped = true }
            return stopped
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let request = read(fd) else { return }
        lock.withLock { received.append(request) }
        switch handler(request) {
        case .drop:
            return
        case .respond(let status, let headers, let body, let delay):
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            var all = headers
            all["Content-Length"] = String(body.count)
            _ = write(fd, head(status, all) + body)
        case .trickle(let status, let body, let interval):
            guard write(fd, head(status, ["Content-Length": String(body.count)])) else { return }
            for byte in body {
                Thread.sleep(forTimeInterval: interval)
                if lock.withLock({ stopped }) || !write(fd, [byte]) { return }
            }
        case .unsized(let status, let body):
            _ = write(fd, head(status, [:]) + body)
        }
    }

    private func head(_ status: Int, _ headers: [String: String]) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        var all = headers
        all["Connection"] = "close"
        if all["Content-Type"] == nil { all["Content-Type"] = "application/json" }
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// Sends all of `bytes`; false once the peer has gone.
    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads one request: the head up to a blank line, then Content-Length bytes of body.
    private func read(_ fd: Int32) -> Request? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var headEnd: Int?
        var contentLength = 0
        var head: [String] = []
        while true {
            if let end = headEnd, buffer.count >= end + contentLength { break }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
            if headEnd == nil, let range = Self.find([13, 10, 13, 10], in: buffer) {
                headEnd = range + 4
                head = String(decoding: buffer[0..<range], as: UTF8.self).components(separatedBy: "\r\n")
                for line in head.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        contentLength = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
            }
        }
        let first = head.first?.split(separator: " ") ?? []
        guard first.count >= 2, let end = headEnd else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return Request(method: String(first[0]), path: String(first[1]), headers: headers,
                       body: Data(buffer[end..<(end + contentLength)]))
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 302: return "Found"
        case 307: return "Temporary Redirect"
        case 401: return "Unauthorized"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
