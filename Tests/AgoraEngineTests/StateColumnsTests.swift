import AgoraCore
@testable import AgoraEngine
import Testing

/// One list of a model's columns gives its bytes, its checkpoint and what its processes share.
@Suite struct StateColumnsTests {
    @Test func bytesCheckpointAndSharingFollowTheDeclarations() throws {
        let wealth = Column<Int32>((0..<10).map(Int32.init)), scratch = Column<UInt8>(count: 10, repeating: 7)
        let prices = Column<Int64>([100, 200]), shared = Column<UInt16>((0..<10).map { UInt16($0 * 3) })
        var c = StateColumns()
        c.add("wealth", wealth)
        c.add("scratch", scratch, checkpoint: false)
        c.add("prices", prices, perAgent: false)
        c.add("shared", shared, shared: [.afterDecide])
        #expect(c.byteCount == 10 * 4 + 10 * 1 + 10 * 2, "per-agent columns only")
        var w = StateWriter()
        c.save(to: &w)
        // A model built afresh loads exactly the checkpointed columns back, in order.
        let wealth2 = Column<Int32>(count: 10, repeating: 0), scratch2 = Column<UInt8>(count: 10, repeating: 0)
        let prices2 = Column<Int64>(count: 2, repeating: 0), shared2 = Column<UInt16>(count: 10, repeating: 0)
        var d = StateColumns()
        d.add("wealth", wealth2)
        d.add("scratch", scratch2, checkpoint: false)
        d.add("prices", prices2, perAgent: false)
        d.add("shared", shared2, shared: [.afterDecide])
        var r = StateReader(w.bytes)
        try d.load(from: &r)
        #expect(r.isAtEnd && wealth2.toArray() == wealth.toArray() && prices2.toArray() == [100, 200] && shared2.toArray() == shared.toArray())
        #expect(scratch2.toArray() == Array(repeating: 0, count: 10), "scratch space is not saved")
        // At a sync point, a process sends its own agents' values of the shared columns only.
        var s = StateWriter()
        c.share(.afterDecide, agents: 4..<7, into: &s)
        let sent = s.bytes.count
        c.share(.afterRecord, agents: 4..<7, into: &s)
        #expect(s.bytes.count == sent, "nothing is shared at a point no column names")
        let other = Column<UInt16>(count: 10, repeating: 0)
        var e = StateColumns()
        e.add("shared", other, shared: [.afterDecide])
        var sr = StateReader(s.bytes)
        try e.absorb(.afterDecide, agents: 4..<7, from: &sr)
        #expect(other.toArray() == [0, 0, 0, 0, 12, 15, 18, 0, 0, 0])
    }
}
