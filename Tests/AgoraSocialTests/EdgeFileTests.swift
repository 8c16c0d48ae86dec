import AgoraCompression
@testable import AgoraSocial
import Foundation
import Testing

/// Edge-list files as they come: written on Windows, with self-loops and repeated edges.
@Suite struct EdgeFileTests {
    static func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "agora-edges-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func crlfLinesReadLikeLfLinesAndErrorsCountThemAsOne() throws {
        let lf = try EdgeListLoader.loadText(path: try Self.file("# a comment\n0 1\n1,2\n\n2\t3\n"))
        let crlf = try EdgeListLoader.loadText(path: try Self.file("# a comment\r\n0 1\r\n1,2\r\n\r\n2\t3\r\n"))
        #expect(crlf.pairs == lf.pairs && lf.pairs == [0, 1, 1, 2, 2, 3] && crlf.labels == nil)
        let labelled = try EdgeListLoader.loadText(path: try Self.file("ann bob\r\nbob cy\r\n"))
        #expect(labelled.labels == ["ann", "bob", "cy"], "no label keeps a \\r")
        #expect { try EdgeListLoader.loadText(path: try Self.file("0 1\r\n1 2 3\r\n")) } throws: { "\($0)".contains(".txt:2: expected two node ids") }
    }

    @Test func theSimpleGraphDropsSelfLoopsAndRepeatsAndCountsThem() {
        let s = EdgeListLoader.simple([0, 1, 1, 0, 2, 2, 1, 2, 0, 1, 3, 3])
        #expect(s.pairs == [0, 1, 1, 2] && s.selfLoops == 2 && s.repeats == 2)
        #expect(EdgeListLoader.simple([]).pairs.isEmpty)
    }
}
