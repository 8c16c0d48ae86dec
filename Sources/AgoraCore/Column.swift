/// A fixed-size, heap-allocated column of plain values, owned by one object and freed with it.
///
/// Agent state lives in columns (struct-of-arrays). Hot loops take `pointer` into a local and index
/// it directly: no bounds or exclusivity checks in release builds, no copy-on-write, no per-agent
/// object. The column itself is a reference so that shards can share it, each touching only its
/// own contiguous slice during a phase.
public final class Column<Element: BitwiseCopyable>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    /// A column of `count` copies of `value`.
    public convenience init(count: Int, repeating value: Element) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// A column holding `values`.
    public convenience init(_ values: some Collection<Element>) {
        self.init(uninitializedCount: values.count)
        _ = UnsafeMutableBufferPointer(start: pointer, count: count).initialize(from: values)
    }

    /// A column whose contents the caller writes before reading (plain values need no deinit).
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "a column cannot have a negative size")
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
    }

    deinit { pointer.deallocate() }

    @inlinable public subscript(index: Int) -> Element {
        get { precondition(index >= 0 && index < count, "column index \(index) out of 0..<\(count)"); return pointer[index] }
        set { precondition(index >= 0 && index < count, "column index \(index) out of 0..<\(count)"); pointer[index] = newValue }
    }

    /// The whole column as a buffer, for loops that want `for x in column.buffer`.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Element> { .init(start: pointer, count: count) }

    /// The elements `range` as a buffer (a process's agents, say).
    @inlinable public func slice(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Element> {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice \(range) out of 0..<\(count)")
        return .init(start: pointer + range.lowerBound, count: range.count)
    }

    /// Bytes held by this column.
    public var byteCount: Int { count * MemoryLayout<Element>.stride }

    /// Copies the column into an array (for tests and reporting, not hot paths).
    public func toArray() -> [Element] { Array(buffer) }
}
