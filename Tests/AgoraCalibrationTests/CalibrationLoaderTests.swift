@testable import AgoraCalibration
import AgoraScenario
import Foundation
import Testing

/// Calibration files: what they say, and what is wrong with a bad one, with its line and column.
@Suite struct CalibrationLoaderTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scenarios").path

    static func write(_ text: String) throws -> String {
        let dir = NSTemporaryDirectory() + "agora-calibration-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/c.yaml"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func file(parameters: String = "  agents[2].params.predisposition: {min: -1, max: 1}",
                     moments: String = "  mean.switching.chartists: 0.1", extra: String = "budget: 20") -> String {
        """
        name: test
        base: \(scenarios)/stylized-facts.yaml
        set:
          network.nodes: 2000
          agents[2].count: 1000
        parameters:
        \(parameters)
        moments:
        \(moments)
        seeds: [1, 2]
        \(extra)

        """
    }

    static func issues(_ text: String) throws -> [String] {
        let path = try write(text)
        do { _ = try CalibrationLoader.load(path: path) } catch { return error.issues.map { "\($0)".replacingOccurrences(of: path, with: "c.yaml") } }
        return []
    }

    @Test func theShippedRecoveryCalibrationReads() throws {
        let spec = try CalibrationLoader.load(path: Self.scenarios + "/calibrations/recover-switching.yaml")
        #expect(spec.parameters.map(\.path) == ["agents[2].params.predisposition", "agents[0].params.activity"])
        #expect(spec.parameters.allSatisfy { !$0.integer }, "ranges are of numbers unless they say integer")
        #expect(spec.moments.map(\.name) == ["mean.switching.chartists", "summary.orders"] && spec.moments.map(\.target) == [0.0818, 46012])
        #expect(spec.seeds == [1] && spec.budget == 40 && spec.optimizer == .nelderMead)
        #expect(spec.basePath.hasSuffix("calibrations/../stylized-facts.yaml"))
        #expect(spec.overrides(values: ["0.4", "0.05"], seed: 3).suffix(3) == ["agents[2].params.predisposition=0.4", "agents[0].params.activity=0.05", "seed=3"])
    }

    @Test func anUnknownParameterPathIsNamedWhereItIs() throws {
        let found = try Self.issues(Self.file(parameters: "  agents[2].params.predisposion: {min: -1, max: 1}"))
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("c.yaml:7:3: parameters.agents[2].params.predisposion: at agents[2].params.predisposion=-1.0:") == true,
                "\(found)")
        #expect(found.first?.contains("did you mean 'predisposition'") == true, "\(found)")
    }

    @Test func emptyRangesBudgetsAndMomentsAreRefused() throws {
        #expect(try Self.issues(Self.file(parameters: "  agents[2].params.predisposition: {min: 1, max: 1}"))
                == ["c.yaml:7:36: parameters.agents[2].params.predisposition: the range 1.0 … 1.0 is empty; min must be below max"])
        #expect(try Self.issues(Self.file(extra: "budget: 0")) == ["c.yaml:11:9: budget: expected a number of runs ≥ 1, got 0"])
        #expect(try Self.issues(Self.file(extra: "budget: 3")).first?.contains("3 runs cannot evaluate the first simplex: 2 candidates × 2 seeds") == true)
        #expect(try Self.issues(Self.file(moments: "  median.switching.chartists: 0.1")).first?
                    .hasPrefix("c.yaml:9:3: moments.median.switching.chartists: expected facts.<fact>, mean.<metric> or summary.<name>") == true)
        #expect(try Self.issues(Self.file(moments: "  facts.hill: {weight: 2}")).first?.contains("no target, and no prices file") == true)
        // A parameter the scenario takes as an integer must say so.
        let integer = try Self.issues(Self.file(parameters: "  agents[2].params.lookback_max: {min: 10, max: 100}"))
        #expect(integer.first?.contains("expected an integer") == true, "\(integer)")
        #expect(try Self.issues(Self.file(parameters: "  agents[2].params.lookback_max: {min: 10, max: 100, integer: true}")).isEmpty)
    }

    @Test func targetsFromABadPriceFileOrAnUnknownFactAreRefusedBeforeAnyRun() throws {
        let path = try Self.write(Self.file(moments: "  facts.kurtosis_1: {weight: 1}", extra: "budget: 20\nprices: real.csv"))
        let folder = (path as NSString).deletingLastPathComponent
        try Data("timestamp,price\n2024-03-01,10\n2024-03-02,-1\n".utf8).write(to: URL(fileURLWithPath: folder + "/real.csv"))
        let spec = try CalibrationLoader.load(path: path)
        let calibrator = Calibrator(spec: spec, catalogPath: folder + "/catalog.sqlite", binary: "/bin/false", jobs: 1)
        #expect(throws: Calibrator.Failure.self) { _ = try calibrator.targets() }
        do { _ = try calibrator.targets() } catch { #expect(error.description.hasSuffix("real.csv:3: price: -1 is not a positive price")) }
        let unknown = try Self.write(Self.file(moments: "  facts.kurtosis_7: 3"))
        let c2 = Calibrator(spec: try CalibrationLoader.load(path: unknown), catalogPath: folder + "/catalog.sqlite", binary: "/bin/false", jobs: 1)
        do { _ = try c2.targets(); Issue.record("an unknown fact is refused") } catch {
            #expect(error.description.contains(":9:3: moments.facts.kurtosis_7: no such fact"), "\(error)")
        }
    }

    @Test func theObjectiveWeighsScaledErrors() throws {
        let spec = try CalibrationLoader.load(path: try Self.write(Self.file(moments: """
          mean.switching.chartists: {target: 0.2, weight: 2}
          summary.orders: {target: 1000, scale: 10}
          summary.trades: 0
        """)))
        let c = Calibrator(spec: spec, catalogPath: "/nonexistent/catalog.sqlite", binary: "/bin/false", jobs: 1)
        // 2 × ((0.3 − 0.2) / 0.2)² + ((1010 − 1000) / 10)² + ((3 − 0) / 1)²
        #expect(abs(c.objective([0.3, 1010, 3], targets: [0.2, 1000, 0]) - (0.5 + 1 + 9)) < 1e-12)
        #expect(c.objective([.nan, 1000, 0], targets: [0.2, 1000, 0]) == .infinity)
    }
}
