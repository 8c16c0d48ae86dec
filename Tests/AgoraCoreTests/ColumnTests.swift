import AgoraCore
import Testing

@Suite struct ColumnTests {
    /// A window stores its ids only; the subscript, `pointer` and `slice` take the ids themselves.
    @Test func aWindowIsIndexedByIdAndHoldsOnlyItsIds() {
        let c = Column<Int32>(window: 1_000..<1_010, repeating: 5)
        #expect(c.count == 10 && c.indices == 1_000..<1_010 && c.byteCount == 40)
        for i in c.indices { c[i] = Int32(i) }
        let p = c.pointer
        #expect((1_000..<1_010).allSatisfy { p[$0] == Int32($0) })
        p[1_004] = -1
        #expect(c[1_004] == -1)
        #expect(Array(c.slice(1_008..<1_010)) == [1_008, 1_009])
        #expect(c.toArray().first == 1_000 && c.toArray().count == 10)
        let whole = Column<Int32>(count: 4, repeating: 2)
        #expect(whole.indices == 0..<4 && whole.pointer == whole.buffer.baseAddress)
    }

    /// Checkpoints write a window's values and read them back into a window of the same size.
    @Test func aWindowRoundTripsThroughState() throws {
        let c = Column<UInt64>(window: 3..<8, repeating: 0)
        for i in c.indices { c[i] = UInt64(i * i) }
        var w = StateWriter()
        w.write(c)
        let d = Column<UInt64>(window: 3..<8, repeating: 9)
        var r = StateReader(w.bytes)
        try r.read(into: d)
        #expect(d.toArray() == [9, 16, 25, 36, 49])
        var again = StateReader(w.bytes)
        #expect(throws: StateReader.Failure.self) { try again.read(into: Column<UInt64>(window: 3..<9, repeating: 0)) }
    }
}

@Suite struct AgentIndexTests {
    /// Every member finds its rank among the members; every other id finds none.
    @Test func membersFindTheirRowsAndOthersNone() {
        var rng = SplitMix64(seed: 7)
        let members = (0..<5_000).filter { _ in rng.next() % 3 == 0 }
        let index = AgentIndex(agents: members.map(UInt32.init))
        #expect(index.count == members.count)
        var row = 0
        for id in 0..<5_001 {
            if row < members.count && members[row] == id {
                #expect(index.row(of: id) == row)
                row += 1
            } else {
                #expect(index.row(of: id) == nil)
            }
        }
        #expect(index.row(of: -1) == nil)
        #expect(AgentIndex(agents: []).row(of: 0) == nil)
    }
}
