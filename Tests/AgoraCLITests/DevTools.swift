import Foundation

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: the
/// browser reads commands on its fd 3 and answers on fd 4, each message JSON ended by a NUL), so
/// a test drives a real page — loads it, reads it, clicks it, takes its picture — with no
/// WebSocket client and no port of the browser's own.
final class DevTools {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let pid: pid_t
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1
    private let profile: String
    /// The page's session, once `open` has attached to it.
    private var session: String?

    init(browser: String) throws {
        profile = NSTemporaryDirectory() + "agora-chromium-\(UUID().uuidString)"
        var commands: [Int32] = [0, 0], answers: [Int32] = [0, 0]
        guard pipe(&commands) == 0, pipe(&answers) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, commands[0], 3)
        posix_spawn_file_actions_adddup2(&actions, answers[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
                         "--user-data-dir=\(profile)", "--window-size=1400,1800", "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, browser, &actions, nil, &argv, environ)
        close(commands[0])
        close(answers[1])
        guard spawned == 0 else { throw Failure(description: "\(browser) did not start: \(String(cString: strerror(spawned)))") }
        pid = child
        toBrowser = commands[1]
        fromBrowser = answers[0]
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(toBrowser)
        close(fromBrowser)
        try? FileManager.default.removeItem(atPath: profile)
    }

    /// Sends one command (to the page's session unless `browserWide`) and returns its result,
    /// skipping the events that come meanwhile.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], browserWide: Bool = false) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if !browserWide, let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "the browser stopped reading its commands") }
            sent += n
        }
        while true {
            let reply = try readMessage()
            guard reply["id"] as? Int == id else { continue }
            if let error = reply["error"] as? [String: Any] { throw Failure(description: "\(method): \(error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    /// Opens `url` in a new tab and attaches to it.
    func open(_ url: String) throws {
        let target = try call("Target.createTarget", ["url": url], browserWide: true)
        let id = try require2(target["targetId"] as? String, "Target.createTarget gave no targetId")
        let attached = try call("Target.attachToTarget", ["targetId": id, "flatten": true], browserWide: true)
        session = try require2(attached["sessionId"] as? String, "Target.attachToTarget gave no sessionId")
    }

    /// The value of a JavaScript expression in the page (JSON-serialisable); `userGesture`: run as
    /// if the user had clicked (what a download or a pop-up needs).
    func evaluate(_ expression: String, userGesture: Bool = false) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "userGesture": userGesture])
        if let thrown = result["exceptionDetails"] { throw Failure(description: "\(expression): \(thrown)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// The page's `document.body.dataset`, as strings.
    func dataset() throws -> [String: String] {
        try evaluate("Object.assign({}, document.body ? document.body.dataset : {})") as? [String: String] ?? [:]
    }

    /// Waits (a minute at most, for a loaded machine) until `condition` holds of the page's dataset.
    func waitFor(_ what: String, _ condition: ([String: String]) -> Bool) throws -> [String: String] {
        for _ in 0..<600 {
            let d = try dataset()
            if condition(d) { return d }
            usleep(100_000)
        }
        throw Failure(description: "the page never showed \(what): \(try dataset())")
    }

    /// A PNG of the page as it is.
    func screenshot() throws -> Data {
        let shot = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        return try require2((shot["data"] as? String).flatMap { Data(base64Encoded: $0) }, "no screenshot data")
    }

    private func readMessage() throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let body = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                return try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
            }
            var ready = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 60_000) > 0 else { throw Failure(description: "the browser did not answer within a minute") }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = read(fromBrowser, &chunk, chunk.count)
            guard n > 0 else { throw Failure(description: "the browser closed its pipe") }
            buffer += chunk[..<n]
        }
    }
}

/// `value`, or a failure saying what was missing.
func require2<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw DevTools.Failure(description: what) }
    return value
}
