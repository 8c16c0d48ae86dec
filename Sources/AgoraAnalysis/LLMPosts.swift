import AgoraCore
import Foundation

/// How the posts LLM users wrote spread against the rules' posts, and some of their texts: what a
/// study of LLM users on a network asks of a run first. Read from the `llm_post` and `post` events.
public struct LLMPostFigures: Sendable {
    /// Original posts of one kind and their cascades (reposts of them).
    public struct Spread: Sendable, Hashable {
        public var originals = 0
        public var reposted = 0
        public var reposts = 0
        public var largest = 0
        /// Reposts per original post.
        public var meanCascade: Double { originals > 0 ? Double(reposts) / Double(originals) : 0 }
        public var repostedShare: Double { originals > 0 ? Double(reposted) / Double(originals) : 0 }
    }

    /// One LLM post, as the log holds it.
    public struct Sample: Sendable, Hashable {
        public var tick: Int
        public var author: Int
        public var text: String
        public var topic: String
        public var emotion: Int
        public var attitude: Int
    }

    public var llm = Spread()
    public var rule = Spread()
    /// The first posts LLM users wrote, in the log's order (at most `maxSamples`).
    public var samples: [Sample] = []
    public static let maxSamples = 12

    /// (name, value) pairs for the catalog (`analysis.llm_posts.*`) and `--json`.
    public var figures: [(name: String, value: Double)] {
        [("llm.originals", llm.originals), ("llm.reposted", llm.reposted), ("llm.largest", llm.largest),
         ("rule.originals", rule.originals), ("rule.reposted", rule.reposted), ("rule.largest", rule.largest)].map { ($0.0, Double($0.1)) }
            + [("llm.mean_cascade", llm.meanCascade), ("rule.mean_cascade", rule.meanCascade),
               ("llm.reposted_share", llm.repostedShare), ("rule.reposted_share", rule.repostedShare)]
    }

    /// Splits the run's cascades (reposts per original, keyed by the original's author << 16 |
    /// tick mod 2¹⁶) between the LLM users' originals (`llmKeys`) and the rest.
    init(cascades: CountTable, originals: Int, llmKeys: Set<UInt64>, samples: [Sample]) {
        self.samples = samples
        llm.originals = llmKeys.count
        rule.originals = originals - llmKeys.count
        cascades.forEach { key, size in
            let n = Int(size)
            if llmKeys.contains(key) {
                llm.reposted += 1; llm.reposts += n; llm.largest = max(llm.largest, n)
            } else {
                rule.reposted += 1; rule.reposts += n; rule.largest = max(rule.largest, n)
            }
        }
    }

    /// The summary lines of `agora analyze`.
    var lines: [String] {
        func f(_ s: Spread) -> String {
            "\(s.originals) originals, \(String(format: "%.1f", 100 * s.repostedShare))% reposted, \(String(format: "%.3f", s.meanCascade)) reposts each, largest \(s.largest)"
        }
        return ["  llm posts: \(f(llm))", "  rule posts: \(f(rule))"]
    }
}
