import AgoraEngine

/// Something that watches a run tick by tick from the thread that drives it: the live monitor
/// (`agora run --monitor`). It sees the simulation between ticks, when nothing else touches it,
/// and may hold the run before a tick (a paused run waits in `willStep`). Watching reads and
/// waits, and changes nothing a tick computes: a watched run's digest is an unwatched one's.
public protocol RunObserver: AnyObject {
    /// The run has its id and directory (before its first tick).
    func runStarted(id: String, directory: String)
    /// Before tick `tick` runs. May block until the run is to go on.
    func willStep(_ tick: Int, sim: any SimulationRunner)
    /// After a tick, with its result and the seconds the run has taken so far.
    func didStep(_ result: TickResult, sim: any SimulationRunner, elapsed: Double)
    /// Seconds the observer has held the run so far: a run's timings leave them out.
    var heldSeconds: Double { get }
    /// The run's ticks are done (the log and the manifest are written next).
    func finished(sim: any SimulationRunner, elapsed: Double)
}

extension RunObserver {
    public func runStarted(id: String, directory: String) {}
}
