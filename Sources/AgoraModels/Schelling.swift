import AgoraCore
import AgoraEngine
import AgoraSpace

/// Schelling's segregation model (1971) on a grid.
///
/// Residents of two groups live on the cells of a grid (`Occupancy`: at most one per cell),
/// placed at random; group 1 is a `minority` share, drawn from the seed. Each tick every resident
/// counts its occupied neighbours and those of its own group (Moore or von Neumann neighbourhood
/// of `radius`, on a torus or a bounded grid), from the grid as the tick found it. A resident
/// whose like share is below `similarWanted` is unhappy and looks for an empty cell: up to
/// `moveTries` cells drawn at random, the first empty one. All of a tick's moves are settled
/// together in match: a cell goes to the one of those asking for it with the smallest priority,
/// a hash of (seed, tick, resident), and a cell left this tick is free from the next. Mild
/// preferences give strongly segregated neighbourhoods: that is the model's point.
///
/// Phases: decide (count, and ask for a cell), match (settle the moves), record (counters).
/// Events: `move` (from, to), in resident order. Random streams: `Stream.setup` (groups and
/// places), `Stream.move` (the cells tried), `Stream.priority`.
public final class SchellingModel: Model, @unchecked Sendable {
    public typealias Message = NoPayload

    public enum Stream {
        public static let setup: UInt64 = 0x5C4E_0001
        public static let move: UInt64 = 0x5C4E_0002
        public static let priority: UInt64 = 0x5C4E_0003
    }

    public static let moveEvent = EventKind(id: 9, name: "move", columns: ["from", "to"])

    public let grid: Grid
    public let neighbourhood: Grid.Neighbourhood
    /// Thousandths of a resident's occupied neighbours that must be of its group.
    public let similarWantedPermille: Int
    public let moveTries: Int
    public let seed: UInt64
    public let occupancy: Occupancy
    /// By resident: its group, 0 or 1.
    public let group: Column<UInt8>
    /// By cell: 0 when empty, else its resident's group + 1 (what decide reads).
    public let cellGroup: Column<UInt8>
    /// By resident, written in decide: the cell it asks for (`.max`: none), and its neighbour counts.
    let target: Column<UInt32>
    let like: Column<UInt16>
    let occupied: Column<UInt16>
    let offsets: [(dx: Int, dy: Int)]
    let distinct: Bool
    var moves: [MoveRequest] = []
    var totals = (moves: 0, settledAt: -1)
    var last = (unhappy: 0.0, similar: 0.0)
    public let columns: StateColumns

    public init(grid: Grid, neighbourhood: Grid.Neighbourhood, residents: Int, minority: Double, similarWanted: Double, moveTries: Int,
                seed: UInt64) {
        precondition(residents >= 1 && residents <= grid.cellCount, "1 to \(grid.cellCount) residents")
        precondition(neighbourhood.radius >= 1 && moveTries >= 1, "a neighbourhood and at least one try")
        self.grid = grid
        self.neighbourhood = neighbourhood
        similarWantedPermille = Int((similarWanted * 1000).rounded())
        self.moveTries = moveTries
        self.seed = seed
        occupancy = Occupancy(grid: grid, agents: residents, random: RandomStream(seed: seed, stream: Stream.setup))
        group = Column(count: residents, repeating: 0)
        let minorityShare = Probability(minority)
        let setup = RandomStream(seed: seed, stream: Stream.setup).tick(1)
        for i in 0..<residents {
            var r = setup.agent(i)
            group[i] = r.bernoulli(minorityShare) ? 1 : 0
        }
        cellGroup = Column(count: grid.cellCount, repeating: 0)
        for i in 0..<residents { cellGroup[Int(occupancy.position[i])] = group[i] + 1 }
        target = Column(count: residents, repeating: .max)
        like = Column(count: residents, repeating: 0)
        occupied = Column(count: residents, repeating: 0)
        offsets = neighbourhood.offsets
        distinct = grid.hasDistinctNeighbours(neighbourhood)
        var c = StateColumns()
        c.add("group", group, checkpoint: false)
        c.add("position", occupancy.position)
        c.add("occupant", occupancy.occupant, perAgent: false)
        c.add("cell_group", cellGroup, perAgent: false)
        c.add("target", target, checkpoint: false, shared: [.afterDecide])
        c.add("like", like, checkpoint: false)
        c.add("occupied", occupied, checkpoint: false)
        columns = c
    }

