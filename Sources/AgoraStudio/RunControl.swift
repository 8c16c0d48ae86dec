import Foundation

/// Pause, resume and step for a watched run. The run's thread asks `proceed` before each tick and
/// waits there while the run is paused; the page's commands come from the server's tasks. Holding
/// a run only delays its ticks, so the digest is the same whether or not it was paused.
public final class RunControl: @unchecked Sendable {
    /// What the run is doing, as the page shows it.
    public enum State: String, Sendable { case running, paused, finished }

    private let condition = NSCondition()
    private var paused: Bool
    /// Ticks a paused run may still take (`step`).
    private var allowance = 0
    private var done = false
    private var held = 0.0
    /// Bumped on every command, so a waiting run knows to tell the page.
    private var generation = 0

    public init(startPaused: Bool = false) {
        paused = startPaused
    }

    public func pause() { change { $0.paused = true; $0.allowance = 0 } }
    public func resume() { change { $0.paused = false; $0.allowance = 0 } }
    /// Lets a paused run take `ticks` more ticks, then hold again (a running run pauses after them).
    public func step(_ ticks: Int) { change { $0.paused = true; $0.allowance += max(0, ticks) } }
    /// The run has ended: nothing waits any more.
    public func finish() { change { $0.done = true; $0.paused = false } }

    public var state: State {
        condition.lock(); defer { condition.unlock() }
        return done ? .finished : paused && allowance == 0 ? .paused : .running
    }

    /// Seconds the run has spent held.
    public var heldSeconds: Double {
        condition.lock(); defer { condition.unlock() }
        return held
    }

    /// Called by the run before a tick: returns at once while running; while paused, calls
    /// `whileHeld` (to tell the page), then waits for resume or step — calling `whileHeld` again
    /// after each command that leaves it held.
    public func proceed(whileHeld: () -> Void) {
        condition.lock()
        guard paused, allowance == 0, !done else {
            if allowance > 0 { allowance -= 1 }
            condition.unlock()
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        while paused && allowance == 0 && !done {
            let seen = generation
            condition.unlock()
            whileHeld()
            condition.lock()
            while generation == seen && paused && allowance == 0 && !done { condition.wait() }
        }
        held += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if allowance > 0 { allowance -= 1 }
        condition.unlock()
    }

    private func change(_ body: (RunControl) -> Void) {
        condition.lock()
        body(self)
        generation += 1
        condition.broadcast()
        condition.unlock()
    }
}
