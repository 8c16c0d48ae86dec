import Foundation
import Testing

/// An absurd but valid tick count (close to Int.max) is not an error, but the run says at once how long it would take.
@Suite struct LongRunTests {
    @Test func aRunOfAbsurdlyManyTicksSaysWhenItWouldEnd() throws {
        let dir = try temporaryDirectory()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agoraBinary)
        p.arguments = ["run", "scenarios/boltzmann.yaml", "--set", "agents[0].count=20000", "--ticks", "9000000000000000000", "--out", dir + "/run"]
        p.currentDirectoryURL = repositoryRoot
        p.environment = testEnvironment(catalog: dir + "/catalog.sqlite")
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Standard error is a pipe, not a terminal: no bar, but one line once the run has gone a second.
        let box = ErrorBytes()
        let reader = Thread {
            var seen = Data()
            while let chunk = try? err.fileHandleForReading.read(upToCount: 1), !chunk.isEmpty {
                seen += chunk
                if chunk == Data("\n".utf8) { break }
            }
            box.set(seen)
        }
        reader.start()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline && !reader.isFinished { Thread.sleep(forTimeInterval: 0.05) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let text = String(decoding: box.wait(), as: UTF8.self)
        #expect(text.hasPrefix("agora: tick "), "\(text)")
        #expect(text.contains(" of 9000000000000000000 after ") && text.contains("; at this pace it ends in ") && text.contains(" years"), "\(text)")
    }
}
