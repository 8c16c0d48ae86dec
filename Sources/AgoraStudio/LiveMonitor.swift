import AgoraCore
import AgoraEngine
import AgoraRuntime
import Foundation

/// Watches a run for the live page (`agora run --monitor`): keeps every tick's metrics (thinned
/// evenly once there are many), and at most once a second (`interval`) — and on every tick while
/// the run is paused or stepped — publishes a frame: progress, the metrics since the last frame, and
/// the model's live view. With no page connected it only keeps the metrics. Everything it reads
/// it reads between ticks on the run's thread; it changes nothing.
public final class LiveMonitor: RunObserver, @unchecked Sendable {
    public let hub: MonitorHub
    public let control: RunControl
    /// The shortest time between two frames of a running run, in seconds.
    public let interval: Double
    private let describe: JSONLine
    private var metricNames: [String]?
    private let ticks: Int
    private let depth: Int
    private let lock = NSLock()
    /// The metrics of the ticks kept so far: (tick, values); every `stride`-th tick once thinned.
    private var history: [(tick: Int, values: [Double])] = []
    private var stride = 1
    private var pending: [(tick: Int, values: [Double])] = []
    private var lastFrame: UInt64 = 0
    private var done = 0
    /// The tick the run started from (a resumed run's is its checkpoint's): the rate counts from it.
    private var firstTick: Int?
    private var elapsed = 0.0
    private var frames = 0
    /// The most ticks the welcome's history holds before it is thinned.
    static let historyLimit = 4_096

    /// - Parameters:
    ///   - about: what the page shows of the run in its heading (scenario, model, run id, agents…).
    ///   - metricNames: the model's metrics, in the order of its rows (nil: the simulation's, read
    ///     before its first tick — for a resumed run, whose world is built after the monitor starts).
    ///   - depth: book levels a side on the ladder.
    ///   - interval: the shortest time between two frames of a running run, in seconds: a page
    ///     shares its machine with the run, and a frame carries every tick since the last anyway.
    public init(about: JSONLine, metricNames: [String]?, ticks: Int, depth: Int, hub: MonitorHub = MonitorHub(),
                control: RunControl = RunControl(), interval: Double = 1.0) {
        describe = about
        self.metricNames = metricNames
        self.ticks = ticks
        self.depth = depth
        self.hub = hub
        self.control = control
        self.interval = interval
        hub.setWelcome { [weak self] in self?.welcome() ?? "{}" }
    }

    /// Where the page is served (no token), which a running run writes to `monitor.json` in its
    /// directory for the studio's list of running runs, and removes when it ends.
    public var pageAddress: String? {
        get { lock.lock(); defer { lock.unlock() }; return address }
        set { lock.lock(); address = newValue; lock.unlock() }
    }
    private var address: String?
    private var announcement: String?

    /// The file in a run's directory that says where its live page is.
    public static let announcementFile = "monitor.json"

    public func runStarted(id: String, directory: String) {
        guard let address = pageAddress else { return }
        let path = (directory as NSString).appendingPathComponent(Self.announcementFile)
        var j = JSONLine()
        j.set("run_id", id)
        j.set("url", address)
        j.set("pid", Int(ProcessInfo.processInfo.processIdentifier))
        if (try? Data((j.text + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)) != nil {
            lock.lock(); announcement = path; lock.unlock()
        }
    }

    /// Frames published so far.
    public var framesPublished: Int {
        lock.lock(); defer { lock.unlock() }
        return frames
    }

    public var heldSeconds: Double { control.heldSeconds }

    public func willStep(_ tick: Int, sim: any SimulationRunner) {
        lock.lock()
        let adopt = metricNames == nil
        if adopt { metricNames = sim.metricNames }
        lock.unlock()
        // Pages that connected before the names were known start again from a new welcome.
        if adopt { hub.welcomeAgain() }
        control.proceed { publish(sim: sim) }
    }

    public func didStep(_ result: TickResult, sim: any SimulationRunner, elapsed: Double) {
        let due = record(tick: result.tick, metrics: result.metrics, elapsed: elapsed)
        guard hub.clientCount > 0 else {
            // Nobody to send them to: a page that connects later starts from the history.
            lock.lock()
            pending.removeAll(keepingCapacity: true)
            lock.unlock()
            return
        }
        if due { publish(sim: sim) }
    }

    /// Keeps a tick's metrics; true when a frame is due (the interval has passed, or the run is
    /// held or stepped).
    func record(tick: Int, metrics: [Double], elapsed: Double = 0) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if firstTick == nil { firstTick = tick }
        done = tick + 1
        self.elapsed = elapsed
        pending.append((tick, metrics))
        if tick % stride == 0 {
            history.append((tick, metrics))
            if history.count > Self.historyLimit {
                stride *= 2
                history = history.filter { $0.tick % stride == 0 }
            }
        }
        let now = DispatchTime.now().uptimeNanoseconds
        return now - lastFrame >= UInt64(interval * 1e9) || control.state != .running
    }

    /// Ticks kept for the next frame.
    var pendingRows: Int {
        lock.lock(); defer { lock.unlock() }
        return pending.count
    }

    public func finished(sim: any SimulationRunner, elapsed: Double) {
        control.finish()
        publish(sim: sim, digest: sim.digest.hex)
    }

    /// Ends the pages' connections (after the run's last frame).
    public func close() {
        hub.closeAll()
        lock.lock()
        let path = announcement
        announcement = nil
        lock.unlock()
        if let path { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Publishes a frame now: progress, the metrics since the last frame and the model's view.
    func publish(sim: any SimulationRunner, digest: String? = nil) {
        let view = hub.clientCount > 0 ? sim.liveView(depth: depth) : nil
        lock.lock()
        let rows = pending
        pending.removeAll(keepingCapacity: true)
        lastFrame = DispatchTime.now().uptimeNanoseconds
        frames += 1
        var f = JSONLine()
        f.set("type", "frame")
        f.set("state", control.state.rawValue)
        f.set("tick", done)
        f.set("ticks", ticks)
        f.set("elapsed_s", elapsed)
        let rate = elapsed > 0 ? Double(done - (firstTick ?? 0)) / elapsed : 0
        f.set("ticks_per_s", rate)
        f.set("eta_s", rate > 0 ? .number(Double(ticks - done) / rate) : .null)
        f.set("rows", MonitorJSON.rows(rows))
        if let digest { f.set("digest", digest) }
        lock.unlock()
        if let view { f.set("live", MonitorJSON.live(view)) }
        hub.publish(String(f.text.dropFirst()))
    }

    /// The monitor's state as one JSON object, for scripts (`GET /status`).
    public func status() -> String {
        var s = JSONLine()
        lock.lock()
        s.set("state", control.state.rawValue)
        s.set("tick", done)
        s.set("ticks", ticks)
        s.set("frames", frames)
        lock.unlock()
        s.set("pages", hub.clientCount)
        s.set("dropped_frames", hub.droppedFrames)
        return s.text + "\n"
    }

    /// The first frame a page gets: the run's description, the metrics' names and their history.
    func welcome() -> String {
        lock.lock(); defer { lock.unlock() }
        var w = JSONLine()
        w.set("type", "welcome")
        w.set("run", describe)
        w.set("metrics", .list((metricNames ?? []).map { .text($0) }))
        w.set("ticks", ticks)
        w.set("state", control.state.rawValue)
        w.set("history", MonitorJSON.rows(history))
        return w.text
    }
}
