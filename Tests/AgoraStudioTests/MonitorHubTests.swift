import AgoraCore
@testable import AgoraStudio
import FlyingFox
import Foundation
import Testing

/// The hub never waits for a page: a page that does not read loses its oldest frames, counted.
@Suite struct MonitorHubTests {
    static func texts(_ frames: AsyncStream<WSFrame>) async -> [String] {
        var out: [String] = []
        for await f in frames where f.opcode == .text { out.append(String(decoding: f.payload, as: UTF8.self)) }
        return out
    }

    @Test func aPageThatDoesNotReadLosesItsOldestFramesAndTheyAreCounted() async {
        let hub = MonitorHub(capacity: 8)
        hub.setWelcome { "{\"type\": \"welcome\"}" }
        let page = hub.connect()
        // 100 frames into a buffer of 8 that nobody reads: publishing returns at once each time.
        for i in 0..<100 { hub.publish("\"type\": \"frame\", \"n\": \(i)}") }
        #expect(hub.droppedFrames == 101 - 8, "the welcome and 100 frames, of which the buffer keeps the newest 8")
        hub.disconnect(page.id)
        let got = await Self.texts(page.frames)
        #expect(got.count == 8)
        #expect(got.last == "{\"dropped\": 92, \"type\": \"frame\", \"n\": 99}", "each copy says how many its page had missed")
        #expect(hub.clientCount == 0 && hub.droppedFrames == 93, "a page's count outlives it")
    }

    @Test func aPageThatReadsGetsTheWelcomeThenTheLatestFrameThenEveryFrame() async {
        let hub = MonitorHub(capacity: 8)
        hub.setWelcome { "{\"type\": \"welcome\"}" }
        hub.publish("\"n\": 0}")
        let page = hub.connect()
        for i in 1...3 { hub.publish("\"n\": \(i)}") }
        hub.closeAll()
        let got = await Self.texts(page.frames)
        #expect(got == ["{\"type\": \"welcome\"}", "{\"dropped\": 0, \"n\": 0}", "{\"dropped\": 0, \"n\": 1}",
                        "{\"dropped\": 0, \"n\": 2}", "{\"dropped\": 0, \"n\": 3}"])
        #expect(hub.droppedFrames == 0)
    }

    /// The welcome holds every tick's metrics, thinned evenly once there are more than the limit.
    @Test func theHistoryIsThinnedEvenlyAndFramesCarryEveryTickSinceTheLast() {
        let monitor = LiveMonitor(about: JSONLine(), metricNames: ["x"], ticks: 10_000, depth: 5, interval: 1e9)
        let page = monitor.hub.connect()
        defer { monitor.hub.disconnect(page.id) }
        let n = LiveMonitor.historyLimit * 2 + 10
        for t in 0..<n { monitor.record(tick: t, metrics: [Double(t)]) }
        let welcome = monitor.welcome()
        let rows = welcome.components(separatedBy: "], [").count
        #expect(rows <= LiveMonitor.historyLimit && rows >= LiveMonitor.historyLimit / 2, "\(rows) rows")
        #expect(welcome.contains("[0, 0.0]") && welcome.contains("[4, 4.0]") && !welcome.contains("[3, 3.0]"), "every 4th tick kept")
        #expect(monitor.pendingRows == n, "a frame not yet sent holds every tick since the last")
    }
}

/// Who may use a monitor.
@Suite struct MonitorAccessTests {
    static func request(_ headers: [String: String], query: [String: String] = [:]) -> HTTPRequest {
        var h = HTTPHeaders()
        for (k, v) in headers { h[HTTPHeader(k)] = v }
        return HTTPRequest(method: .GET, version: .http11, path: "/status", query: query.map { .init(name: $0.key, value: $0.value) },
                           headers: h, body: HTTPBodySequence(data: Data()))
    }

    @Test func onTheLoopbackOnlyRequestsForTheLoopbackAnswer() {
        let access = Access(token: nil)
        access.port = 8080
        for host in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080"] {
            #expect(access.refusal(Self.request(["Host": host])) == nil, "\(host)")
        }
        for host in ["evil.example:8080", "127.0.0.1:9090", "", "127.0.0.1.evil.example:8080"] {
            #expect(access.refusal(Self.request(["Host": host]))?.statusCode == .forbidden, "\(host)")
        }
        // The feed and commands only from the monitor's own page.
        #expect(access.refusal(Self.request(["Host": "127.0.0.1:8080", "Origin": "http://evil.example"]), sameOrigin: true)?.statusCode == .forbidden)
        #expect(access.refusal(Self.request(["Host": "127.0.0.1:8080", "Origin": "http://127.0.0.1:8080"]), sameOrigin: true) == nil)
        #expect(access.refusal(Self.request(["Host": "127.0.0.1:8080"]), sameOrigin: true) == nil, "a script sends no Origin")
    }

    @Test func withATokenEveryRequestCarriesIt() {
        let token = MonitorAddress.makeToken()
        #expect(token.count == 32 && token.allSatisfy(\.isHexDigit) && token != MonitorAddress.makeToken())
        let access = Access(token: token)
        access.port = 8080
        let host = ["Host": "10.0.0.5:8080"]
        #expect(access.refusal(Self.request(host))?.statusCode == .unauthorized)
        #expect(access.refusal(Self.request(host.merging(["Authorization": "Bearer " + token]) { $1 })) == nil)
        #expect(access.refusal(Self.request(host.merging(["Authorization": "Bearer " + token.dropLast() + "0"]) { $1 }))?.statusCode
                == (token.hasSuffix("0") ? nil : .unauthorized))
        #expect(access.refusal(Self.request(host.merging(["Cookie": "a=b; agora_token=\(token)"]) { $1 })) == nil)
        #expect(access.refusal(Self.request(host, query: ["token": token]))?.statusCode == .unauthorized, "the query counts on the page only")
        #expect(access.refusal(Self.request(host, query: ["token": token]), page: true) == nil)
    }

    @Test func addressesAndCommandsAreRead() throws {
        #expect(try MonitorAddress(parsing: "8080") == MonitorAddress(host: "127.0.0.1", port: 8080))
        #expect(try MonitorAddress(parsing: "localhost:0") == MonitorAddress(host: "127.0.0.1", port: 0))
        #expect(try MonitorAddress(parsing: "0.0.0.0:9000").isLoopback == false)
        #expect(try MonitorAddress(parsing: "[::1]:80") == MonitorAddress(host: "::1", port: 80))
        #expect(try MonitorAddress(parsing: "[::1]:80").isLoopback && MonitorAddress(host: "::1", port: 80).description == "[::1]:80")
        for bad in ["", "host:", ":80", "x:70000", "[::1]80", "eighty"] { #expect(throws: MonitorAddress.Failure.self) { try MonitorAddress(parsing: bad) } }
        #expect(MonitorCommand(json: #"{"action": "step", "ticks": 10}"#) == MonitorCommand(action: "step", ticks: "10"))
        #expect(MonitorCommand(json: #"{"action": "step", "ticks": 0}"#) == nil)
        #expect(MonitorCommand(json: #"{"action": "delete"}"#) == nil)
        #expect(MonitorCommand(json: "not json") == nil)
        #expect(MonitorCommand(action: "pause", ticks: nil)?.action == .pause)
    }
}
