import Foundation

/// A one-line progress display on standard error: tick, ticks/s, agent-steps/s, ETA. Redrawn at
/// most ten times a second so that drawing never slows a fast run.
final class ProgressBar {
    let total: Int
    let agents: Int
    private var lastDraw = -1.0
    private let width = 24

    init(total: Int, agents: Int) {
        self.total = total
        self.agents = agents
    }

    func update(ticksDone: Int, elapsed: Double) {
        guard elapsed - lastDraw >= 0.1 || ticksDone == total else { return }
        lastDraw = elapsed
        let fraction = Double(ticksDone) / Double(max(total, 1))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let rate = elapsed > 0 ? Double(ticksDone) / elapsed : 0
        let eta = rate > 0 ? Double(total - ticksDone) / rate : 0
        let steps = rate * Double(agents)
        let line = String(format: "\r  %@ tick %d/%d  %.1f ticks/s  %@ agent-steps/s  ETA %@  ",
                          bar, ticksDone, total, rate, humanRate(steps), formatDuration(eta))
        FileHandleOutput.write(line, fd: 2)
    }

    func finish() {
        FileHandleOutput.write("\r" + String(repeating: " ", count: 100) + "\r", fd: 2)
    }
}

func formatDuration(_ s: Double) -> String {
    if s >= 3600 { return String(format: "%dh%02dm", Int(s) / 3600, (Int(s) % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
    return String(format: "%.0fs", s)
}
