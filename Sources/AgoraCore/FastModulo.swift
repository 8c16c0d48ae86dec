/// `a mod d` for a fixed divisor by multiplication instead of a hardware divide (several times
/// faster on the per-agent path), exact for every 64-bit `a`.
///
/// Lemire, Kaser and Kurz, "Faster remainder by direct computation" (2019): with
/// `M = ⌊(2^128 − 1) / d⌋ + 1`, `a mod d = ⌊((M·a) mod 2^128) · d / 2^128⌋`.
public struct FastModulo: Sendable, Hashable {
    public let divisor: UInt64
    @usableFromInline let mHigh: UInt64
    @usableFromInline let mLow: UInt64

    public init(_ divisor: UInt64) {
        precondition(divisor > 0, "modulo by zero")
        self.divisor = divisor
        let m = UInt128.max / UInt128(divisor) &+ 1
        mHigh = UInt64(truncatingIfNeeded: m >> 64)
        mLow = UInt64(truncatingIfNeeded: m)
    }

    /// `a % divisor`.
    @inlinable @inline(__always)
    public func remainder(_ a: UInt64) -> UInt64 {
        if divisor == 1 { return 0 }
        // low = (M · a) mod 2^128, as (lowHigh, lowLow).
        let p = mLow.multipliedFullWidth(by: a)
        let lowHigh = mHigh &* a &+ p.high
        let lowLow = p.low
        // ⌊low · d / 2^128⌋: the top word of the 192-bit product.
        let q0 = lowLow.multipliedFullWidth(by: divisor)
        let q1 = lowHigh.multipliedFullWidth(by: divisor)
        let (_, carry) = q1.low.addingReportingOverflow(q0.high)
        return q1.high &+ (carry ? 1 : 0)
    }
}
