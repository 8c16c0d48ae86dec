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
    private let listener: Listener
    public var address: MonitorAddress { listener.address }

    /// Starts serving `monitor` and returns once the server listens (on `address`; port 0 picks one).
    public static func start(_ monitor: LiveMonitor, at address: MonitorAddress, token: String?) throws -> MonitorServer {
        let access = Access(token: token)
        let listener = try Listener(at: address, option: "--monitor", access: access) { server in
            await addRoutes(to: server, monitor: monitor, access: access)
        }
        return MonitorServer(listener: listener)
    }

    private init(listener: Listener) {
        self.listener = listener
    }

    /// The page's address (with the token, when there is one: the first visit sets the cookie).
    public func url(token: String?) -> String { listener.url(token: token) }

    /// Stops listening, giving the pages up to `seconds` to take their last frames.
    public func stop(within seconds: Double = 1) { listener.stop(within: seconds) }

    private static func addRoutes(to server: HTTPServer, monitor: LiveMonitor, access: Access) async {
        let socket = WebSocketHTTPHandler(handler: MonitorSocket(hub: monitor.hub, control: monitor.control))
        await server.appendRoute("GET /") { request in
            if let refused = access.refusal(request, page: true) { return refused }
            return access.settingCookie(Self.page(MonitorPage.html, type: "text/html; charset=utf-8"), for: request)
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

    static func page(_ body: String, type: String, policy: String = securityPolicy) -> HTTPResponse {
        var response = HTTPResponse(statusCode: .ok, body: Data(body.utf8))
        response.headers[.contentType] = type
        response.headers[HTTPHeader("Content-Security-Policy")] = policy
        response.headers[HTTPHeader("X-Content-Type-Options")] = "nosniff"
        response.headers[HTTPHeader("Referrer-Policy")] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
