import FlyingFox
import FlyingSocks
import Foundation

/// A FlyingFox server started from synchronous code: its routes added, listening on an address
/// (port 0: one the system picks), stopped with a grace period. What the monitor and the studio
/// share.
final class Listener: @unchecked Sendable {
    let address: MonitorAddress
    private let server: HTTPServer
    private let task: Task<Void, Never>

    /// Adds the routes, starts listening and returns once the server listens (and `access` knows
    /// on which port), or throws why it cannot.
    init(at requested: MonitorAddress, option: String, access: Access, routes: @escaping @Sendable (HTTPServer) async -> Void) throws {
        let socketAddress: any SocketAddress
        do {
            socketAddress = requested.host.contains(":") ? try sockaddr_in6.inet6(ip6: requested.host, port: requested.port)
                : try sockaddr_in.inet(ip4: requested.host, port: requested.port)
        } catch {
            throw MonitorAddress.Failure(description: "\(option) \(requested): \(requested.host) is not an IP address of this machine")
        }
        let server = HTTPServer(address: socketAddress, timeout: 30, logger: .disabled)
        let started = Started()
        let ready = DispatchSemaphore(value: 0)
        Task {
            await routes(server)
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
            throw MonitorAddress.Failure(description: "\(option) \(requested): could not listen there"
                                         + (started.failure.map { " (\($0))" } ?? "") + "; is the port in use?")
        }
        var actual = requested
        switch bound {
        case .ip4(_, let port), .ip6(_, let port): actual.port = port
        case .unix: break
        }
        address = actual
        access.port = actual.port
        self.server = server
        self.task = task
    }

    /// The address to open (with the token, when there is one: the first visit sets the cookie).
    func url(token: String?) -> String {
        let host = address.host == "0.0.0.0" ? "127.0.0.1" : address.host
        return "http://\(MonitorAddress(host: host, port: address.port))/" + (token.map { "?token=\($0)" } ?? "")
    }

    /// Stops listening, giving the connections up to `seconds` to finish.
    func stop(within seconds: Double = 1) {
        let done = DispatchSemaphore(value: 0)
        let server = self.server
        Task {
            await server.stop(timeout: seconds)
            done.signal()
        }
        _ = done.wait(timeout: .now() + seconds + 1)
        task.cancel()
    }

    /// Where the server's start got to, handed from its tasks to the thread that waits.
    private final class Started: @unchecked Sendable {
        private let lock = NSLock()
        private var bound: Socket.Address?
        private var why: String?
        var address: Socket.Address? { lock.lock(); defer { lock.unlock() }; return bound }
        var failure: String? { lock.lock(); defer { lock.unlock() }; return why }
        func set(_ a: Socket.Address?) { lock.lock(); bound = a; lock.unlock() }
        func fail(_ f: String) { lock.lock(); why = f; lock.unlock() }
    }
}
