import Foundation
import Testing

/// `agora models --json`: every model, kind and parameter, machine-readable.
@Suite struct ModelsCommandTests {
    @Test func theJSONListingHoldsEveryModelKindAndParameterWithItsDefault() throws {
        let out = try agora(["models", "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let models = try #require(j["models"] as? [[String: Any]])
        #expect(models.compactMap { $0["name"] as? String } == ["boltzmann", "sir", "cascade", "opinion", "news", "market", "schelling"])
        let text = try agora(["models"]).stdout
        for m in models {
            for k in try #require(m["kinds"] as? [[String: Any]]) {
                for p in try #require(k["parameters"] as? [[String: Any]]) {
                    let name = try #require(p["name"] as? String)
                    #expect(text.contains("    \(name): "), "\(name) is in the text listing too")
                    #expect(p["optional"] as? Bool == true || !(p["default"] is NSNull), "\(m["name"] ?? "")/\(name) has a default")
                }
            }
        }
        let market = try #require(models.first { $0["name"] as? String == "market" }?["kinds"] as? [[String: Any]])
        #expect(market.compactMap { $0["name"] as? String } == ["zero_intelligence", "noise", "fundamentalist", "momentum", "market_maker", "switching", "patient"])
        let momentum = try #require(market[3]["parameters"] as? [[String: Any]])
        #expect(momentum.first { $0["name"] as? String == "threshold_bps" }?["default"] as? Int == 30, "momentum's own default")
        let share = try #require(momentum.first { $0["name"] as? String == "share_probability" })
        #expect(share["only_with"] as? String == "network" && share["default"] as? Double == 0.5)
    }
}

/// `agora new model`: what it writes, and what it refuses (building what it writes is
/// scripts/examples-tests.sh's part of `make test`).
@Suite struct NewModelCommandTests {
    @Test func itWritesAPackageAndRefusesBadNamesAndExistingFolders() throws {
        let dir = try temporaryDirectory() + "/my_fire"
        let out = try agora(["new", "model", "my_fire", "--dir", dir, "--agora", repositoryRoot.path])
        #expect(out.status == 0, "\(out.stderr)")
        for file in ["Package.swift", "Sources/MyFire/MyFireModel.swift", "Sources/my_fire-agora/main.swift", "scenarios/my_fire.yaml",
                     "Tests/MyFireTests/MyFireTests.swift", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file)")
        }
        let package = try String(contentsOfFile: dir + "/Package.swift", encoding: .utf8)
        #expect(package.contains("let agoraPath = \"\(repositoryRoot.standardizedFileURL.path)\"") && !package.contains("__"))
        let model = try String(contentsOfFile: dir + "/Sources/MyFire/MyFireModel.swift", encoding: .utf8)
        #expect(model.contains("public final class MyFireModel") && model.contains("name: \"my_fire\""))
        #expect(try agora(["new", "model", "my_fire", "--dir", dir]).status != 0, "an existing folder is left alone")
        let bad = try agora(["new", "model", "My-Fire", "--dir", dir + "2"])
        #expect(bad.status != 0 && bad.stderr.contains("is not a model name"))
        let nowhere = try agora(["new", "model", "x", "--dir", dir + "3", "--agora", dir + "/nothing"])
        #expect(nowhere.status == 2 && nowhere.stderr.contains("holds no Agora checkout"))
    }
}
