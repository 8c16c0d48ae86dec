import AgoraCore
import AgoraEngine
import Foundation

/// Attention: populations whose traders act more when their market has been moving, and less when
/// it has been quiet. Investors trade on what catches their eye (Barber and Odean, "All that
/// glitters", RFS 2008), and in Cont's threshold model ("Volatility clustering in financial
/// markets", 2007) agents who update their thresholds with recent volatility make it cluster.
///
/// For each such population and instrument the market keeps two moving averages of the mid's
/// |log return| (basis points): a recent one over `attention_ticks` and a long-run one over
/// `attention_base_ticks`. A trader's chance to act is its `activity` × (recent / long-run)^g, g
/// the population's `attention`, held within 1/`attention_max` … `attention_max` times `activity`
/// and at most 1. Moves draw in
/// traders, whose orders move the price: volume follows |returns|, and calm and turbulent spells
/// persist for about `attention_ticks`.
struct MarketAttention {
    /// Per population: its gain g (0: no attention) and the weights of the two averages.
    let gains: [Double]
    let caps: [Double]
    let recentWeight: [Double]
    let baseWeight: [Double]
    let activity: [Double]
    let symbols: Int
    /// Per population × instrument (population-major): the two averages, and the draw below which
    /// a trader acts the next tick.
    let recent: Column<Double>
    let base: Column<Double>
    /// How many moves each average has taken in.
    let samples: Column<Double>
    let thresholds: Column<UInt64>

    var isEmpty: Bool { !gains.contains { $0 > 0 } }

    init(populations: [TraderCommon], symbols: Int) {
        gains = populations.map(\.attention)
        caps = populations.map(\.attentionMax)
        recentWeight = populations.map { 1 / Double(max(1, $0.attentionTicks)) }
        baseWeight = populations.map { 1 / Double(max(1, $0.attentionBaseTicks)) }
        activity = populations.map(\.activity.value)
        self.symbols = symbols
        let n = max(1, populations.count * symbols)
        recent = Column(count: n, repeating: 0)
        base = Column(count: n, repeating: 0)
        samples = Column(count: n, repeating: 0)
        thresholds = Column(count: n, repeating: 0)
        for p in populations.indices {
            for s in 0..<symbols { thresholds[p * symbols + s] = populations[p].activity.threshold }
        }
    }

    /// Takes in each instrument's move over the tick (|log return| in basis points; nil: no mid on
    /// one side) and sets the next tick's chances to act.
    func update(moves: [Double?]) {
        for p in gains.indices where gains[p] > 0 {
            for s in 0..<symbols {
                let k = p * symbols + s
                guard let move = moves[s] else { continue }
                // Until an average has seen its span of moves it is their plain mean, so that the
                // first moves of a run do not stand for its long-run level.
                samples[k] += 1
                let n = 1 / samples[k]
                recent[k] += max(n, recentWeight[p]) * (move - recent[k])
                base[k] += max(n, baseWeight[p]) * (move - base[k])
                let factor = base[k] > 0 ? min(caps[p], max(1 / caps[p], pow(recent[k] / base[k], gains[p]))) : 1
                thresholds[k] = Probability(min(1, activity[p] * factor)).threshold
            }
        }
    }

    /// The addresses of population `p`'s per-instrument thresholds, nil when it pays no attention.
    func thresholds(of p: Int) -> UnsafeMutablePointer<UInt64>? {
        gains[p] > 0 ? thresholds.pointer + p * symbols : nil
    }
}

extension MarketModel {
    /// Each instrument's |log return| (basis points) from the mid of the tick before to the one
    /// just published for tick `tick`, into the attention of every population that pays it.
    func updateAttention(afterTick tick: Int) {
        guard !attention.isEmpty, tick >= 0 else { return }
        let symbols = spec.exchange.instruments.count
        var moves = [Double?](repeating: nil, count: symbols)
        for s in 0..<symbols {
            let now = views[s].mid
            let before = midHistory[s * historyLength + ((tick - 1) % historyLength + historyLength) % historyLength]
            if now > 0 && before > 0 { moves[s] = abs(log(Double(now) / Double(before))) * 10_000 }
        }
        attention.update(moves: moves)
    }
}
