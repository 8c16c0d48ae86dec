import AgoraCore
import AgoraEngine
import AgoraLLM
import AgoraSocial
import Foundation

/// What a person does in decide: reads its feed, feels and takes sides, likes, follows or
/// unfollows, and posts or reposts — or, thinking through an LLM, does what its answer said.
extension NewsModel {
    public func decide(_ ctx: ShardContext, outbox: Outbox<Post>) {
        let k = params.feedSize
        let em = emotion.pointer, at = attitude.pointer, heard = heardAt.pointer
        let fd = feed.pointer, fc = feedCount.pointer, un = unread.pointer, out = posted.pointer, ch = changed.pointer
        let rq = request.pointer, lk = liked.pointer, likeCount = likes.pointer, lastTick = lastPostTick.pointer
        let followers = follows.held, followees = following?.held
        /// Whether v follows `author` now: from the author's followers, or spread, from v's followees.
        func isFollowing(_ v: Int, _ author: Int) -> Bool {
            if let followees { return followees.follows(author, v) }
            return followers.follows(v, author)
        }
        let likeChance = params.likeProbability, ranking = params.ranking
        let codes = interests.pointer, pick = RandomStream(seed: seed, stream: Self.stream ^ 0x4A).tick(ctx.tick)
        /// The post at the head of v's feed under the ranking.
        func head(_ v: Int) -> Post {
            let newest = fd[v * k + Int((fc[v] &- 1) % UInt32(k))]
            let held = min(Int(fc[v]), k)
            switch ranking {
            case .recency:
                return newest
            case .random:
                var r = pick.agent(v)
                return fd[v * k + Int((fc[v] &- 1 &- UInt32(r.index(below: held))) % UInt32(k))]
            case .engagement, .hot, .interest:
                var best = newest, bestScore = -1.0
                for j in 0..<held {
                    let p = fd[v * k + Int((fc[v] &- 1 &- UInt32(j)) % UInt32(k))]
                    let a = Int(p.author)
                    let likes = UInt16(truncatingIfNeeded: lastTick[a]) == p.tick && lastTick[a] >= 0 ? Double(likeCount[a]) : 0
                    let score: Double
                    switch ranking {
                    case .engagement: score = likes
                    case .hot: score = likes / pow(Double(Int(UInt16(truncatingIfNeeded: ctx.tick) &- p.tick)) + 2, 1.5)
                    default: score = Double(Self.similarity(codes[v], codes[a]))
                    }
                    if score > bestScore { best = p; bestScore = score }
                }
                return best
            }
        }
        let unfollowChance = params.unfollowProbability, followChance = params.followProbability
        let draws = random.tick(ctx.tick)
        let tick = ctx.tick
        let contagion = params.contagion, decay = Probability(params.decay), conformity = Probability(params.conformity)
        let thinking = llm?.pendingFlag.pointer, wr = wrote.pointer, dl = delivered.pointer, counting = llm != nil
        let attachChance = params.attachProbability, attachTotal = attachTotal
        let measuring = params.paradoxMetrics, flags = paradoxFlags.pointer, friends = friendFollowers.pointer
        let fcount = followerCount.pointer, act = activity.pointer, received = likesReceived.pointer
        /// v's post goes to its followers; with LLM users, how many feeds it reached is kept for record.
        func publish(_ v: Int, _ p: Post) {
            out[v] = p
            let audience = followers.followers(of: v)
            for u in audience { outbox.send(to: Int(u), p) }
            if counting { dl[v] = UInt32(min(audience.count, Int(Self.llmOrigin - 1))) | (writtenByLLM(p, now: tick) ? Self.llmOrigin : 0) }
        }
        /// v likes `author`'s post of `postTick`: the like goes to the author as a message.
        func like(_ v: Int, _ author: UInt32, _ postTick: UInt16) {
            lk[v] = author
            outbox.send(to: Int(author), Post(author: UInt32(v), origin: .max, originTick: 0, tick: postTick, attitude: 0, emotion: 0))
        }
        for v in ctx.agents {
            var r = draws.agent(v)
            // The follow network as this tick found it: do v's friends have more than v?
            if measuring, let followees {
                let row = followees.followers(of: v)
                var f = 0, a = 0, l = 0
                for u in row { f += Int(fcount[Int(u)]); a += Int(act[Int(u)]); l += Int(received[Int(u)]) }
                let n = row.count
                flags[v] = n == 0 ? 0 : 1 | (f > Int(fcount[v]) * n ? 2 : 0) | (a > Int(act[v]) * n ? 4 : 0) | (l > Int(received[v]) * n ? 8 : 0)
                friends[v] = n == 0 ? 0 : UInt32(clamping: f * 1000 / n)
            }
            let before = (em[v], at[v], heard[v] >= 0)
            out[v].author = .max
            rq[v].followee = .max
            lk[v] = .max
            // Read last tick's arrivals: the newest `unread` posts of the ring.
            let fresh = Int(un[v])
            un[v] = 0
            // An LLM user does what its answer said, and feels as it said, instead of its rules.
            if let thinking, thinking[v] != 0, let choice = llm?.decisions[v] {
                if fresh > 0 && heard[v] < 0 { heard[v] = Int32(tick) }
                em[v] = choice.emotion
                at[v] = choice.attitude
                if (em[v], at[v], heard[v] >= 0) != before { ch[v] = 1 }
                let now = UInt16(truncatingIfNeeded: tick)
                var post: Post?
                switch choice.act {
                case .post(let text):
                    post = Post(author: UInt32(v), origin: UInt32(v), originTick: now, tick: now, attitude: at[v], emotion: em[v])
                    wr[v] = text + 1
                case .repost(let p):
                    parent[v] = p.author
                    parentTick[v] = p.tick
                    post = Post(author: UInt32(v), origin: p.origin, originTick: p.originTick, tick: now, attitude: at[v], emotion: em[v])
                case .like(let author, let postTick):
                    if Int(author) != v { like(v, author, postTick) }
                case .follow(let whom):
                    if Int(whom) != v && !isFollowing(v, Int(whom)) { rq[v] = FollowGraph.Change(followee: whom, follower: UInt32(v), follow: true) }
                case .unfollow(let whom):
                    if Int(whom) != v && isFollowing(v, Int(whom)) { rq[v] = FollowGraph.Change(followee: whom, follower: UInt32(v), follow: false) }
                case .nothing:
                    break
                }
                if let p = post { publish(v, p) }
                continue
            }
            if fresh > 0 {
                var arousal = 0, attitudeSum = 0
                for j in 0..<fresh {
                    let p = fd[v * k + Int((fc[v] &- 1 &- UInt32(j)) % UInt32(k))]
                    arousal += Int(p.emotion)
                    attitudeSum += Int(p.attitude)
                }
                if heard[v] < 0 { heard[v] = Int32(tick) }
                if r.unit() < contagion * Double(arousal) / Double(2 * fresh) {
                    em[v] = min(2, em[v] + 1)
                } else if em[v] > 0 && r.bernoulli(decay) {
                    em[v] -= 1
                }
                if r.bernoulli(conformity) {
                    let target = attitudeSum > 0 ? Int8(1) : attitudeSum < 0 ? -1 : 0
                    if target > at[v] { at[v] += 1 } else if target < at[v] { at[v] -= 1 }
                }
                // At most one follow or unfollow a tick, checked against the network as it stands
                // (it changes only between ticks), so every request takes effect.
                if unfollowChance > 0 || followChance > 0 {
                    let top = head(v)
                    if unfollowChance > 0, Int(top.attitude) * Int(at[v]) < 0, Int(top.author) != v,
                       r.unit() < unfollowChance, isFollowing(v, Int(top.author)) {
                        rq[v] = FollowGraph.Change(followee: top.author, follower: UInt32(v), follow: false)
                    } else if followChance > 0, top.origin != top.author, Int(top.origin) != v,
                              r.unit() < followChance, !isFollowing(v, Int(top.origin)) {
                        rq[v] = FollowGraph.Change(followee: top.origin, follower: UInt32(v), follow: true)
                    }
                }
                // Like the newest post read unless it takes the other side.
                if likeChance > 0 {
                    let newest = fd[v * k + Int((fc[v] &- 1) % UInt32(k))]
                    if Int(newest.attitude) * Int(at[v]) >= 0, Int(newest.author) != v, r.unit() < likeChance { like(v, newest.author, newest.tick) }
                }
            } else if em[v] > 0 && r.bernoulli(decay) {
                em[v] -= 1
            }
            // The news breaks.
            if tick == params.newsTick && seeds.contains(v) {
                heard[v] = Int32(tick)
                em[v] = 2
                at[v] = params.newsAttitude
            }
            // Someone new to follow, by preferential attachment.
            if attachChance > 0, rq[v].followee == .max, r.unit() < attachChance {
                let whom = attachTarget(UInt64(r.index(below: Int(attachTotal))))
                if whom != v && !isFollowing(v, whom) { rq[v] = FollowGraph.Change(followee: UInt32(whom), follower: UInt32(v), follow: true) }
            }
            if (em[v], at[v], heard[v] >= 0) != before { ch[v] = 1 }
            // Post or repost.
            guard heard[v] >= 0 else { continue }
            var post: Post?
            let originalChance = tick == params.newsTick && seeds.contains(v) ? 1 : params.postProbability * Double(1 + Int(em[v]))
            if r.unit() < originalChance {
                let now = UInt16(truncatingIfNeeded: tick)
                post = Post(author: UInt32(v), origin: UInt32(v), originTick: now, tick: now, attitude: at[v], emotion: em[v])
            } else if fc[v] > 0 && r.unit() < params.repostProbability {
                let latest = head(v)
                parent[v] = latest.author
                parentTick[v] = latest.tick
                post = Post(author: UInt32(v), origin: latest.origin, originTick: latest.originTick, tick: UInt16(truncatingIfNeeded: tick),
                            attitude: at[v], emotion: em[v])
            }
            if let p = post { publish(v, p) }
        }
    }
}
