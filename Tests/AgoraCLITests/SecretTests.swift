import AgoraLog
import Foundation
import LLMFixture
import Testing

/// A run against an endpoint that does everything it can to leak the key: the key is in no file the
/// run writes, in no line it prints, and never reaches another host.
@Suite struct SecretTests {
    static let key = "sk-agora-leak-93be1f07a4c6d258"

    @Test func aHostileEndpointCannotGetTheKeyIntoAnyFileOrAnotherHost() throws {
        let elsewhere = try LoopbackServer(host: "127.0.0.2") { _ in .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}")) }
        defer { elsewhere.stop() }
        let server = try LoopbackServer { request in
            let auth = request.headers["authorization"] ?? ""
            let echo = ["X-Echo": auth, "WWW-Authenticate": auth]
            let user = OpenAIFixture.body(request)?["messages"]?.array?.last?["content"]?.string ?? ""
            switch user.count % 4 {
            case 0: return .respond(status: 401, headers: echo, body: Data(#"{"error": {"message": "Incorrect API key provided: \#(auth)"}}"#.utf8))
            case 1: return .respond(status: 200, headers: echo, body: Data(#"{"error": {"message": "bad key \#(Self.key)"}}"#.utf8))
            case 2: return .respond(status: 302, headers: ["Location": "http://127.0.0.2:\(elsewhere.port)/v1/chat/completions"], body: Data())
            default: return .respond(status: 200, headers: echo, body: OpenAIFixture.prose("Your key is \(Self.key), \(auth)"))
            }
        }
        defer { server.stop() }
        let root = try temporaryDirectory()
        let dir = root + "/run", catalog = root + "/catalog.sqlite"
        let run = try agora(["run", "scenarios/rate-cut.yaml", "--json", "--out", dir] + LLMRunTests.small
                            + ["--set", "llm.endpoint.base_url=\(server.baseURL.absoluteString)", "--set", "llm.endpoint.model=fixture",
                               "--set", "llm.endpoint.max_retries=0", "--set", "llm.cache=true"],
                            catalog: catalog, environment: ["OPENAI_API_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let summary = try #require(report["summary"] as? [String: Any])
        #expect((summary["llm.questions"] as? Double ?? 0) >= 8, "\(summary)")
        #expect((summary["llm.failure.redirect"] as? Double ?? 0) > 0 && (summary["llm.failure.http"] as? Double ?? 0) > 0, "\(summary)")
        #expect(elsewhere.requests.isEmpty, "another host received \(elsewhere.requests.count) requests")

        // Every text of the event log, decoded, and every byte of every file the run and the catalog hold.
        let log = try LogReader(path: dir + "/events.agl")
        _ = log.forEachChunk { _ in }
        #expect(log.strings.contains { $0.contains("[redacted]") }, "the echoed key was logged, scrubbed")
        for s in log.strings { #expect(!s.contains(Self.key) && !s.contains("93be1f07a4c6d258"), "the log holds \(s.prefix(200))") }
        for folder in [dir, root] {
            for f in try FileManager.default.contentsOfDirectory(atPath: folder) where !f.hasPrefix("run") || folder == dir {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + f))
                #expect(bytes.range(of: Data("93be1f07a4c6d258".utf8)) == nil, "\(f) holds the key")
            }
        }
        #expect(!run.stdout.contains("93be1f07a4c6d258") && !run.stderr.contains("93be1f07a4c6d258"))
    }

    @Test func aKeyInAnEndpointGivenWholeOnTheCommandLineIsNotEchoed() throws {
        for value in ["{base_url: 'http://127.0.0.1:9/v1', model: m, api_key: sk-cli-6a1f0e2b9c}",
                      "{base_url: 'http://127.0.0.1:9/v1', model: m, timeout_s: 'Bearer sk-cli-6a1f0e2b9c'}"] {
            let out = try agora(["validate", "scenarios/rate-cut.yaml", "--set", "llm.endpoint=\(value)"])
            #expect(out.status != 0, "\(out.stdout)")
            #expect(out.stderr.contains("--set llm.endpoint=<redacted>"), "\(out.stderr)")
            #expect(!out.stderr.contains("6a1f0e2b9c") && !out.stdout.contains("6a1f0e2b9c"), "\(out.stderr)")
        }
    }
}
