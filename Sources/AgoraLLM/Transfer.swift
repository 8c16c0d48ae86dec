import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How a transfer was cut short by Agora rather than ended by the server.
enum TransferCut: Sendable, Hashable {
    /// The attempt's total deadline (connect, headers and body) passed.
    case deadline
    /// The body grew past the size limit, or its Content-Length said it would.
    case tooLarge
    /// The server answered with a redirect (status, the target's origin); it was not followed.
    case redirect(status: Int, origin: String)
}

/// What one attempt brought back.
struct TransferResult: Sendable {
    var body: Data
    var response: HTTPURLResponse?
    var error: (any Error)?
    var cut: TransferCut?
}

/// Runs the client's attempts as delegate-driven data tasks, so that Agora, not the URL loading
/// system, decides what an answer may cost: every attempt has a total deadline (a server that
/// trickles one byte a second is cut off when it passes), a body beyond the size limit is
/// abandoned as soon as it is seen to be, and redirects are never followed (the request, and its
/// `Authorization` header, go nowhere but the configured endpoint).
final class Transport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// One attempt in flight. Guarded by the transport's lock.
    private final class Transfer {
        let maxBytes: Int
        let done: @Sendable (TransferResult) -> Void
        var body = Data()
        var response: HTTPURLResponse?
        var cut: TransferCut?

        init(maxBytes: Int, done: @escaping @Sendable (TransferResult) -> Void) {
            self.maxBytes = maxBytes
            self.done = done
        }
    }

    private let lock = NSLock()
    private var transfers: [Int: Transfer] = [:]

    /// Starts `request` on `session` (whose delegate is this transport); `done` is called once.
    func start(_ request: URLRequest, on session: URLSession, maxBytes: Int, seconds: Double,
               done: @escaping @Sendable (TransferResult) -> Void) {
        let task = session.dataTask(with: request)
        let id = task.taskIdentifier
        lock.withLock { transfers[id] = Transfer(maxBytes: maxBytes, done: done) }
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds)) { [weak self, weak task] in
            guard let self, let task else { return }
            self.cut(task, .deadline)
        }
        task.resume()
    }

    /// Ends `task` for `reason`, unless it has already ended.
    private func cut(_ task: URLSessionTask, _ reason: TransferCut) {
        let live = lock.withLock { () -> Bool in
            guard let t = transfers[task.taskIdentifier] else { return false }
            if t.cut == nil { t.cut = reason }
            return true
        }
        if live { task.cancel() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let tooLarge = lock.withLock { () -> Bool in
            guard let t = transfers[dataTask.taskIdentifier] else { return false }
            t.response = response as? HTTPURLResponse
            guard response.expectedContentLength > Int64(t.maxBytes) else { return false }
            if t.cut == nil { t.cut = .tooLarge }
            return true
        }
        completionHandler(tooLarge ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let tooLarge = lock.withLock { () -> Bool in
            guard let t = transfers[dataTask.taskIdentifier], t.cut == nil else { return false }
            guard t.body.count + data.count <= t.maxBytes else {
                t.cut = .tooLarge
                t.body = Data()
                return true
            }
            t.body.append(data)
            return false
        }
        if tooLarge { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        let origin = request.url.map(Self.origin) ?? "an unknown place"
        lock.withLock {
            if let t = transfers[task.taskIdentifier], t.cut == nil { t.cut = .redirect(status: response.statusCode, origin: origin) }
        }
        completionHandler(nil)  // not followed: the redirect response itself ends the attempt
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let t = lock.withLock({ transfers.removeValue(forKey: task.taskIdentifier) }) else { return }
        let response = t.response ?? task.response as? HTTPURLResponse
        t.done(TransferResult(body: t.cut == .tooLarge ? Data() : t.body, response: response, error: error, cut: t.cut))
    }

    /// `scheme://host[:port]` of `url`: where a request would go, without its path or query.
    static func origin(_ url: URL) -> String {
        var c = URLComponents()
        c.scheme = url.scheme
        c.host = url.host
        c.port = url.port
        return c.string ?? "?"
    }
}
