import Foundation
import LLMFixture
import Testing

/// OPENAI_BASE_URL without a model: `agora run` asks the endpoint which models it serves, uses the
/// only one and says so, and refuses none or several with what the endpoint listed.
@Suite struct ModelDiscoveryTests {
    static func server(serving models: [String]) throws -> LoopbackServer {
        try LoopbackServer { request in
            if request.method == "GET" && request.path.hasSuffix("/models") {
                let data = models.map { "{\"id\": \"\($0)\", \"object\": \"model\"}" }.joined(separator: ", ")
                return .respond(status: 200, body: Data("{\"object\": \"list\", \"data\": [\(data)]}".utf8))
            }
            return .respond(status: 200, body: OpenAIFixture.toolCall("hold", arguments: "{}"))
        }
    }

    static func run(_ server: LoopbackServer, out: String? = nil) throws -> Outcome {
        try agora(["run", "scenarios/rate-cut.yaml", "--out", try out ?? temporaryDirectory() + "/run"] + LLMRunTests.small,
                  environment: ["OPENAI_BASE_URL": server.baseURL.absoluteString])
    }

    @Test func theOneModelServedIsUsedAndTheNotesSaySo() throws {
        let server = try Self.server(serving: ["tiny-chat"])
        defer { server.stop() }
        let out = try temporaryDirectory() + "/run"
        let run = try Self.run(server, out: out)
        #expect(run.status == 0, "\(run.stderr)")
        let written = try String(contentsOfFile: out + "/scenario.yaml", encoding: .utf8)
        #expect(written.contains("model: tiny-chat") && written.contains("base_url: \(server.baseURL.absoluteString)"), "\(written)")
        #expect(run.stdout.contains("llm: no model was named; \(server.baseURL.absoluteString) serves one, tiny-chat, and the run used it"),
                "\(run.stdout)")
        let asked = server.requests.filter { $0.method == "POST" }
        #expect(!asked.isEmpty && asked.allSatisfy { OpenAIFixture.body($0)?["model"]?.string == "tiny-chat" })
        #expect(server.requests.first?.method == "GET" && server.requests.filter { $0.method == "GET" }.count == 1)
    }

    @Test(arguments: [[String](), ["a-model", "b-model"]])
    func noneOrSeveralAreRefusedWithTheListing(models: [String]) throws {
        let server = try Self.server(serving: models)
        defer { server.stop() }
        let run = try Self.run(server)
        #expect(run.status == 2)
        let said = models.isEmpty ? "serves no model" : "serves 2 models (a-model, b-model); name one in llm.endpoint.model or OPENAI_MODEL"
        #expect(run.stderr.contains("error: llm: no model was named and \(server.baseURL.absoluteString) \(said)"), "\(run.stderr)")
        #expect(server.requests.allSatisfy { $0.method == "GET" }, "nothing is asked before a model is chosen")
    }

    @Test func anEndpointThatCannotListItsModelsIsNamed() throws {
        let server = try LoopbackServer { _ in .respond(status: 404, body: Data(#"{"error": "not found"}"#.utf8)) }
        defer { server.stop() }
        let run = try Self.run(server)
        #expect(run.status == 2 && run.stderr.contains("GET \(server.baseURL.absoluteString)/models: HTTP 404"), "\(run.stderr)")
    }
}
