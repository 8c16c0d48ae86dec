import FlyingFox
import Foundation

/// Who may use a monitor: requests that name it as their Host, from its own page, with its token
/// when it has one (see `MonitorServer`).
final class Access: @unchecked Sendable {
    static let cookie = "agora_token"
    let token: String?
    private let lock = NSLock()
    private var boundPort: UInt16 = 0

    init(token: String?) {
        self.token = token
    }

    /// The port the server listens on, once it does (the Host header names it).
    var port: UInt16 {
        get { lock.lock(); defer { lock.unlock() }; return boundPort }
        set { lock.lock(); boundPort = newValue; lock.unlock() }
    }

    /// The response that refuses `request`, or nil when it may go on. `page`: the token may come in
    /// the query (the first visit's address); `sameOrigin`: the request must come from the
    /// monitor's own page, when a browser sent it (it says where from in Origin).
    func refusal(_ request: HTTPRequest, page: Bool = false, sameOrigin: Bool = false) -> HTTPResponse? {
        let host = request.headers[.host] ?? ""
        if token == nil, !Self.isLoopbackHost(host, port: port) {
            return Self.refuse(.forbidden, "this monitor answers only to requests for 127.0.0.1:\(port) or localhost:\(port)")
        }
        if sameOrigin, let origin = request.headers[HTTPHeader("Origin")], origin != "http://" + host {
            return Self.refuse(.forbidden, "commands and the live feed are only for the monitor's own page")
        }
        if let token, !carries(request, token, page: page) {
            return Self.refuse(.unauthorized, "this monitor needs its token: open the address the run printed, "
                               + "or send Authorization: Bearer TOKEN")
        }
        return nil
    }

    /// `response` with the token's cookie set, when `request` is a first visit that carried the
    /// token in its address: the page's later requests then carry it themselves.
    func settingCookie(_ response: HTTPResponse, for request: HTTPRequest) -> HTTPResponse {
        guard let token, let given = request.query.first(where: { $0.name == "token" })?.value, Self.same(given, token) else { return response }
        var response = response
        response.headers[.setCookie] = "\(Self.cookie)=\(token); HttpOnly; SameSite=Strict; Path=/"
        return response
    }

    private func carries(_ request: HTTPRequest, _ token: String, page: Bool) -> Bool {
        if let auth = request.headers[.authorization], Self.same(auth, "Bearer " + token) { return true }
        for part in (request.headers[.cookie] ?? "").split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(Self.cookie + "="), Self.same(String(pair.dropFirst(Self.cookie.count + 1)), token) { return true }
        }
        if page, let given = request.query.first(where: { $0.name == "token" })?.value, Self.same(given, token) { return true }
        return false
    }

    /// Compares in time that does not depend on where the texts differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    static func isLoopbackHost(_ host: String, port: UInt16) -> Bool {
        ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"].contains(host.lowercased())
    }

    static func refuse(_ status: HTTPStatusCode, _ why: String) -> HTTPResponse {
        var response = HTTPResponse(statusCode: status, body: Data((why + "\n").utf8))
        response.headers[.contentType] = "text/plain; charset=utf-8"
        return response
    }
}

/// A command from the page or a script: pause, resume, or step N ticks.
struct MonitorCommand: Equatable {
    enum Action: String { case pause, resume, step }
    var action: Action
    var ticks: Int

    /// nil for anything else (an unknown action, a step of no ticks or more than a million).
    init?(action: String, ticks: String?) {
        guard let a = Action(rawValue: action) else { return nil }
        self.action = a
        if a == .step {
            guard let n = Int(ticks ?? "1"), n >= 1, n <= 1_000_000 else { return nil }
            self.ticks = n
        } else {
            self.ticks = 0
        }
    }

    /// Reads a WebSocket message: {"action": "step", "ticks": 10}.
    init?(json text: String) {
        guard let data = text.data(using: .utf8), data.count < 1_000,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let action = object["action"] as? String else { return nil }
        let ticks = (object["ticks"] as? NSNumber).map { String($0.intValue) }
        self.init(action: action, ticks: ticks)
    }

    func apply(to control: RunControl) {
        switch action {
        case .pause: control.pause()
        case .resume: control.resume()
        case .step: control.step(ticks)
        }
    }
}

/// One page's WebSocket: frames from the hub out (through the page's bounded buffer), commands in.
struct MonitorSocket: WSHandler {
    let hub: MonitorHub
    let control: RunControl

    func makeFrames(for client: AsyncThrowingStream<WSFrame, any Error>) async throws -> AsyncStream<WSFrame> {
        let (id, frames) = hub.connect()
        Task { [hub, control] in
            do {
                for try await frame in client {
                    switch frame.opcode {
                    case .text:
                        if let command = MonitorCommand(json: String(decoding: frame.payload, as: UTF8.self)) { command.apply(to: control) }
                    case .ping:
                        hub.send(WSFrame(fin: true, opcode: .pong, mask: nil, payload: frame.payload), to: id)
                    case .close:
                        hub.send(.close(message: ""), to: id)
                        hub.disconnect(id)
                        return
                    default:
                        break
                    }
                }
            } catch {}
            hub.disconnect(id)
        }
        return frames
    }
}
