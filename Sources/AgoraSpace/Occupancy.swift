import AgoraCore

/// Who is where on a grid: each agent in one cell, at most one agent per cell. Both directions
/// are columns (`occupant` by cell, `position` by agent), so either lookup is one load.
///
/// Moves are never made one by one during a parallel phase: agents ask in a phase for the cell
/// they want (`MoveRequest`), and `resolve` settles all of a tick's requests at once, the same
/// way for any shard, thread or process count.
public final class Occupancy: @unchecked Sendable {
    /// The empty cell's occupant.
    public static let empty = UInt32.max

    public let grid: Grid
    /// By cell: its agent, or `empty`.
    public let occupant: Column<UInt32>
    /// By agent: its cell.
    public let position: Column<UInt32>

    /// `agents` agents placed on distinct cells drawn from `random` (a shuffle of every cell: agent
    /// i takes the i-th), the same for the same seed.
    public init(grid: Grid, agents: Int, random: RandomStream) {
        precondition(agents >= 0 && agents <= grid.cellCount, "\(agents) agents do not fit on \(grid.cellCount) cells")
        self.grid = grid
        occupant = Column(count: grid.cellCount, repeating: Self.empty)
        position = Column(count: agents, repeating: 0)
        var cells = Array(0..<UInt32(grid.cellCount))
        var r = random.tick(0).agent(0)
        // A partial Fisher–Yates: only the first `agents` places are drawn.
        for i in 0..<agents {
            let j = i + Int(r.next() % UInt64(cells.count - i))
            cells.swapAt(i, j)
            position[i] = cells[i]
            occupant[Int(cells[i])] = UInt32(i)
        }
        checkInvariants()
    }

    public var agentCount: Int { position.count }

    @inlinable public func isEmpty(_ cell: Int) -> Bool { occupant.pointer[cell] == Self.empty }

    /// Settles a tick's requests, in any order given, and moves the winners: a request is granted
    /// when its target was empty before the tick's moves and no request for the same cell has a
    /// smaller `priority` (ties: the smaller agent id). A cell left this tick is taken from the
    /// next. Returns the granted moves, by agent id.
    /// - Complexity: O(r log r) for r requests.
    public func resolve(_ requests: [MoveRequest], priority: (UInt32) -> UInt64) -> [MoveRequest] {
        var ranked = requests.filter { Int($0.to) < grid.cellCount && isEmpty(Int($0.to)) }
            .map { (key: priority($0.agent), request: $0) }
        ranked.sort { ($0.request.to, $0.key, $0.request.agent) < ($1.request.to, $1.key, $1.request.agent) }
        var granted: [MoveRequest] = []
        var last = UInt32.max
        for (_, r) in ranked where r.to != last {
            last = r.to
            granted.append(r)
        }
        granted.sort { $0.agent < $1.agent }
        for m in granted {
            precondition(position[Int(m.agent)] == m.from, "agent \(m.agent) asked to move from a cell it is not in")
            occupant[Int(m.from)] = Self.empty
        }
        for m in granted {
            occupant[Int(m.to)] = m.agent
            position[Int(m.agent)] = m.to
        }
        checkInvariants()
        return granted
    }

    /// In debug builds: every agent's cell holds it, and no other cell names an agent.
    public func checkInvariants() {
        #if DEBUG
        var seen = 0
        for c in 0..<grid.cellCount where occupant[c] != Self.empty {
            assert(Int(occupant[c]) < agentCount && position[Int(occupant[c])] == UInt32(c), "cell \(c) and its occupant disagree")
            seen += 1
        }
        assert(seen == agentCount, "\(seen) occupied cells for \(agentCount) agents")
        #endif
    }
}

/// An agent's wish to move from one cell to another.
public struct MoveRequest: Sendable, Hashable, BitwiseCopyable {
    public var agent: UInt32
    public var from: UInt32
    public var to: UInt32

    public init(agent: UInt32, from: UInt32, to: UInt32) {
        self.agent = agent
        self.from = from
        self.to = to
    }
}
