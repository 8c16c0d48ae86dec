/// Dense rows for a scattered set of agent ids: row k is the k-th smallest id of the set.
///
/// A process that keeps state for agents that are not a contiguous range (a book owner keeps the
/// accounts of the traders of its instruments, wherever they are hosted) stores it in rows and
/// finds an agent's row here in one probe of an open-addressing table: 20 to 36 bytes per agent
/// (its id, and a table two to four times the set's size), no per-agent object.
public struct AgentIndex: Sendable {
    /// The ids, ascending.
    public let agents: [UInt32]
    private let keys: [UInt32]
    private let rows: [UInt32]
    private let mask: Int
    private static let empty = UInt32.max

    /// `agents` ascending and distinct.
    public init(agents: [UInt32]) {
        precondition(zip(agents, agents.dropFirst()).allSatisfy { $0 < $1 }, "agent ids ascending and distinct")
        precondition(agents.last.map { $0 < Self.empty } ?? true, "agent id out of range")
        self.agents = agents
        var capacity = 16
        while capacity < 2 * agents.count { capacity *= 2 }
        mask = capacity - 1
        var keys = [UInt32](repeating: Self.empty, count: capacity)
        var rows = [UInt32](repeating: 0, count: capacity)
        for (row, a) in agents.enumerated() {
            var h = Int(truncatingIfNeeded: mix64(UInt64(a))) & mask
            while keys[h] != Self.empty { h = (h + 1) & mask }
            keys[h] = a
            rows[h] = UInt32(row)
        }
        self.keys = keys
        self.rows = rows
    }

    public var count: Int { agents.count }

    /// The row of `agent`, or nil when the set does not hold it.
    public func row(of agent: Int) -> Int? {
        guard agent >= 0 && agent < Int(Self.empty) else { return nil }
        let a = UInt32(agent)
        var h = Int(truncatingIfNeeded: mix64(UInt64(a))) & mask
        return keys.withUnsafeBufferPointer { k in
            while true {
                if k[h] == a { return Int(rows[h]) }
                if k[h] == Self.empty { return nil }
                h = (h + 1) & mask
            }
        }
    }

    /// Bytes held.
    public var byteCount: Int { (agents.count + 2 * keys.count) * 4 }
}
