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
        #expect(market.compactMap { $0["name"] as? String } == ["zero_intelligence", "noise", "fundamentalist", "momentum", "market_maker"])
        let momentum = try #require(market[3]["parameters"] as? [[String: Any]])
        #expect(momentum.first { $0["name"] as? String == "threshold_bps" }?["default"] as? Int == 30, "momentum's own default")
        let share = try #require(momentum.first { $0["name"] as? String == "share_probability" })
        #expect(share["only_with"] as? String == "network" && share["default"] as? Double == 0.5)
    }
}
