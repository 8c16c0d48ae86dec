import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraSocial

/// How the follow network forms and how it is measured: rule users following by preferential
/// attachment (`attach_probability`, `attach_by`), the friendship paradox of the follow network
/// measured every tick (`paradox_metrics`), and the rankings of a feed beyond recency.
extension NewsModel {
    /// What a rule user's new follow is drawn in proportion to: the followee's followers + 1, or
    /// its activity + 1 (posts and reposts made).
    public enum AttachBy: String, Sendable, CaseIterable { case followers, activity }

    /// The per-tick figures of the follow network's friendship paradox, when `paradox_metrics` is on.
    /// A person's friends are those it follows; its degree is its number of followers.
    static let paradoxMetricNames = [
        "mean_followers", "mean_friend_followers", "k2_over_k", "follow_paradox_share", "follow_activity_paradox_share",
        "follow_likes_paradox_share",
    ]
    /// Counters after the base ones: people who follow anyone; of them those whose friends have on
    /// average more followers, more activity, more likes received; Σ (mean followers of one's
    /// friends × 1000); Σ followers; Σ followers².
    static let paradoxCounterCount = 7

    /// Whether the model keeps the weights of preferential attachment.
    var attaches: Bool { params.attachProbability > 0 || params.recommender == .preferential }

    /// Brings the running sums of the attachment weights up to date (a serial hook: prepare, endTick,
    /// after a restore), from the follower counts and activity every process holds alike.
    func rebuildAttachment() {
        guard attaches else { return }
        let fc = followerCount.pointer, act = activity.pointer, sums = attachSums.pointer, byActivity = params.attachBy == .activity
        var total: UInt64 = 0
        for v in 0..<agentCount {
            total &+= UInt64(byActivity ? act[v] : fc[v]) + 1
            sums[v] = total
        }
        attachTotal = total
    }

    /// The person drawn by preferential attachment for the draw `u` < `attachTotal`.
    @inline(__always) func attachTarget(_ u: UInt64) -> Int {
        let sums = attachSums.pointer
        var lo = 0, hi = agentCount - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if sums[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// The paradox figures of a tick from its summed counters, starting at `first`.
    func paradoxFigures(_ counters: [Int64], from first: Int) -> [Double] {
        let has = Double(counters[first]), n = Double(max(1, agentCount))
        let sumK = Double(counters[first + 5]), sumK2 = Double(counters[first + 6])
        func share(_ k: Int) -> Double { has > 0 ? Double(counters[first + k]) / has : 0 }
        return [sumK / n, has > 0 ? Double(counters[first + 4]) / 1000 / has : 0, sumK > 0 ? sumK2 / sumK : 0, share(1), share(2), share(3)]
    }

    /// Each person's interests for the `interest` ranking: one byte per persona attribute (a hash of
    /// its value), so that the similarity of two people is the number of bytes they share.
    static func interests(_ personas: Personas, count: Int) -> Column<UInt64> {
        let column = Column<UInt64>(count: count, repeating: 0)
        let attributes = min(8, personas.attributes.count)
        for v in 0..<count {
            var code: UInt64 = 0
            for a in 0..<attributes {
                code |= (UInt64(bitPattern: textHash(personas.value(agent: v, attribute: a))) & 0xFF | 1) << UInt64(8 * a)
            }
            column[v] = code
        }
        return column
    }

    /// How many persona attributes two interest codes share.
    @inline(__always) static func similarity(_ a: UInt64, _ b: UInt64) -> Int {
        var same = 0, x = a, y = b
        while x != 0 || y != 0 {
            if x & 0xFF == y & 0xFF && x & 0xFF != 0 { same += 1 }
            x >>= 8
            y >>= 8
        }
        return same
    }
}
