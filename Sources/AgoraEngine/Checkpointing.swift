import AgoraCore

/// A model whose state can be saved between ticks and loaded into a freshly built model of the
/// same scenario, so that a killed run resumes to the same digest.
///
/// Save only what the scenario does not rebuild: counter-based randomness has no state to keep,
/// and networks and parameters come back from the scenario. `loadState` runs before the first
/// tick after `prepare(layout:)`, possibly with a different shard count than the saved run had.
public protocol CheckpointableModel: Model {
    func saveState(to writer: inout StateWriter)
    func loadState(from reader: inout StateReader) throws(StateReader.Failure)
}

extension Simulation {
    /// The engine's own state between ticks: the next tick, the digest and the message count.
    public func saveEngineState(to w: inout StateWriter) {
        w.write(tick)
        w.write(digest.hi)
        w.write(digest.lo)
        w.write(messageCount)
    }

    public func loadEngineState(from r: inout StateReader) throws(StateReader.Failure) {
        tick = try r.int()
        digest = RunDigest(hi: try r.uint64(), lo: try r.uint64())
        messageCount = try r.int()
    }
}
