import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 over a plain socket, for `http://` endpoints: the local servers (llama.cpp, vLLM,
/// Ollama) that run on the same machine as the simulation. FoundationNetworking's URLSession
/// keeps a core busy while it waits (its socket is re-armed thousands of times a second), and a
/// local model needs that core. Here each attempt is one thread blocked in `poll(2)` until bytes
/// arrive or its deadline passes, so waiting costs nothing. It keeps the URLSession transport's
/// rules: one total deadline per attempt, a size limit on what is read (Content-Length checked
/// first), and redirects never followed. One connection per attempt (`Connection: close`).
/// `https://` endpoints still go through URLSession, which brings TLS.
enum PlainHTTP {
    /// Why an attempt failed at the socket: what `LLMClient.describe` reports.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// How connecting or sending ended early: the attempt's deadline passed, or the socket failed.
    enum Stop: Error {
        case deadline
        case failed(Failure)
    }

    /// Sends `body` to `url` with `headers` and calls `done` once, from a thread of its own.
    static func start(url: URL, headers: [(String, String)], body: Data, maxBytes: Int, seconds: Double,
                      done: @escaping @Sendable (TransferResult) -> Void) {
        let deadline = Date().addingTimeInterval(max(0, seconds))
        let thread = Thread {
            done(exchange(url: url, headers: headers, body: body, maxBytes: maxBytes, deadline: deadline))
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    static func exchange(url: URL, method: String = "POST", headers: [(String, String)], body: Data, maxBytes: Int,
                         deadline: Date) -> TransferResult {
        func failed(_ what: String) -> TransferResult { TransferResult(body: Data(), response: nil, error: Failure(description: what), cut: nil) }
        // An IPv6 literal may come with its brackets or without: getaddrinfo takes it bare.
        guard let given = url.host, !given.isEmpty else { return failed("no host in \(url)") }
        let host = given.hasPrefix("[") && given.hasSuffix("]") ? String(given.dropFirst().dropLast()) : given
        let port = url.port ?? 80
        let fd: Int32
        switch connect(host: host, port: port, deadline: deadline) {
        case .success(let s): fd = s
        case .failure(.deadline): return cut(.deadline)
        case .failure(.failed(let f)): return failed(f.description)
        }
        defer { close(fd) }
        var path = url.path.isEmpty ? "/" : url.path
        if let q = url.query { path += "?" + q }
        let hostHeader = Self.hostHeader(host: host, port: url.port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        switch send(fd, Data(head.utf8) + body, deadline: deadline) {
        case .success: break
        case .failure(.deadline): return cut(.deadline)
        case .failure(.failed(let f)): return failed(f.description)
        }
        return receive(fd, url: url, maxBytes: maxBytes, deadline: deadline)
    }

    static func cut(_ reason: TransferCut, _ response: HTTPURLResponse? = nil) -> TransferResult {
        TransferResult(body: Data(), response: response, error: nil, cut: reason)
    }

    /// Milliseconds left before `deadline`, for `poll` (0 once it has passed).
    static func millisecondsLeft(_ deadline: Date) -> Int32 {
        Int32(clamping: max(0, Int((deadline.timeIntervalSinceNow * 1000).rounded(.up))))
    }

    /// Waits until `fd` is ready for `events` or the deadline passes; false on the deadline.
    static func wait(_ fd: Int32, _ events: Int16, deadline: Date) -> Bool {
        while true {
            let left = millisecondsLeft(deadline)
            if left == 0 { return false }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&p, 1, left)
            if n > 0 { return true }
            if n == 0 { return false }
            if errno != EINTR { return true }  // let the read or write report the error
        }
    }

    /// The Host header (RFC 9112 §3.2): the host, an IPv6 literal in brackets, and the port when the URL names one.
    static func hostHeader(host: String, port: Int?) -> String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(shown):\($0)" } ?? shown
    }

    static func connect(host: String, port: Int, deadline: Date) -> Result<Int32, Stop> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { return .failure(.failed(Failure(description: "unknown host"))) }
        defer { freeaddrinfo(list) }
        var lastError = "cannot connect"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let a = entry {
            entry = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return .success(fd) }
            guard errno == EINPROGRESS else {
                lastError = "cannot connect (\(String(cString: strerror(errno))))"
                close(fd)
                continue
            }
            guard wait(fd, Int16(POLLOUT), deadline: deadline) else {
                close(fd)
                return .failure(.deadline)
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err == 0 { return .success(fd) }
            lastError = "cannot connect (\(String(cString: strerror(err))))"
            close(fd)
        }
        return .failure(.failed(Failure(description: lastError)))
    }

    static func send(_ fd: Int32, _ data: Data, deadline: Date) -> Result<Void, Stop> {
        var sent = 0
        return data.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Result<Void, Stop> in
            while sent < b.count {
                let n = Glibc.send(fd, b.baseAddress! + sent, b.count - sent, Int32(MSG_NOSIGNAL))
                if n > 0 { sent += n; continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    guard wait(fd, Int16(POLLOUT), deadline: deadline) else { return .failure(.deadline) }
                    continue
                }
                return .failure(.failed(Failure(description: "connection lost (\(String(cString: strerror(errno))))")))
            }
            return .success(())
        }
    }

    /// Reads the response: its head, then a body by Content-Length, chunked, or to the close.
    static func receive(_ fd: Int32, url: URL, maxBytes: Int, deadline: Date) -> TransferResult {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let headLimit = 64 * 1024
        /// Reads more into `buffer`; nil on the deadline, 0 at the end of the stream.
        func readMore() -> Int? {
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { buffer += chunk[0..<n]; return n }
                if n == 0 { return 0 }
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    guard wait(fd, Int16(POLLIN), deadline: deadline) else { return nil }
                    continue
                }
                return -1
            }
        }
        func lost() -> TransferResult {
            TransferResult(body: Data(), response: nil, error: Failure(description: "connection lost"), cut: nil)
        }
        // The head.
        var headEnd: Int?
        while headEnd == nil {
            if let r = buffer.firstRange(of: [13, 10, 13, 10]) { headEnd = r.upperBound; break }
            guard buffer.count < headLimit else { return lost() }
            guard let n = readMore() else { return cut(.deadline) }
            if n <= 0 { return buffer.isEmpty ? lost() : TransferResult(body: Data(), response: nil,
                                                                       error: Failure(description: "bad server response"), cut: nil) }
        }
        let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            return TransferResult(body: Data(), response: nil, error: Failure(description: "bad server response"), cut: nil)
        }
        var fields: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields[name] = fields[name].map { $0 + ", " + value } ?? value
        }
        func field(_ name: String) -> String? { fields.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value }
        let response = HTTPURLResponse(url: url, statusCode: status, httpVersion: String(parts[0]), headerFields: fields)
        if (300..<400).contains(status), let location = field("Location") {
            let target = URL(string: location, relativeTo: url)?.absoluteURL
            return cut(.redirect(status: status, origin: target.map(Transport.origin) ?? "an unknown place"), response)
        }
        var rest = Array(buffer[headEnd!...])
        buffer = []
        let chunked = field("Transfer-Encoding")?.lowercased().contains("chunked") == true
        if let lengthText = field("Content-Length"), !chunked {
            guard let length = Int(lengthText), length >= 0 else {
                return TransferResult(body: Data(), response: response, error: Failure(description: "bad server response"), cut: nil)
            }
            if length > maxBytes { return cut(.tooLarge, response) }
            buffer = rest
            while buffer.count < length {
                guard let n = readMore() else { return cut(.deadline, response) }
                if n <= 0 { return TransferResult(body: Data(), response: response, error: Failure(description: "connection lost"), cut: nil) }
            }
            return TransferResult(body: Data(buffer.prefix(length)), response: response, error: nil, cut: nil)
        }
        if chunked {
            var body = [UInt8]()
            buffer = rest
            var at = 0
            while true {
                // A size line.
                var lineEnd: Int?
                while lineEnd == nil {
                    if let r = buffer[at...].firstRange(of: [13, 10]) { lineEnd = r.lowerBound; break }
                    guard buffer.count - at < 1_024 else { return lostIn(response) }
                    guard let n = readMore() else { return cut(.deadline, response) }
                    if n <= 0 { return lostIn(response) }
                }
                let sizeText = String(decoding: buffer[at..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else { return lostIn(response) }
                at = lineEnd! + 2
                if size == 0 { return TransferResult(body: Data(body), response: response, error: nil, cut: nil) }
                if body.count + size > maxBytes { return cut(.tooLarge, response) }
                while buffer.count < at + size + 2 {
                    guard let n = readMore() else { return cut(.deadline, response) }
                    if n <= 0 { return lostIn(response) }
                }
                body += buffer[at..<(at + size)]
                at += size + 2
                if at > 1 << 20 { buffer.removeFirst(at); at = 0 }
            }
        }
        // No length: the body runs to the close.
        buffer = rest
        rest = []
        while true {
            if buffer.count > maxBytes { return cut(.tooLarge, response) }
            guard let n = readMore() else { return cut(.deadline, response) }
            if n == 0 { return TransferResult(body: Data(buffer), response: response, error: nil, cut: nil) }
            if n < 0 { return lostIn(response) }
        }
    }

    static func lostIn(_ response: HTTPURLResponse?) -> TransferResult {
        TransferResult(body: Data(), response: response, error: Failure(description: "connection lost"), cut: nil)
    }
}
