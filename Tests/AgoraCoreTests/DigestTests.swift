import AgoraCore
import Testing

@Suite struct EventSetHashTests {
    static let events: [(UInt64, UInt64, UInt64, UInt64)] = (0..<500).map { (i: UInt64) -> (UInt64, UInt64, UInt64, UInt64) in
        let square: UInt64 = i * i
        return (i % 3, i, i * 7, square)
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func partialHashesMergeToTheWhole(parts: Int) {
        var whole = EventSetHash()
        for e in Self.events { whole.add(kind: e.0, agent: e.1, e.2, e.3) }
        var merged = EventSetHash()
        let size = (Self.events.count + parts - 1) / parts
        for p in 0..<parts {
            var part = EventSetHash()
            for e in Self.events.dropFirst(p * size).prefix(size) { part.add(kind: e.0, agent: e.1, e.2, e.3) }
            merged.merge(part)
        }
        #expect(merged == whole)
        #expect(whole.count == 500)
    }

    @Test func everyFieldMatters() {
        func hash(_ k: UInt64, _ a: UInt64, _ x: UInt64, _ y: UInt64) -> EventSetHash {
            var h = EventSetHash()
            h.add(kind: k, agent: a, x, y)
            return h
        }
        let base = hash(1, 2, 3, 4)
        #expect(hash(9, 2, 3, 4) != base)
        #expect(hash(1, 9, 3, 4) != base)
        #expect(hash(1, 2, 9, 4) != base)
        #expect(hash(1, 2, 3, 9) != base)
        // Swapping payloads between two agents must change the set.
        var a = EventSetHash(); a.add(kind: 1, agent: 1, 10, 0); a.add(kind: 1, agent: 2, 20, 0)
        var b = EventSetHash(); b.add(kind: 1, agent: 1, 20, 0); b.add(kind: 1, agent: 2, 10, 0)
        #expect(a != b)
    }
}

@Suite struct RunDigestTests {
    @Test func chainsTicksInOrder() {
        var e1 = EventSetHash(); e1.add(kind: 1, agent: 1, 1, 1)
        var e2 = EventSetHash(); e2.add(kind: 1, agent: 2, 2, 2)
        var ab = RunDigest(); ab.absorb(tick: 0, events: e1); ab.absorb(tick: 1, events: e2)
        var ba = RunDigest(); ba.absorb(tick: 0, events: e2); ba.absorb(tick: 1, events: e1)
        var again = RunDigest(); again.absorb(tick: 0, events: e1); again.absorb(tick: 1, events: e2)
        #expect(ab != ba)
        #expect(ab == again)
        #expect(ab.hex.count == 32)
        #expect(ab.hex.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // An empty tick still moves the digest: how many ticks ran is part of the run.
        var withEmpty = again
        withEmpty.absorb(tick: 2, events: EventSetHash())
        #expect(withEmpty != again)
    }
}

@Suite struct ColumnAndJSONTests {
    @Test func columnsHoldWhatTheyWereGiven() {
        let c = Column<Int32>([3, 1, 4, 1, 5])
        #expect(c.count == 5)
        #expect(c.toArray() == [3, 1, 4, 1, 5])
        c[2] = 9
        #expect(c[2] == 9)
        #expect(c.byteCount == 20)
        #expect(Column<UInt8>([]).count == 0)
        #expect(Column<UInt16>(count: 3, repeating: 7).toArray() == [7, 7, 7])
    }

    @Test func jsonLineKeepsOrderAndEscapes() {
        var j = JSONLine()
        j.set("b", 1)
        j.set("a", "x\"y\n")
        j.set("c", 0.5)
        j.set("b", 2)
        j.set("n", Double.nan)
        #expect(j.text == #"{"b": 2, "a": "x\"y\n", "c": 0.5, "n": null}"#)
    }
}
