@testable import AgoraScenario
import Foundation
import Testing

/// Scenario and sweep files that would exhaust memory are refused up front, by position.
@Suite struct BoundsTests {
    /// Nine levels of ten aliases each: 10^9 values from a few hundred bytes.
    static func aliasBomb(indent: String) -> String {
        var lines = [indent + "l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in 1...9 { lines.append(indent + "l\(i): &l\(i) [" + Array(repeating: "*l\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        return lines.joined(separator: "\n")
    }

    static func write(_ text: String, _ name: String) throws -> String {
        let folder = NSTemporaryDirectory() + "agora-bounds-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: scenariosFolder + "/sir-network.yaml", toPath: folder + "/sir-network.yaml")
        try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        return folder + "/" + name
    }

    static let sweepHead = """
        name: bomb
        base: sir-network.yaml
        parameters:
          agents[0].params.transmission: [0.01, 0.02]

        """

    @Test func anAliasBombInASweepsSetIsRefusedAtTheTop() throws {
        let path = try Self.write(Self.sweepHead + "set:\n  description:\n" + Self.aliasBomb(indent: "    ") + "\n", "bomb.yaml")
        #expect {
            try SweepLoader.load(path: path)
        } throws: { error in
            "\(error)".contains("bomb.yaml:1:1: the sweep file expands to more than \(NodeBudget.defaultLimit) values")
        }
    }

    @Test func anAliasBombInAScenarioOrAnOverrideIsRefused() throws {
        #expect {
            try ScenarioLoader.parse("name: x\nmodel: sir\nbomb:\n" + Self.aliasBomb(indent: "  ") + "\n", path: "s.yaml")
        } throws: { "\($0)".contains("s.yaml:1:1: the scenario expands to more than") }
        let bomb = "{" + Self.aliasBomb(indent: "").split(separator: "\n").joined(separator: ", ") + "}"
        #expect {
            try ScenarioLoader.load(path: scenariosFolder + "/sir-network.yaml", overrides: [try Override.parse("description=\(bomb)")])
        } throws: { "\($0)".contains("the value expands to more than") }
        // A document just within the limit is measured, not refused.
        #expect(NodeBudget.fits(.sequence(.init(Array(repeating: "x", count: NodeBudget.defaultLimit - 1)))))
        #expect(!NodeBudget.fits(.sequence(.init(Array(repeating: "x", count: NodeBudget.defaultLimit)))))
    }

    @Test func aHugeDesignIsRefusedBeforeAnyPointIsMadeUnlessAllowed() throws {
        let grid = Self.sweepHead.replacingOccurrences(of: "[0.01, 0.02]", with: "{min: 0.01, max: 0.1, steps: 10000}")
            + "  agents[0].params.recovery: {min: 0.1, max: 0.5, steps: 10000}\nreplicates: 2\n"
        let path = try Self.write(grid, "grid.yaml")
        #expect {
            try SweepLoader.load(path: path)
        } throws: { error in
            "\(error)".contains("grid.yaml:4:3: parameters: the sweep makes 200000000 runs (10000 × 10000 points, 2 replicates); at most 100000")
        }
        // A design within a raised limit is read, and its large validation reports progress.
        let wide = Self.sweepHead.replacingOccurrences(of: "[0.01, 0.02]", with: "{min: 0.01, max: 0.1, steps: 2500}")
        var reports: [Int] = []
        let spec = try SweepLoader.load(path: try Self.write(wide, "wide.yaml"), maxRuns: 2_500) { done, total in
            #expect(total == 2_500)
            reports.append(done)
        }
        #expect(spec.runCount == 2_500 && reports == [0, 500, 1_000, 1_500, 2_000])
        #expect { try SweepLoader.load(path: try Self.write(wide, "wide.yaml"), maxRuns: 2_499) } throws: { "\($0)".contains("2500 runs") }
    }
}

/// Small things a scenario must not get wrong quietly.
@Suite struct InputDetailTests {
    static let head = "model: sir\nticks: 5\nagents:\n  - kind: person\n"

    @Test func anUnquotedNullIsNoName() throws {
        #expect { try ScenarioLoader.parse("name: null\n" + Self.head + "network: {generator: ba, nodes: 100, m: 2}\n", path: "s.yaml") } throws: {
            "\($0)".contains("s.yaml:1:7: name: expected text, got null (quote it")
        }
        let quoted = try ScenarioLoader.parse("name: \"null\"\n" + Self.head + "network: {generator: ba, nodes: 100, m: 2}\n", path: "s.yaml")
        #expect(quoted.name == "null")
    }

    @Test func erdosRenyiTakesPOrAMeanDegreeNotBoth() throws {
        #expect {
            try ScenarioLoader.parse("name: x\n" + Self.head + "network: {generator: er, nodes: 100, p: 0.1, mean_degree: 4}\n", path: "s.yaml")
        } throws: { "\($0)".contains("network.mean_degree: give p or mean_degree, not both") }
        _ = try ScenarioLoader.parse("name: x\n" + Self.head + "network: {generator: er, nodes: 100, mean_degree: 4}\n", path: "s.yaml")
    }
}
