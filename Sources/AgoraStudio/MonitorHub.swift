import FlyingFox
import Foundation

/// The live monitor's fan-out: every connected page gets each frame the run publishes, through a
/// buffer of its own that holds at most `capacity` frames. Publishing never waits: a page that
/// reads slowly, or has gone, loses its oldest frames, and the hub counts them per page (the page
/// shows the count). The run's thread publishes; the server's tasks add and remove pages.
public final class MonitorHub: @unchecked Sendable {
    /// Frames a page's buffer holds before the oldest go.
    public let capacity: Int
    private let lock = NSLock()
    private var clients: [Int: Client] = [:]
    private var nextID = 0
    private var welcome: @Sendable () -> String = { "{}" }
    private var totalDropped = 0
    /// The last frame published, which a page that connects later gets after the welcome.
    private var latest: String?

    struct Client {
        var output: AsyncStream<WSFrame>.Continuation
        var dropped = 0
    }

    public init(capacity: Int = 32) {
        precondition(capacity >= 2, "a page's buffer holds at least two frames")
        self.capacity = capacity
    }

    /// How many pages are connected.
    public var clientCount: Int {
        lock.lock(); defer { lock.unlock() }
        return clients.count
    }

    /// Frames dropped so far, over every page that has connected.
    public var droppedFrames: Int {
        lock.lock(); defer { lock.unlock() }
        return totalDropped + clients.values.reduce(0) { $0 + $1.dropped }
    }

    /// What a page gets first when it connects (the run's description and its history so far).
    public func setWelcome(_ make: @escaping @Sendable () -> String) {
        lock.lock(); defer { lock.unlock() }
        welcome = make
    }

    /// Adds a page: returns its id and the stream of frames to send it, which starts with the welcome.
    public func connect() -> (id: Int, frames: AsyncStream<WSFrame>) {
        let (stream, output) = AsyncStream<WSFrame>.makeStream(bufferingPolicy: .bufferingNewest(capacity))
        // Under the lock, so that no frame overtakes the welcome. (Locks are taken hub → monitor →
        // control, never the other way.)
        lock.lock()
        let id = nextID
        nextID += 1
        output.yield(Self.text(welcome()))
        if let latest { output.yield(Self.text("{\"dropped\": 0, " + latest)) }
        clients[id] = Client(output: output)
        lock.unlock()
        output.onTermination = { [weak self] _ in self?.disconnect(id) }
        return (id, stream)
    }

    /// Sends every page a new welcome (what it describes has changed).
    public func welcomeAgain() {
        lock.lock(); defer { lock.unlock() }
        let hello = Self.text(welcome())
        for (id, client) in clients {
            if case .dropped = client.output.yield(hello) { clients[id]!.dropped += 1 }
        }
    }

    /// Sends a control frame (a pong, a close) to one page, through its buffer.
    public func send(_ frame: WSFrame, to id: Int) {
        lock.lock(); defer { lock.unlock() }
        if case .dropped = clients[id]?.output.yield(frame) { clients[id]?.dropped += 1 }
    }

    /// Removes a page and ends its stream.
    public func disconnect(_ id: Int) {
        lock.lock()
        let gone = clients.removeValue(forKey: id)
        if let gone { totalDropped += gone.dropped }
        lock.unlock()
        gone?.output.finish()
    }

    /// Sends a frame to every page: `body` is a JSON object's members after the first brace,
    /// and each page's copy starts with that page's own count of dropped frames.
    public func publish(_ body: String) {
        lock.lock(); defer { lock.unlock() }
        latest = body
        for (id, client) in clients {
            let frame = Self.text("{\"dropped\": \(client.dropped), " + body)
            if case .dropped = client.output.yield(frame) { clients[id]!.dropped += 1 }
        }
    }

    /// Ends every page's stream (the run is over).
    public func closeAll() {
        lock.lock()
        let all = clients
        for (_, c) in all { totalDropped += c.dropped }
        clients.removeAll()
        lock.unlock()
        for (_, c) in all {
            c.output.yield(.close(message: ""))
            c.output.finish()
        }
    }

    static func text(_ s: String) -> WSFrame {
        WSFrame(fin: true, opcode: .text, mask: nil, payload: Data(s.utf8))
    }
}
