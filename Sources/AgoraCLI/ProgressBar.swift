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
        let line = "\r  \(bar) tick \(ticksDone)/\(total)  " + String(format: "%.1f", rate) + " ticks/s  \(humanRate(steps)) agent-steps/s  ETA "
            + formatDuration(eta) + "  "
        FileHandleOutput.write(line, fd: 2)
    }

    func finish() {
        FileHandleOutput.write("\r" + String(repeating: " ", count: 100) + "\r", fd: 2)
    }
}

/// Where no progress bar is drawn (standard error is not a terminal), one line once a run has
/// gone for a second, when at that pace it has more than a minute left: "agora: tick 57 of
/// 1000000000 after 1.0 s; at this pace it ends in 3.1 years". A tick count far too large for the
/// machine is not an error, but the user should not have to wait to find out.
final class LongRunNotice {
    let total: Int
    private var told = false

    init(total: Int) { self.total = total }

    func update(ticksDone: Int, elapsed: Double) {
        guard !told, elapsed >= 1, ticksDone > 0, ticksDone < total else { return }
        told = true
        let left = Double(total - ticksDone) * elapsed / Double(ticksDone)
        guard left >= 60 else { return }
        FileHandleOutput.write("agora: tick \(ticksDone) of \(total) after \(String(format: "%.1f", elapsed)) s; at this pace it ends in "
                                   + formatDuration(left) + "\n", fd: 2)
    }
}

func formatDuration(_ s: Double) -> String {
    if !s.isFinite { return "never" }
    if s >= 365.25 * 86_400 { return String(format: "%.1f years", s / (365.25 * 86_400)) }
    if s >= 2 * 86_400 { return String(format: "%.1f days", s / 86_400) }
    if s >= 3600 { return String(format: "%dh%02dm", Int(s) / 3600, (Int(s) % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
    return String(format: "%.0fs", s)
}
