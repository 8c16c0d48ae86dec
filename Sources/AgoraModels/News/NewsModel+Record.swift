import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraSocial
import Foundation

/// The rest of a tick: feeds filed in propagate, events and counters in record, the tick's metrics
/// and follow changes in endTick, and the run's summary.
extension NewsModel {
    public func propagate(_ ctx: ShardContext, inbox: Inbox<Post>) {
        let k = UInt32(params.feedSize)
        let fd = feed.pointer, fc = feedCount.pointer, un = unread.pointer
        let out = posted.pointer, likeCount = likes.pointer, lastTick = lastPostTick.pointer, received = likesReceived.pointer
        // A new post starts with no likes.
        for v in ctx.agents where out[v].author != .max {
            lastTick[v] = Int32(ctx.tick)
            likeCount[v] = 0
        }
        for segment in inbox.segments {
            for env in segment {
                let v = Int(env.to)
                if env.message.origin == .max {
                    received[v] &+= 1
                    if lastTick[v] >= 0 && UInt16(truncatingIfNeeded: lastTick[v]) == env.message.tick { likeCount[v] += 1 }
                    continue
                }
                fd[v * Int(k) + Int(fc[v] % k)] = env.message
                fc[v] &+= 1
                un[v] = min(UInt16(k), un[v] + 1)
            }
        }
    }

    public func record(_ ctx: ShardContext, into recorder: inout ShardRecorder) {
        let em = emotion.pointer, at = attitude.pointer, heard = heardAt.pointer, out = posted.pointer, ch = changed.pointer
        let rq = request.pointer, lk = liked.pointer, act = activity.pointer, wr = wrote.pointer, dl = delivered.pointer, counting = llm != nil
        let cascades = cascadeParts[ctx.shard]
        var c = [Int64](repeating: 0, count: counterCount)
        let measuring = params.paradoxMetrics, flags = paradoxFlags.pointer, friends = friendFollowers.pointer, fcount = followerCount.pointer
        // One buffer per event shape, filled per event: no array is made per post.
        var postRow = [Int64](repeating: 0, count: Self.postEvent.columns.count)
        var stateRow = [Int64](repeating: 0, count: Self.stateEvent.columns.count)
        for v in ctx.agents {
            if heard[v] >= 0 { c[0] += 1 }
            if out[v].author != .max {
                // Counted here, not in decide, so that between ticks every process's count of
                // anyone's activity is the same (the LLM side reads it in match).
                act[v] += 1
                c[1] += 1
                let p = out[v]
                let original = p.origin == p.author && p.originTick == p.tick
                if original {
                    c[11] += 1
                } else {
                    cascades.add(UInt64(p.origin) << 16 | UInt64(p.originTick))
                }
                postRow[0] = Int64(p.origin); postRow[1] = Int64(p.originTick)
                postRow[2] = original ? -1 : Int64(parent[v]); postRow[3] = original ? -1 : Int64(parentTick[v])
                postRow[4] = Int64(p.attitude); postRow[5] = Int64(p.emotion)
                postRow.withUnsafeBufferPointer { recorder.record(kind: 5, agent: v, values: $0) }
                if counting {
                    // How many feeds the post reached, and whether it carries an LLM's text.
                    let n = Int64(dl[v] & (Self.llmOrigin - 1))
                    c[15] += n
                    if dl[v] & Self.llmOrigin != 0 { c[16] += n }
                    dl[v] = 0
                }
            }
            c[2 + Int(em[v])] += 1
            c[6 + Int(at[v])] += 1
            if ch[v] != 0 {
                ch[v] = 0
                stateRow[0] = Int64(em[v]); stateRow[1] = Int64(at[v]); stateRow[2] = heard[v] >= 0 ? 1 : 0
                stateRow.withUnsafeBufferPointer { recorder.record(kind: 6, agent: v, values: $0) }
            }
            if rq[v].followee != .max {
                c[rq[v].follow ? 8 : 9] += 1
                recorder.record(kind: 7, agent: v, Int64(rq[v].followee), rq[v].follow ? 1 : 0)
            }
            if lk[v] != .max {
                c[10] += 1
                recorder.record(kind: 8, agent: v, Int64(lk[v]))
            }
            if wr[v] != 0 {
                c[12] += 1
                let written = texts[Int(wr[v]) - 1]
                wr[v] = 0
                recorder.record(kind: Self.llmPostEvent.id, agent: v,
                                values: [recorder.text(written.text), recorder.text(written.topic), Int64(em[v]), Int64(at[v])])
            }
        }
        if measuring {
            for v in ctx.agents {
                let f = flags[v], k = Int64(fcount[v])
                let b = paradoxCounters
                c[b] += Int64(f & 1); c[b + 1] += Int64(f >> 1 & 1); c[b + 2] += Int64(f >> 2 & 1); c[b + 3] += Int64(f >> 3 & 1)
                c[b + 4] += Int64(friends[v]); c[b + 5] += k; c[b + 6] += k * k
            }
        }
        if let llm {
            // The LLM users' feelings, for their curves beside the rule users'.
            for v in llm.escalated[llm.escalatedRange(ctx.agents)] { c[13] += Int64(em[v]); c[14] += Int64(at[v]) }
        }
        for i in c.indices { recorder.counters[i] += c[i] }
    }