    public var agentCount: Int { occupancy.agentCount }
    public var phases: Phases { [.decide, .match, .record] }
    public var eventKinds: [EventKind] { [Self.moveEvent] }
    public var counterCount: Int { 3 }
    public var metricNames: [String] { ["unhappy_share", "moves", "similar_share"] }
    public var stateBytes: Int { columns.byteCount }

    public func decide(_ ctx: ShardContext, outbox: Outbox<NoPayload>) {
        let pos = occupancy.position.pointer, cells = cellGroup.pointer, g = group.pointer
        let want = target.pointer, likes = like.pointer, occ = occupied.pointer
        let draws = RandomStream(seed: seed, stream: Stream.move).tick(ctx.tick)
        let cellCount = UInt64(grid.cellCount), wanted = similarWantedPermille
        offsets.withUnsafeBufferPointer { o in
            for i in ctx.agents {
                let c = Int(pos[i]), mine = g[i] &+ 1
                var same = 0, around = 0
                if distinct {
                    for d in o {
                        guard let n = grid.cell(c, dx: d.dx, dy: d.dy) else { continue }
                        let k = cells[n]
                        around &+= k != 0 ? 1 : 0
                        same &+= k == mine ? 1 : 0
                    }
                } else {
                    grid.forEachNeighbour(of: c, o) { n in
                        let k = cells[n]
                        around &+= k != 0 ? 1 : 0
                        same &+= k == mine ? 1 : 0
                    }
                }
                likes[i] = UInt16(same)
                occ[i] = UInt16(around)
                want[i] = .max
                guard same * 1000 < wanted * around else { continue }
                var r = draws.agent(i)
                for _ in 0..<moveTries {
                    let t = Int(r.next() % cellCount)
                    if cells[t] == 0 { want[i] = UInt32(t); break }
                }
            }
        }
    }

    /// Every resident's request, in resident order, settled at once (the same on every process).
    public func match(tick: Tick) {
        let want = target.pointer, pos = occupancy.position.pointer
        var requests: [MoveRequest] = []
        for i in 0..<agentCount where want[i] != .max { requests.append(MoveRequest(agent: UInt32(i), from: pos[i], to: want[i])) }
        let key = RandomStream(seed: seed, stream: Stream.priority).tick(tick).key
        moves = occupancy.resolve(requests) { mix64(key ^ UInt64($0)) }
        for m in moves {
            cellGroup[Int(m.from)] = 0
            cellGroup[Int(m.to)] = group[Int(m.agent)] + 1
        }
    }

    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        let likes = like.pointer, occ = occupied.pointer, wanted = Int64(similarWantedPermille)
        var unhappy: Int64 = 0, same: Int64 = 0, around: Int64 = 0
        for i in ctx.agents {
            let s = Int64(likes[i]), a = Int64(occ[i])
            unhappy &+= s * 1000 < wanted * a ? 1 : 0
            same &+= s
            around &+= a
        }
        recorder.counters[0] &+= unhappy
        recorder.counters[1] &+= same
        recorder.counters[2] &+= around
    }

    public func recordSerial(_ tick: Tick, into recorder: inout ShardRecorder) {
        for m in moves { recorder.record(kind: Self.moveEvent.id, agent: Int(m.agent), Int64(m.from), Int64(m.to)) }
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        totals.moves += moves.count
        if moves.isEmpty && totals.settledAt < 0 { totals.settledAt = tick }
        if !moves.isEmpty { totals.settledAt = -1 }
        last = (Double(counters[0]) / Double(agentCount), counters[2] > 0 ? Double(counters[1]) / Double(counters[2]) : .nan)
        return [last.unhappy, Double(moves.count), last.similar]
    }

    /// The share of residents unhappy and the share of occupied neighbours alike, at the start of
    /// the last tick; all moves; and the tick from which no one has moved (−1: someone still does).
    public func summary() -> [(name: String, value: Double)] {
        [("unhappy_share", last.unhappy), ("similar_share", last.similar), ("moves", Double(totals.moves)),
         ("settled_at", totals.settledAt < 0 ? .nan : Double(totals.settledAt))]
    }
}

extension SchellingModel: CheckpointableModel {
    public func saveState(to w: inout StateWriter) {
        columns.save(to: &w)
        w.write(totals.moves); w.write(totals.settledAt); w.write(last.unhappy); w.write(last.similar)
    }

    public func loadState(from r: inout StateReader) throws(StateReader.Failure) {
        try columns.load(from: &r)
        totals = (try r.int(), try r.int())
        last = (try r.double(), try r.double())
    }
}

/// Every process keeps the whole grid and settles every move itself: it needs every resident's
/// request, which only the resident's host computes (the `target` column, shared after decide).
extension SchellingModel: ColumnSharingModel {}
