import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Which models an endpoint serves: `GET <base>/models`, the OpenAI-compatible listing that
/// llama.cpp's server, vLLM, Ollama and hosted APIs all answer. `agora run` asks it when
/// OPENAI_BASE_URL is set and no model is named: one model is used (and the run's notes say so),
/// none or several are refused with what the endpoint said.
public enum ModelDiscovery {
    /// Why the models could not be listed.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The ids the endpoint at `baseURL` lists, in its order.
    public static func models(baseURL: URL, apiKey: Secret?, timeoutSeconds: Double = 10,
                              maxBytes: Int = 1 << 20) -> Result<[String], Failure> {
        let url = baseURL.appendingPathComponent("models")
        let redactor = Redactor(secrets: apiKey.map { [$0] } ?? [])
        var headers = [("Accept", "application/json")]
        if let apiKey, !apiKey.isEmpty { headers.append(("Authorization", "Bearer " + apiKey.value)) }
        let result = fetch(url, headers: headers, maxBytes: maxBytes, seconds: timeoutSeconds)
        if let cut = result.cut {
            switch cut {
            case .deadline: return .failure(Failure(description: "GET \(url.absoluteString): no answer within \(timeoutSeconds) s"))
            case .tooLarge: return .failure(Failure(description: "GET \(url.absoluteString): the listing is larger than \(maxBytes) bytes"))
            case .redirect(let status, let origin):
                return .failure(Failure(description: "GET \(url.absoluteString): HTTP \(status) redirect to \(origin), not followed"))
            }
        }
        if let error = result.error {
            return .failure(Failure(description: "GET \(url.absoluteString): \(LLMClient.describe(error))"))
        }
        let body = redactor.scrub(String(decoding: result.body, as: UTF8.self))
        guard let status = result.response?.statusCode, (200..<300).contains(status) else {
            return .failure(Failure(description: "GET \(url.absoluteString): HTTP \(result.response?.statusCode ?? 0): \(LLMClient.excerpt(body))"))
        }
        guard let json = try? JSON.parse(body), let data = json["data"]?.array else {
            return .failure(Failure(description: "GET \(url.absoluteString): not a model listing (no data array): \(LLMClient.excerpt(body))"))
        }
        return .success(data.compactMap { $0["id"]?.string ?? $0["name"]?.string })
    }

    /// One GET, by the transport the URL's scheme takes.
    static func fetch(_ url: URL, headers: [(String, String)], maxBytes: Int, seconds: Double) -> TransferResult {
        if url.scheme?.lowercased() == "http" {
            return PlainHTTP.exchange(url: url, method: "GET", headers: headers, body: Data(), maxBytes: maxBytes,
                                      deadline: Date().addingTimeInterval(seconds))
        }
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        request.timeoutInterval = seconds
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = seconds
        config.timeoutIntervalForResource = seconds
        let transport = Transport()
        let session = URLSession(configuration: config, delegate: transport, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        transport.start(request, on: session, maxBytes: maxBytes, seconds: seconds) { r in
            box.set(r)
            done.signal()
        }
        done.wait()
        return box.value ?? TransferResult(body: Data(), response: nil, error: PlainHTTP.Failure(description: "no answer"), cut: nil)
    }

    /// What to do with a listing: the model to use, or why the run cannot choose.
    public static func choose(_ models: [String], at baseURL: URL) -> Result<String, Failure> {
        switch models.count {
        case 0:
            return .failure(Failure(description: "\(baseURL.absoluteString) serves no model; name one in llm.endpoint.model or OPENAI_MODEL"))
        case 1:
            return .success(models[0])
        default:
            let listed = models.prefix(20).joined(separator: ", ") + (models.count > 20 ? ", … (\(models.count) in all)" : "")
            return .failure(Failure(description: "\(baseURL.absoluteString) serves \(models.count) models (\(listed)); "
                                    + "name one in llm.endpoint.model or OPENAI_MODEL"))
        }
    }
}

/// A transfer's result handed from the transport's thread to the caller waiting for it.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: TransferResult?
    func set(_ r: TransferResult) { lock.withLock { stored = r } }
    var value: TransferResult? { lock.withLock { stored } }
}
