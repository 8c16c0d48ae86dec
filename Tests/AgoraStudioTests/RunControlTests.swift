import AgoraCore
import AgoraRuntime
import AgoraScenario
@testable import AgoraStudio
import Foundation
import Testing

let scenariosFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scenarios").path
func temporaryRunDirectory() -> String { NSTemporaryDirectory() + "agora-studio-\(UUID().uuidString)" }

/// market.yaml with a few thousand traders, news at tick 30.
func smallMarket(ticks: Int) throws -> [Override] {
    try ["agents[0].count=3000", "agents[1].count=1000", "agents[2].count=800", "agents[3].count=300", "agents[4].count=8",
         "agents[0].params.activity=0.05", "agents[1].params.activity=0.05", "ticks=\(ticks)",
         "exchange.fundamental.news[0].tick=30"].map { text throws(ScenarioErrors) in try Override.parse(text) }
}

/// Waits (up to a minute, for a loaded machine) until `condition` holds; false if it never did.
func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<6_000 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// Pause, step and resume hold a run between ticks and nowhere else.
@Suite struct RunControlTests {
    @Test func aPausedRunTakesExactlyTheTicksItIsSteppedAndGoesOnWhenResumed() throws {
        let control = RunControl(startPaused: true)
        let ticks = Counter()
        let runner = Thread {
            for _ in 0..<20 {
                control.proceed {}
                ticks.add()
            }
            ticks.finish()
        }
        runner.start()
        usleep(50_000)
        #expect(ticks.value == 0, "a run started paused takes no tick")
        #expect(control.state == .paused)
        control.step(3)
        #expect(eventually { ticks.value == 3 })
        usleep(50_000)
        #expect(ticks.value == 3, "a step of 3 lets exactly 3 ticks through")
        #expect(control.state == .paused)
        control.step(2)
        #expect(eventually { ticks.value == 5 })
        control.resume()
        #expect(eventually { ticks.isFinished })
        #expect(ticks.value == 20)
        #expect(control.heldSeconds > 0)
    }

    @Test func finishingReleasesARunThatWaits() {
        let control = RunControl(startPaused: true)
        let ticks = Counter()
        let runner = Thread {
            control.proceed {}
            ticks.finish()
        }
        runner.start()
        control.finish()
        #expect(eventually { ticks.isFinished })
        #expect(control.state == .finished)
    }

    @Test func aHeldRunTellsThePageOnEveryCommandThatLeavesItHeld() {
        let control = RunControl(startPaused: true)
        let told = Counter(), ticks = Counter()
        let runner = Thread {
            control.proceed { told.add() }
            ticks.finish()
        }
        runner.start()
        #expect(eventually { told.value == 1 })
        control.pause()
        #expect(eventually { told.value == 2 }, "a second pause leaves it held, and the page hears so")
        control.step(1)
        #expect(eventually { ticks.isFinished })
    }

    /// A run paused, stepped and resumed from another thread — as the page does — ends with the
    /// digest of the same run left alone, and its timing leaves out the time it was held.
    @Test func pausingAndSteppingNeverChangeTheDigest() throws {
        let load = { try World.assemble(try ScenarioLoader.load(path: scenariosFolder + "/market.yaml", overrides: smallMarket(ticks: 60))) }
        let alone = try RunSession.run(try load(), out: temporaryRunDirectory(), threads: 2)
        let world = try load()
        let monitor = LiveMonitor(about: JSONLine(), metricNames: world.model.metricNames, ticks: 60, depth: 5,
                                  control: RunControl(startPaused: true))
        let page = monitor.hub.connect()
        let driver = Thread {
            monitor.control.step(7)
            _ = eventually { monitor.status().contains("\"tick\": 7,") }
            monitor.control.step(1)
            _ = eventually { monitor.status().contains("\"tick\": 8,") }
            monitor.control.resume()
        }
        driver.start()
        let watched = try RunSession.run(world, out: temporaryRunDirectory(), threads: 3, observer: monitor)
        #expect(watched.simulation.digest == alone.simulation.digest)
        #expect(monitor.framesPublished >= 3, "a frame when held at 0, at 7 and at 8, and at the end")
        #expect(monitor.control.state == .finished)
        monitor.hub.disconnect(page.id)
    }
}

/// A count shared between a test and the thread it watches.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0, done = false
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    var isFinished: Bool { lock.lock(); defer { lock.unlock() }; return done }
    func add() { lock.lock(); n += 1; lock.unlock() }
    func finish() { lock.lock(); done = true; lock.unlock() }
}
