import AgoraCore
@testable import AgoraSpace
import Testing

@Suite struct GridTests {
    func neighbours(_ g: Grid, _ cell: Int, _ n: Grid.Neighbourhood) -> [Int] {
        var out: [Int] = []
        n.offsets.withUnsafeBufferPointer { o in g.forEachNeighbour(of: cell, o) { out.append($0) } }
        return out
    }

    @Test func neighbourhoodsWrapOnATorusAndStopAtABoundedEdge() {
        let torus = Grid(width: 5, height: 4, topology: .torus), bounded = Grid(width: 5, height: 4, topology: .bounded)
        #expect(Grid.Neighbourhood.moore(radius: 1).offsets.count == 8 && Grid.Neighbourhood.vonNeumann(radius: 1).offsets.count == 4)
        #expect(Grid.Neighbourhood.moore(radius: 2).offsets.count == 24 && Grid.Neighbourhood.vonNeumann(radius: 2).offsets.count == 12)
        // The corner cell 0 = (0, 0).
        #expect(Set(neighbours(torus, 0, .moore(radius: 1))) == [1, 4, 5, 6, 9, 15, 16, 19])
        #expect(Set(neighbours(bounded, 0, .moore(radius: 1))) == [1, 5, 6])
        #expect(Set(neighbours(torus, 0, .vonNeumann(radius: 1))) == [1, 4, 5, 15])
        #expect(Set(neighbours(bounded, 0, .vonNeumann(radius: 1))) == [1, 5])
        // Inside, both topologies agree.
        let inner = torus.cell(x: 2, y: 2)
        #expect(neighbours(torus, inner, .moore(radius: 1)) == neighbours(bounded, inner, .moore(radius: 1)))
        // A torus smaller than the neighbourhood meets each neighbour once, never itself.
        let tiny = Grid(width: 2, height: 2)
        let n = neighbours(tiny, 0, .moore(radius: 1))
        #expect(Set(n) == [1, 2, 3] && n.count == 3)
        for c in 0..<torus.cellCount { #expect(torus.coordinates(of: c).y * 5 + torus.coordinates(of: c).x == c) }
    }

    @Test func agentsArePlacedOnDistinctCellsTheSameForTheSameSeed() {
        let g = Grid(width: 30, height: 20)
        let a = Occupancy(grid: g, agents: 500, random: RandomStream(seed: 9, stream: 1))
        let b = Occupancy(grid: g, agents: 500, random: RandomStream(seed: 9, stream: 1))
        #expect(Set(a.position.toArray()).count == 500 && a.position.toArray() == b.position.toArray())
        #expect(a.occupant.toArray().filter { $0 != Occupancy.empty }.count == 500)
        let c = Occupancy(grid: g, agents: 500, random: RandomStream(seed: 10, stream: 1))
        #expect(c.position.toArray() != a.position.toArray())
        let full = Occupancy(grid: g, agents: g.cellCount, random: RandomStream(seed: 1, stream: 1))
        #expect(full.occupant.toArray().allSatisfy { $0 != Occupancy.empty })
    }

    @Test(arguments: [0, 1, 2, 3])
    func conflictsAreSettledByPriorityWhateverTheOrderOfRequests(seed: Int) {
        let g = Grid(width: 4, height: 1, topology: .bounded)
        // Three agents on four cells: one cell empty.
        let placed = Occupancy(grid: g, agents: 3, random: RandomStream(seed: UInt64(seed), stream: 1))
        let before = placed.position.toArray().map(Int.init)
        let empty = (0..<4).first { placed.isEmpty($0) }!
        // All three want the empty cell; agent 1 also wants agent 2's cell (taken: refused).
        var requests = (0..<3).map { MoveRequest(agent: UInt32($0), from: UInt32(before[$0]), to: UInt32(empty)) }
        requests.append(MoveRequest(agent: 1, from: UInt32(before[1]), to: UInt32(before[2])))
        var r = RandomStream(seed: UInt64(seed), stream: 2).tick(0).agent(0)
        for i in stride(from: requests.count - 1, to: 0, by: -1) { requests.swapAt(i, Int(r.next() % UInt64(i + 1))) }
        let priority = { (a: UInt32) in [UInt64(30), 10, 20][Int(a)] }  // agent 1 first
        let granted = placed.resolve(requests, priority: priority)
        #expect(granted == [MoveRequest(agent: 1, from: UInt32(before[1]), to: UInt32(empty))])
        #expect(Int(placed.position[1]) == empty && placed.occupant[empty] == 1)
        #expect(placed.isEmpty(before[1]), "the cell agent 1 left stays empty this tick")
        #expect(Int(placed.position[0]) == before[0] && Int(placed.position[2]) == before[2])
    }
}
