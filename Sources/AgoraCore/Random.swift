/// The SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche.
///
/// Every random number in Agora passes through this function, so results depend only on the keys
/// fed in, never on which thread or shard asked.
@inlinable @inline(__always)
/// A stable 64-bit hash of a string's UTF-8 bytes (FNV-1a, then `mix64`): what a text column of
/// an event contributes to the digest, on every machine and in every version.
public func textHash(_ text: String) -> Int64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return Int64(bitPattern: mix64(h ^ UInt64(text.utf8.count)))
}

public func mix64(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// The golden-ratio increment of SplitMix64.
public let splitMixGamma: UInt64 = 0x9E37_79B9_7F4A_7C15

/// SplitMix64 as the shared workloads define it: for seed `s`, the k-th output (k = 1, 2, …) is
/// `mix64(s + k·γ)`. Used where a stream must match other systems bit for bit.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= splitMixGamma
        return mix64(state)
    }
}

/// A named random stream of a run: the root of every draw that one model component makes.
///
/// Randomness in Agora is counter-based: a draw is a pure function of (seed, stream, tick, agent,
/// draw index). Nothing is carried from one agent to the next, so the same agent draws the same
/// numbers whether it lives in shard 0 of 1 or shard 7 of 8.
public struct RandomStream: Sendable, Hashable {
    public let key: UInt64

    /// - Parameters:
    ///   - seed: the run's seed.
    ///   - stream: a constant naming the model component that draws (see each model's docs).
    @inlinable public init(seed: UInt64, stream: UInt64) {
        key = mix64(mix64(seed ^ 0x6A09_E667_F3BC_C908) &+ stream &* 0xD6E8_FEB8_6659_FD93)
    }

    /// The keys for one tick. Compute once per shard per tick, outside the agent loop.
    @inlinable @inline(__always)
    public func tick(_ tick: Int) -> TickRandom {
        TickRandom(key: mix64(key &+ UInt64(truncatingIfNeeded: tick) &* 0xA076_1D64_78BD_642F))
    }
}

/// The random keys of one stream at one tick; hands each agent its own generator.
public struct TickRandom: Sendable {
    public let key: UInt64

    @inlinable public init(key: UInt64) { self.key = key }

    /// The generator of agent `agent` at this tick. Costs nothing until the first draw: every
    /// draw runs the full finaliser over (tick key, agent, draw index).
    @inlinable @inline(__always)
    public func agent(_ agent: Int) -> AgentRandom {
        AgentRandom(state: key ^ (UInt64(truncatingIfNeeded: agent) &* 0xE703_7ED1_A0B4_28DB))
    }
}

/// One agent's draws within one tick: a SplitMix64 sequence from a derived key.
public struct AgentRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64

    @inlinable public init(state: UInt64) { self.state = state }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= splitMixGamma
        return mix64(state)
    }

    /// True with the given probability; integer comparison, no floating point at draw time.
    @inlinable @inline(__always)
    public mutating func bernoulli(_ p: Probability) -> Bool {
        next() < p.threshold
    }

    /// A uniform index in `0..<bound` by multiply-high (bias below bound/2^64).
    @inlinable @inline(__always)
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "index(below:) needs a positive bound")
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform double in [0, 1) with 53 bits.
    @inlinable @inline(__always)
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

/// A probability stored as a 64-bit threshold: a draw `d` succeeds when `d < threshold`.
///
/// Converting once at set-up keeps floating point out of the per-agent path, and the comparison
/// gives identical answers on every machine.
public struct Probability: Sendable, Hashable {
    public let threshold: UInt64
    /// True when the probability is exactly one (`threshold` cannot express 2^64).
    public let isCertain: Bool

    public init(_ p: Double) {
        precondition(p >= 0 && p <= 1, "a probability must lie in [0, 1], got \(p)")
        if p >= 1 {
            threshold = .max
            isCertain = true
        } else {
            threshold = UInt64(p * 0x1.0p64)
            isCertain = false
        }
    }

    public var value: Double { isCertain ? 1 : Double(threshold) * 0x1.0p-64 }
}