    public func endTick(_ tick: Tick, counters: [Int64]) -> [Double] {
        let n = Double(max(1, agentCount))
        last = [Double(counters[0]) / n, Double(counters[1])] + counters[2..<8].map { Double($0) / n } + counters[8..<11].map { Double($0) }
        // 1 when people split evenly between the two sides, 0 when nobody takes the other side.
        last.append(4 * last[5] * last[7])
        if llm != nil {
            llmPosts += Int(counters[12])
            last += [Double(counters[12]), counters[1] > 0 ? Double(counters[12]) / Double(counters[1]) : 0]
            // Mean emotion (0…2) and attitude (−1…+1) of the LLM users and of the others.
            let thinkers = Double(llm!.escalated.count), others = n - thinkers
            let emotionSum = Double(counters[3] + 2 * counters[4]), attitudeSum = Double(counters[7] - counters[5])
            last += [thinkers > 0 ? Double(counters[13]) / thinkers : 0, thinkers > 0 ? Double(counters[14]) / thinkers : 0,
                     others > 0 ? (emotionSum - Double(counters[13])) / others : 0, others > 0 ? (attitudeSum - Double(counters[14])) / others : 0,
                     Double(counters[15]), Double(counters[16])]
            deliveries += Int(counters[15])
            llmDeliveries += Int(counters[16])
        }
        if params.paradoxMetrics { last += paradoxFigures(counters, from: paradoxCounters) }
        originals += Int(counters[11])
        // The tick's follows and unfollows land together, in agent order.
        if counters[8] + counters[9] > 0 {
            batch.removeAll(keepingCapacity: true)
            let rq = request.pointer
            for v in 0..<agentCount where rq[v].followee != .max { batch.append(rq[v]) }
            if let following {
                // Whom the askers follow: the same changes by follower, each process its own rows.
                var byFollower = batch.map { FollowGraph.Change(followee: $0.follower, follower: $0.followee, follow: $0.follow) }
                _ = following.apply(&byFollower)
            }
            for change in batch {
                if change.follow { followerCount[Int(change.followee)] += 1 } else { followerCount[Int(change.followee)] -= 1 }
            }
            let result = follows.apply(&batch)
            assert(follows.rows.count < agentCount || (result.added == Int(counters[8]) && result.removed == Int(counters[9])),
                   "every request takes effect")
        }
        rebuildAttachment()
        return last
    }

    /// The last tick's metrics; the cascades: `original_posts`, `reposted_share`,
    /// `mean_cascade_size` (reposts per original) and `max_cascade_size`; then the generalized friendship paradox for activity (posts and
    /// reposts over the run): `mean_activity`, `neighbor_activity` (the mean over people of their
    /// neighbours' mean), `activity_paradox_share` (the share of people whose neighbours are on
    /// average more active than they are) and `activity_degree_correlation`; then the echo chamber:
    /// `follow_links` and `agreeing_follow_links`, the share of follow links whose two ends share
    /// an attitude.
    public func summary() -> [(name: String, value: Double)] {
        guard !last.isEmpty else { return [] }
        // Sums over this process's rows (all of them, unless spread), added over the processes.
        let act = activity.pointer, at = attitude.pointer
        var sums = AttributeParadox.Sums(graph) { Int64(act[$0]) }
        var same = 0, links = follows.edgeCount
        for v in follows.rows {
            for u in follows.followers(of: v) where at[Int(u)] == at[v] { same += 1 }
        }
        if let group, group.size > 1 {
            var w = StateWriter()
            sums.write(to: &w); w.write(same); w.write(links)
            sums = .init(); same = 0; links = 0
            for part in group.allGather(w.bytes) {
                var r = StateReader(part)
                do {
                    sums.add(try AttributeParadox.Sums(from: &r))
                    same += try r.int(); links += try r.int()
                } catch {
                    preconditionFailure("a process's summary sums do not read: \(error)")
                }
            }
        }
        let paradox = AttributeParadox(sums)
        let cascades = cascades()
        var reposts = 0, largest: UInt32 = 0
        cascades.forEach { reposts += Int($1); largest = max(largest, $1) }
        return zip(metricNames, last).map { ($0, $1) } + [
            ("original_posts", Double(originals)), ("reposted_share", Double(cascades.count) / Double(max(1, originals))),
            ("mean_cascade_size", Double(reposts) / Double(max(1, originals))), ("max_cascade_size", Double(largest)),
            ("mean_activity", paradox.meanValue), ("neighbor_activity", paradox.meanNeighborValue),
            ("activity_paradox_share", paradox.shareBelowNeighbors),
            ("activity_degree_correlation", paradox.degreeCorrelation),
            ("follow_links", Double(links)), ("agreeing_follow_links", Double(same) / Double(max(1, links))),
        ] + (llm.map { llm in
            // Feeds reached per original post, its reposts' included: the LLM users' texts and the rest.
            let ruleOriginals = max(1, originals - llmPosts)
            return [("llm_posts_total", Double(llmPosts)), ("llm_post_reach", Double(llmDeliveries) / Double(max(1, llmPosts))),
                    ("rule_post_reach", Double(deliveries - llmDeliveries) / Double(ruleOriginals))] + llm.summary()
        } ?? [])
    }
}
