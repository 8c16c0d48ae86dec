@testable import AgoraLLM
import Foundation
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

    @Test func rawControlCharactersInStringsAreEscapedAndCounted() throws {
        let raw = "{\"a\":\"x\ty\nz\u{01}\", \"b\":\"q\\\"\tr\"}\t"
        let fixed = JSON.escapingControlCharacters(in: raw)
        #expect(fixed.repaired == 4, "three in a, one in b after an escaped quote; the tab outside a string stays")
        let v = try JSON.parse(fixed.text)
        #expect(v["a"]?.string == "x\ty\nz\u{01}" && v["b"]?.string == "q\"\tr")
        #expect(JSON.escapingControlCharacters(in: #"{"a":"fine"}"#) == (#"{"a":"fine"}"#, 0))
        // Anything else that is wrong stays wrong.
        #expect(throws: JSON.ParseError.self) { try JSON.parse(JSON.escapingControlCharacters(in: "{\"a\":\"x\ty\",}").text) }
    }

    @Test func anAnswerWithRawTabsIsReadAndSaysSo() throws {
        // A grammar-constrained server: a raw tab inside the body's content, and a tab left raw
        // inside the arguments (escaped once in the body, so raw in the arguments' own JSON).
        let body = "{\"choices\":[{\"message\":{\"content\":\"thinking\tabout it\",\"tool_calls\":[{\"id\":\"c\",\"function\":"
            + "{\"name\":\"create_post\",\"arguments\":\"{\\\"text\\\":\\\"rates\\tfall\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}"
        let answer = try ChatAnswer.parse(Data(body.utf8))
        #expect(answer.content == "thinking\tabout it" && answer.repairedControlCharacters == 2)
        #expect(try JSON.parse(answer.toolCalls[0].arguments)["text"]?.string == "rates\tfall")
        let clean = try ChatAnswer.parse(Data(#"{"choices":[{"message":{"content":"ok"}}]}"#.utf8))
        #expect(clean.repairedControlCharacters == 0)
        #expect(throws: JSON.ParseError.self) { try ChatAnswer.parse(Data("{\"choices\":[{\"message\":{\"content\":\"x\ty\"}}],}".utf8)) }
    }
}
