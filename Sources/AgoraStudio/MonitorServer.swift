import FlyingFox
import FlyingSocks
import Foundation

/// The live monitor's HTTP server (FlyingFox): the page, its script and style, a WebSocket that
/// carries the frames out and the page's commands in, and `/status` and `/control` for scripts.
///
/// Every response forbids loading anything from elsewhere (Content-Security-Policy). A request
/// must name this server as its Host (so another site cannot reach it by rebinding a name to the
/// loopback), a WebSocket or command must come from this server's own page (its Origin), and when
/// the monitor has a token every request must carry it (`MonitorAddress`).
public final class MonitorServer: @unchecked Sendable {
    public let address: MonitorAddress
    private let server: HTTPServer
    private let task: Task<Void, Never>

    /// Starts serving `monitor` and returns once the server listens (on `address`; port 0 picks one).
    public static func start(_ monitor: LiveMonitor, at address: MonitorAddress, token: String?) throws -> MonitorServer {
        let socketAddress: any SocketAddress
        do {
            socketAddress = address.host.contains(":") ? try sockaddr_in6.inet6(ip6: address.host, port: address.port)
                : try sockaddr_in.inet(ip4: address.host, port: address.port)
        } catch {
            throw MonitorAddress.Failure(description: "--monitor \(address): \(address.host) is not an IP address of this machine")
        }
        let server = HTTPServer(address: socketAddress, timeout: 30, logger: .disabled)
        let access = Access(token: token)
        let started = Started()
        let ready = DispatchSemaphore(value: 0)
        Task {
            await Self.addRoutes(to: server, monitor: monitor, access: access)
            ready.signal()
        }
        ready.wait()
        // Whichever comes first: the server listens, or it fails to (the port is taken, say).
        let task = Task {
            do { try await server.run() } catch {
                started.fail("\(error)")
                ready.signal()
            }
        }
        Task {
            do { try await server.waitUntilListening(timeout: 10) } catch { started.fail("\(error)") }
            started.set(await server.listeningAddress)
            ready.signal()
        }
        ready.wait()
        guard let bound = started.address else {
            task.cancel()
            throw MonitorAddress.Failure(description: "--monitor \(address): could not listen there"
                                         + (started.failure.map { " (\($0))" } ?? "") + "; is the port in use?")
        }
        var actual = address
        switch bound {
        case .ip4(_, let port), .ip6(_, let port): actual.port = port
        case .unix: break
        }
        access.port = actual.port
        return MonitorServer(address: actual, server: server, task: task)
    }

    private init(address: MonitorAddress, server: HTTPServer, task: Task<Void, Never>) {
        self.address = address
        self.server = server
        self.task = task
    }

    /// The page's address (with the token, when there is one: the first visit sets the cookie).
    public func url(token: String?) -> String {
        let host = address.host == "0.0.0.0" ? "127.0.0.1" : address.host
        let shown = MonitorAddress(host: host, port: address.port).description
        return "http://\(shown)/" + (token.map { "?token=\($0)" } ?? "")
    }

    /// Stops listening, giving the pages up to `seconds` to take their last frames.
    public func stop(within seconds: Double = 1) {
        let done = DispatchSemaphore(value: 0)
        let server = self.server
        Task {
            await server.stop(timeout: seconds)
            done.signal()
        }
        _ = done.wait(timeout: .now() + seconds + 1)
        task.cancel()
    }

    private static func addRoutes(to server: HTTPServer, monitor: LiveMonitor, access: Access) async {
        let socket = WebSocketHTTPHandler(handler: MonitorSocket(hub: monitor.hub, control: monitor.control))
        await server.appendRoute("GET /") { request in
            if let refused = access.refusal(request, page: true) { return refused }
            var response = Self.page(MonitorPage.html, type: "text/html; charset=utf-8")
            if let token = access.token, request.query.first(where: { $0.name == "token" })?.value == token {
                response.headers[.setCookie] = "\(Access.cookie)=\(token); HttpOnly; SameSite=Strict; Path=/"
            }
            return response
        }
        await server.appendRoute("GET /monitor.js") { request in
            access.refusal(request) ?? Self.page(MonitorPage.script, type: "text/javascript; charset=utf-8")
        }
        await server.appendRoute("GET /monitor.css") { request in
            access.refusal(request) ?? Self.page(MonitorPage.style, type: "text/css; charset=utf-8")
        }
        await server.appendRoute("GET /socket") { request in
            if let refused = access.refusal(request, sameOrigin: true) { return refused }
            return try await socket.handleRequest(request)
        }
        await server.appendRoute("GET /status") { request in
            if let refused = access.refusal(request) { return refused }
            return Self.page(monitor.status(), type: "application/json")
        }
        await server.appendRoute("POST /control") { request in
            if let refused = access.refusal(request, sameOrigin: true) { return refused }
            let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            guard let command = MonitorCommand(action: query["action"] ?? "", ticks: query["ticks"]) else {
                return HTTPResponse(statusCode: .badRequest, body: Data("action must be pause, resume or step (with ticks=N)\n".utf8))
            }
            command.apply(to: monitor.control)
            return Self.page(monitor.status(), type: "application/json")
        }
    }

    static let securityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func page(_ body: String, type: String) -> HTTPResponse {
        var response = HTTPResponse(statusCode: .ok, body: Data(body.utf8))
        response.headers[.contentType] = type
        response.headers[HTTPHeader("Content-Security-Policy")] = securityPolicy
        response.headers[HTTPHeader("X-Content-Type-Options")] = "nosniff"
        response.headers[HTTPHeader("Referrer-Policy")] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Where the server's start got to, handed from its tasks to the thread that waits.
    private final class Started: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var address: Socket.Address?
        private(set) var failure: String?
        func set(_ a: Socket.Address?) { lock.lock(); address = a; lock.unlock() }
        func fail(_ f: String) { lock.lock(); failure = f; lock.unlock() }
    }
}
