@testable import AgoraCLI
import ArgumentParser
import Testing

@Suite struct HelpTextTests {
    static let commands: [(String, any ParsableCommand.Type)] = [
        ("agora", AgoraCommand.self),
        ("run", AgoraCommand.Run.self),
        ("validate", AgoraCommand.Validate.self),
        ("models", AgoraCommand.Models.self),
        ("bench", AgoraCommand.Bench.self),
        ("exchange", AgoraCommand.Exchange.self),
        ("exchange-replay", AgoraCommand.Exchange.Replay.self),
        ("replay", AgoraCommand.Replay.self),
        ("log-check", AgoraCommand.Log.Check.self),
        ("runs-list", AgoraCommand.Runs.List.self),
        ("graph-generate", AgoraCommand.Graph.Generate.self),
    ]

    @Test(arguments: commands.map(\.0))
    func helpIsPinned(name: String) throws {
        let type = Self.commands.first { $0.0 == name }!.1
        let text = AgoraCommand.helpMessage(for: type, columns: 100)
        #expect(try matchesGolden(text, "help-\(name).txt"), "help of \(name) changed; rerun with AGORA_UPDATE_GOLDEN=1 and review")
    }

    @Test func modelsListingIsPinned() throws {
        #expect(try matchesGolden(ModelsListing.text(), "models.txt"))
    }
}
