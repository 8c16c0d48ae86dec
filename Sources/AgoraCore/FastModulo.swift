/// `a mod d` for a fixed divisor by multiplication instead of a hardware divide (several times
/// faster on the per-agent path), exact for every 64-bit `a`.
///
/// Barrett reduction with `m = ⌊2^64 / d⌋`: `q = ⌊a·m / 2^64⌋` is ⌊a/d⌋ or one less, so
/// `r = a − q·d` lies in `[0, 2d)` and one conditional subtraction finishes it. One full-width and
/// one plain multiply per call.
public struct FastModulo: Sendable, Hashable {
    public let divisor: UInt64
    @usableFromInline let reciprocal: UInt64

    public init(_ divisor: UInt64) {
        precondition(divisor > 0, "modulo by zero")
        self.divisor = divisor
        // ⌊2^64 / d⌋ for d ≥ 2. For d = 1 the true value 2^64 does not fit; UInt64.max gives
        // q = a − 1 (or 0 for a = 0), so r is 1 or 0 and the subtraction still ends at 0.
        reciprocal = divisor == 1 ? .max : UInt64.max / divisor &+ (UInt64.max % divisor == divisor - 1 ? 1 : 0)
    }

    /// `a % divisor`.
    @inlinable @inline(__always)
    public func remainder(_ a: UInt64) -> UInt64 {
        let q = a.multipliedFullWidth(by: reciprocal).high
        let r = a &- q &* divisor
        let (reduced, borrow) = r.subtractingReportingOverflow(divisor)
        return borrow ? r : reduced
    }
}
