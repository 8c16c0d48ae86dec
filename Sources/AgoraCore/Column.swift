/// A fixed-size, heap-allocated column of plain values, owned by one object and freed with it.
///
/// Agent state lives in columns (struct-of-arrays). Hot loops take `pointer` into a local and index
/// it directly: no bounds or exclusivity checks in release builds, no copy-on-write, no per-agent
/// object. The column itself is a reference so that shards can share it, each touching only its
/// own contiguous slice during a phase.
///
/// A column may hold a window of the ids, `indices` (a process's agents in a run spread over
/// processes): it stores only those, and `pointer` and the subscript still take the ids
/// themselves, so code that walks its own agents reads the same either way.
public final class Column<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Indexed by id: `pointer[i]` for `i` in `indices`. For a window not starting at 0 this is
    /// the address the storage would have if it started at id 0; only ids in the window may be read.
    public let pointer: UnsafeMutablePointer<Element>
    /// How many values the column stores.
    public let count: Int
    /// The first id stored (0 unless the column is a window).
    public let first: Int
    /// Where the stored values start.
    @usableFromInline let storage: UnsafeMutablePointer<Element>

    /// A column of `count` copies of `value`.
    public convenience init(count: Int, repeating value: Element) {
        self.init(window: 0..<count, repeating: value)
    }

    /// A column of the ids `window` only, each `value`.
    public convenience init(window: Range<Int>, repeating value: Element) {
        self.init(uninitializedWindow: window)
        storage.initialize(repeating: value, count: count)
    }

    /// A column holding `values`.
    public convenience init(_ values: some Collection<Element>) {
        self.init(uninitializedWindow: 0..<values.count)
        _ = UnsafeMutableBufferPointer(start: storage, count: count).initialize(from: values)
    }

    /// A column whose contents the caller writes before reading (plain values need no deinit).
    public convenience init(uninitializedCount count: Int) {
        self.init(uninitializedWindow: 0..<count)
    }

    /// A window whose contents the caller writes before reading.
    public init(uninitializedWindow window: Range<Int>) {
        precondition(window.lowerBound >= 0, "a column's ids start at 0 or later")
        count = window.count
        first = window.lowerBound
        storage = .allocate(capacity: max(count, 1))
        // The bias is taken on the address as an integer: the pointer itself only ever reaches
        // the ids of the window.
        pointer = UnsafeMutablePointer(bitPattern: UInt(bitPattern: storage) &- UInt(first &* MemoryLayout<Element>.stride))!
    }

    deinit { storage.deallocate() }

    /// The ids this column holds.
    @inlinable public var indices: Range<Int> { first..<(first + count) }

    @inlinable public subscript(index: Int) -> Element {
        get { precondition(index >= first && index - first < count, "column index \(index) out of \(indices)"); return storage[index - first] }
        set { precondition(index >= first && index - first < count, "column index \(index) out of \(indices)"); storage[index - first] = newValue }
    }

    /// The stored values as a buffer, for loops that want `for x in column.buffer`.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Element> { .init(start: storage, count: count) }

    /// The values of the ids `range` as a buffer (a process's agents, say).
    @inlinable public func slice(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Element> {
        precondition(range.lowerBound >= first && range.upperBound <= first + count, "slice \(range) out of \(indices)")
        return .init(start: storage + (range.lowerBound - first), count: range.count)
    }

    /// Bytes held by this column.
    public var byteCount: Int { count * MemoryLayout<Element>.stride }

    /// Copies the stored values into an array (for tests and reporting, not hot paths).
    public func toArray() -> [Element] { Array(buffer) }
}
