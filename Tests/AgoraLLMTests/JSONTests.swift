@testable import AgoraLLM
import Testing

@Suite struct JSONTests {
    @Test func parsesAndRendersRoundTrip() throws {
        let text = #"{"b":[1,-2.5,true,false,null],"a":{"x":"é\n\"q\"","y":1e3},"u":"\ud83d\ude00 \u00e9"}"#
        let v = try JSON.parse(text)
        #expect(v["b"]?.array == [1, -2.5, true, false, .null])
        #expect(v["a"]?["x"]?.string == "é\n\"q\"" && v["a"]?["y"]?.double == 1000)
        #expect(v["u"]?.string == "😀 é")
        #expect(v.object?.map(\.0) == ["b", "a", "u"], "keys keep their order")
        #expect(try JSON.parse(v.rendered) == v)
    }

    @Test func rejectsWhatIsNotJSON() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01x", "\"\\x\"", "tru", "{\"a\":1} x", "\"\u{01}\"", String(repeating: "[", count: 300)] {
            #expect(throws: JSON.ParseError.self, "\(bad)") { try JSON.parse(bad) }
        }
    }
}
