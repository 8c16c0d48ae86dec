import AgoraCore
import Testing

@Suite struct SplitMix64Tests {
    @Test func matchesTheSharedWorkloadDefinition() {
        // Values from the workloads' formula, computed independently.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
        var seven = SplitMix64(seed: 7)
        #expect(seven.next() == 0x63CB_E1E4_5932_0DD7)
    }
}

@Suite struct CounterRandomTests {
    @Test func sameKeysGiveSameDraws() {
        let a = RandomStream(seed: 9, stream: 3).tick(17).agent(123_456)
        let b = RandomStream(seed: 9, stream: 3).tick(17).agent(123_456)
        var x = a, y = b
        for _ in 0..<8 { #expect(x.next() == y.next()) }
    }

    @Test(arguments: [(0, 1, 0, 0), (1, 0, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)])
    func everyKeyComponentChangesTheDraw(seed: UInt64, stream: UInt64, tick: Int, agent: Int) {
        var base = RandomStream(seed: 5, stream: 5).tick(5).agent(5)
        var other = RandomStream(seed: 5 + seed, stream: 5 + stream).tick(5 + tick).agent(5 + agent)
        #expect(base.next() != other.next())
    }

    @Test func neighbouringAgentsAreUncorrelated() {
        // Mean of the top bit over consecutive agents stays near 1/2; a broken key schedule that
        // made neighbours share draws would push it to 0 or 1.
        let tick = RandomStream(seed: 1, stream: 2).tick(0)
        var ones = 0
        for i in 0..<100_000 {
            var r = tick.agent(i)
            ones += Int(r.next() >> 63)
        }
        #expect(abs(Double(ones) / 100_000 - 0.5) < 0.01)
    }

    @Test func bernoulliFollowsItsProbability() {
        let p = Probability(0.3)
        let tick = RandomStream(seed: 11, stream: 1).tick(4)
        var hits = 0
        for i in 0..<200_000 {
            var r = tick.agent(i)
            if r.bernoulli(p) { hits += 1 }
        }
        #expect(abs(Double(hits) / 200_000 - 0.3) < 0.005)
    }

    @Test func probabilityEdges() {
        #expect(Probability(0).threshold == 0)
        #expect(Probability(1).isCertain)
        #expect(abs(Probability(0.25).value - 0.25) < 1e-15)
        #expect(Probability(0.5).threshold == 1 << 63)
    }

    @Test func indexStaysBelowItsBound() {
        var r = AgentRandom(state: 42)
        for bound in [1, 2, 3, 7, 1000, 1 << 40] {
            for _ in 0..<1000 { #expect((0..<bound).contains(r.index(below: bound))) }
        }
    }
}

@Suite struct FastModuloTests {
    @Test(arguments: [1, 2, 3, 7, 10, 99_999, 999_999, 9_999_999, 4_294_967_295, 4_294_967_296, 1 << 62,
                      UInt64.max / 3, UInt64.max - 1, UInt64.max] as [UInt64])
    func equalsTheRemainderOperator(divisor: UInt64) {
        let m = FastModulo(divisor)
        var rng = SplitMix64(seed: divisor)
        let edges: [UInt64] = [0, 1, divisor - 1, divisor, divisor &+ 1, UInt64.max, UInt64.max - 1, 1 << 63]
        for a in edges { #expect(m.remainder(a) == a % divisor, "a = \(a)") }
        for _ in 0..<20_000 {
            let a = rng.next()
            #expect(m.remainder(a) == a % divisor)
        }
    }
}
