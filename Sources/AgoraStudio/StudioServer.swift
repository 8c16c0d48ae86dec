import AgoraAnalysis
import AgoraCatalog
import AgoraRuntime
import AgoraScenario
import FlyingFox
import Foundation

/// `agora studio`: the catalog in a browser. It lists runs and sweeps (filtered by scenario,
/// sweep and status), opens a run's report, compares two runs' metrics on one chart, rebuilds a
/// market's book or a network's follow graph at a tick from a run's log, and links to the live pages of runs started with
/// `--monitor`. It only reads: the catalog is opened read-only and run directories are read,
/// never written. The access rules are the monitor's (`MonitorAccess`).
public final class StudioServer: @unchecked Sendable {
    private let listener: Listener
    public var address: MonitorAddress { listener.address }

    /// Serves `catalog` at `address` (port 0 picks one).
    public static func start(catalog path: String, at address: MonitorAddress, token: String?) throws -> StudioServer {
        let data = try StudioData(catalog: path)
        let access = Access(token: token)
        let listener = try Listener(at: address, option: "--port", access: access) { server in
            await addRoutes(to: server, data: data, access: access)
        }
        return StudioServer(listener: listener)
    }

    private init(listener: Listener) {
        self.listener = listener
    }

    public func url(token: String?) -> String { listener.url(token: token) }

    public func stop() { listener.stop() }

    /// The studio's pages load only their own style; a report keeps its inline script and style.
    static let policy = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    static let reportPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    private static func addRoutes(to server: HTTPServer, data: StudioData, access: Access) async {
        @Sendable func html(_ request: HTTPRequest, page: Bool = false, _ make: ([String: String]) throws -> String) -> HTTPResponse {
            if let refused = access.refusal(request, page: page) { return refused }
            let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            do {
                let response = MonitorServer.page(try make(query), type: "text/html; charset=utf-8", policy: policy)
                return page ? access.settingCookie(response, for: request) : response
            } catch {
                var response = MonitorServer.page(StudioPages.page("Not shown", "<p>\(StudioPages.escape("\(error)"))</p>"),
                                                  type: "text/html; charset=utf-8", policy: policy)
                response.statusCode = .notFound
                return response
            }
        }
        await server.appendRoute("GET /") { request in html(request, page: true) { try data.runsPage($0) } }
        await server.appendRoute("GET /run") { request in html(request) { try data.runPage($0) } }
        await server.appendRoute("GET /compare") { request in
            html(request) { try data.comparePage($0, picked: request.query.filter { $0.name == "run" }.map(\.value)) }
        }
        await server.appendRoute("GET /book") { request in html(request) { try data.bookPage($0) } }
        await server.appendRoute("GET /network") { request in html(request) { try data.networkPage($0) } }
        await server.appendRoute("GET /studio.css") { request in
            access.refusal(request) ?? MonitorServer.page(StudioPages.style, type: "text/css; charset=utf-8", policy: policy)
        }
        await server.appendRoute("GET /report") { request in
            if let refused = access.refusal(request) { return refused }
            let id = request.query.first { $0.name == "id" }?.value ?? ""
            do {
                return MonitorServer.page(try data.report(id), type: "text/html; charset=utf-8", policy: reportPolicy)
            } catch {
                var response = MonitorServer.page(StudioPages.page("No report", "<p>\(StudioPages.escape("\(error)"))</p>"),
                                                  type: "text/html; charset=utf-8", policy: policy)
                response.statusCode = .notFound
                return response
            }
        }
    }
}
