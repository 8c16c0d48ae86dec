import AgoraBench
import AgoraLLM
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `agora bench llm_wait`: what waiting for a slow LLM endpoint costs. A server on the loopback
/// answers every request after `wait` seconds (a local model on the same CPU takes that long);
/// the client sends `requests` questions at once and waits. The figure is the process's CPU time
/// (user and system, from getrusage) per second of waiting: about nothing when the transport
/// sleeps in poll, about a core when it spins.
enum LLMWaitBench {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(wait: Double, requests: Int) throws -> BenchReport {
        let server = try SlowServer(wait: wait)
        defer { server.stop() }
        var settings = EndpointSettings(baseURL: URL(string: "http://127.0.0.1:\(server.port)/v1")!, model: "slow")
        settings.timeoutSeconds = wait * 4 + 10
        settings.maxConcurrency = requests
        settings.maxRetries = 0
        let client = LLMClient(settings: settings)
        // Concurrency adapts from one request in flight and does not rise against a slow server,
        // so the questions wait one after another: elapsed is about requests × wait.
        let asks = (0..<requests).map { ChatRequest(model: "slow", messages: [ChatMessage(.user, "question \($0)")]) }
        let before = cpuSeconds(), started = ProcessStats.now()
        let outcomes = client.run(asks)
        let elapsed = ProcessStats.now() - started, cpu = cpuSeconds() - before
        let answered = outcomes.filter { $0.answer != nil }.count
        guard answered == requests else {
            throw Failure(description: "the slow server's answers did not all come back: "
                          + (outcomes.compactMap(\.failureText).first ?? "\(answered) of \(requests)"))
        }
        var report = BenchReport(bench: "llm_wait")
        report.set("transport", "plain HTTP/1.1 (poll)")
        report.set("requests", requests)
        report.set("server_wait_s", wait)
        report.set("elapsed_s", elapsed)
        report.set("cpu_s", cpu)
        report.set("cpu_per_waiting_s", cpu / elapsed)
        return report
    }

    /// User plus system CPU time of the whole process.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that reads each request whole, sleeps, and answers with one
/// chat completion (a `hold` tool call). One thread per connection; each blocks in read or sleep.
final class SlowServer: @unchecked Sendable {
    let port: Int
    private let socket: Int32
    private let wait: Double
    private let lock = NSLock()
    private var stopped = false

    init(wait: Double) throws {
        self.wait = wait
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw LLMWaitBench.Failure(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 64) == 0 else {
            close(socket)
            throw LLMWaitBench.Failure(description: "cannot listen on the loopback: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.socket = socket
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(socket, nil, nil)
            if connection < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var received: [UInt8] = []
        while true {
            let n = read(connection, &buffer, buffer.count)
            if n <= 0 { return }
            received += buffer[0..<n]
            guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count - end.upperBound >= length { break }
        }
        Thread.sleep(forTimeInterval: wait)
        let body = #"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","#
            + #""function":{"name":"hold","arguments":"{}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":10,"completion_tokens":5}}"#
        let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        let bytes = Array(response.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { write(connection, $0.baseAddress! + sent, $0.count - sent) }
            if n <= 0 { return }
            sent += n
        }
    }
}
