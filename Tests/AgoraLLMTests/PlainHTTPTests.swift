@testable import AgoraLLM
import Foundation
import LLMFixture
import Testing

/// The plain-HTTP transport a local endpoint is reached through, one rule at a time: bodies by
/// length, chunked and to the close; the size limit; redirects not followed; the deadline; a port
/// nobody listens on.
@Suite struct PlainHTTPTests {
    static func exchange(_ server: LoopbackServer, maxBytes: Int = 1_000, seconds: Double = 5) -> TransferResult {
        PlainHTTP.exchange(url: URL(string: server.baseURL.absoluteString + "/chat/completions")!,
                           headers: [("Content-Type", "application/json"), ("Authorization", "Bearer k")],
                           body: Data(#"{"q":1}"#.utf8), maxBytes: maxBytes, deadline: Date().addingTimeInterval(seconds))
    }

    @Test func aBodyByLengthArrivesWithItsRequest() throws {
        let server = try LoopbackServer { _ in .respond(status: 201, body: Data("hello".utf8)) }
        defer { server.stop() }
        let r = Self.exchange(server)
        #expect(r.error == nil && r.cut == nil && r.response?.statusCode == 201 && String(decoding: r.body, as: UTF8.self) == "hello")
        let got = try #require(server.requests.first)
        #expect(got.method == "POST" && got.path.hasSuffix("/chat/completions") && got.body == Data(#"{"q":1}"#.utf8))
        #expect(got.headers["authorization"] == "Bearer k" && got.headers["content-type"] == "application/json")
    }

    @Test func aChunkedBodyAndOneToTheCloseAreRead() throws {
        let chunked = try LoopbackServer { _ in
            .respond(status: 200, headers: ["Transfer-Encoding": "chunked"], body: Data("4;x=1\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n".utf8))
        }
        defer { chunked.stop() }
        #expect(String(decoding: Self.exchange(chunked).body, as: UTF8.self) == "Wikipedia")
        let unsized = try LoopbackServer { _ in .unsized(status: 200, body: Data(repeating: 0x41, count: 700)) }
        defer { unsized.stop() }
        let r = Self.exchange(unsized)
        #expect(r.error == nil && r.body.count == 700)
        #expect(Self.exchange(unsized, maxBytes: 500).cut == .tooLarge, "no length: cut once past the limit")
    }

    @Test func tooLargeRedirectsAndTheDeadlineAreCuts() throws {
        let big = try LoopbackServer { _ in .respond(status: 200, body: Data(repeating: 0x42, count: 5_000)) }
        defer { big.stop() }
        #expect(Self.exchange(big).cut == .tooLarge && Self.exchange(big).body.isEmpty)
        let moved = try LoopbackServer { _ in .respond(status: 302, headers: ["Location": "http://elsewhere.example:81/steal"], body: Data()) }
        defer { moved.stop() }
        #expect(Self.exchange(moved).cut == .redirect(status: 302, origin: "http://elsewhere.example:81"))
        let slow = try LoopbackServer { _ in .trickle(status: 200, body: Data(repeating: 0x43, count: 100), interval: 0.2) }
        defer { slow.stop() }
        #expect(Self.exchange(slow, seconds: 0.5).cut == .deadline)
    }

    @Test func aPortNobodyListensOnIsAnErrorNotAHang() throws {
        let server = try LoopbackServer { _ in .drop }
        let port = server.port
        server.stop()
        let r = PlainHTTP.exchange(url: URL(string: "http://127.0.0.1:\(port)/v1/chat/completions")!, headers: [], body: Data(),
                                   maxBytes: 100, deadline: Date().addingTimeInterval(5))
        #expect((r.error as? PlainHTTP.Failure)?.description.hasPrefix("cannot connect") == true, "\(String(describing: r.error))")
        let dropped = try LoopbackServer { _ in .drop }
        defer { dropped.stop() }
        #expect((Self.exchange(dropped).error as? PlainHTTP.Failure)?.description == "connection lost")
    }

    @Test func theHostHeaderBracketsAnIPv6Literal() {
        #expect(PlainHTTP.hostHeader(host: "::1", port: 8000) == "[::1]:8000")
        #expect(PlainHTTP.hostHeader(host: "fe80::2", port: nil) == "[fe80::2]")
        #expect(PlainHTTP.hostHeader(host: "127.0.0.1", port: 8080) == "127.0.0.1:8080")
        #expect(PlainHTTP.hostHeader(host: "llm.local", port: nil) == "llm.local")
    }
}
