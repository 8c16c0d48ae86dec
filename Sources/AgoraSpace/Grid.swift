import AgoraCore

/// A 2-D grid of `width × height` cells, numbered row by row (`cell = y × width + x`): the
/// spatial substrate of Schelling's segregation, Sugarscape or a forest fire. A torus wraps at
/// its edges; a bounded grid has fewer neighbours there.
public struct Grid: Sendable, Hashable {
    /// Whether the grid wraps around at its edges.
    public enum Topology: String, Sendable, Hashable, CaseIterable { case torus, bounded }

    /// Which cells around a cell are its neighbours: Moore (the square of `radius`, diagonals
    /// included) or von Neumann (the diamond, |dx| + |dy| ≤ `radius`). The cell itself never is.
    public enum Neighbourhood: Sendable, Hashable {
        case moore(radius: Int)
        case vonNeumann(radius: Int)

        public var radius: Int {
            switch self {
            case .moore(let r), .vonNeumann(let r): return r
            }
        }

        /// The offsets (dx, dy) of the neighbours, in a fixed order (row by row).
        public var offsets: [(dx: Int, dy: Int)] {
            let r = radius
            var out: [(Int, Int)] = []
            for dy in -r...r {
                for dx in -r...r where (dx, dy) != (0, 0) {
                    if case .vonNeumann = self, abs(dx) + abs(dy) > r { continue }
                    out.append((dx, dy))
                }
            }
            return out
        }
    }

    public let width: Int
    public let height: Int
    public let topology: Topology

    /// A grid; at least 1 × 1 and at most 2³² − 1 cells (cells are u32 on the hot paths).
    public init(width: Int, height: Int, topology: Topology = .torus) {
        precondition(width >= 1 && height >= 1 && width.multipliedReportingOverflow(by: height).partialValue < Int(UInt32.max),
                     "a grid of 1 to 2^32 − 2 cells")
        self.width = width
        self.height = height
        self.topology = topology
    }

    public var cellCount: Int { width * height }

    @inlinable public func cell(x: Int, y: Int) -> Int { y * width + x }
    @inlinable public func coordinates(of cell: Int) -> (x: Int, y: Int) { (cell % width, cell / width) }

    /// The cell at `(x + dx, y + dy)` from `cell`: wrapped on a torus, nil off a bounded grid's edge.
    @inlinable public func cell(_ cell: Int, dx: Int, dy: Int) -> Int? {
        var x = cell % width + dx, y = cell / width + dy
        switch topology {
        case .torus:
            x = ((x % width) + width) % width
            y = ((y % height) + height) % height
        case .bounded:
            guard x >= 0 && x < width && y >= 0 && y < height else { return nil }
        }
        return y * width + x
    }

    /// Whether every cell's neighbours under `n` are distinct cells other than itself: false only
    /// on a torus too small for the neighbourhood, where offsets wrap onto each other.
    public func hasDistinctNeighbours(_ n: Neighbourhood) -> Bool {
        topology == .bounded || (2 * n.radius < width && 2 * n.radius < height)
    }

    /// Calls `body` with each neighbour of `cell` under `offsets` (`Neighbourhood.offsets`), in
    /// their order. On a torus smaller than the neighbourhood a cell may meet the same neighbour
    /// twice, or itself; those are skipped, so every neighbour is met once.
    @inlinable public func forEachNeighbour(of cell: Int, _ offsets: UnsafeBufferPointer<(dx: Int, dy: Int)>, _ body: (Int) -> Void) {
        let small = topology == .torus && offsets.contains { abs($0.dx) * 2 >= width || abs($0.dy) * 2 >= height }
        if !small {
            for o in offsets { if let n = self.cell(cell, dx: o.dx, dy: o.dy) { body(n) } }
            return
        }
        var seen: [Int] = []
        for o in offsets {
            guard let n = self.cell(cell, dx: o.dx, dy: o.dy), n != cell, !seen.contains(n) else { continue }
            seen.append(n)
            body(n)
        }
    }
}
