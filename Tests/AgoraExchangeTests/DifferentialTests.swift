import AgoraCore
@testable import AgoraExchange
import Foundation
import Testing

/// Seeded random command streams over every command type, with prices near a mid so that orders
/// cross often, owners from a small set (so self-trade prevention triggers), and ids that are
/// sometimes stale or unknown.
func randomCommands(seed: UInt64, count: Int) -> [BookCommand] {
    var rng = SplitMix64(seed: seed)
    func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    var nextID: UInt64 = 0
    var commands: [BookCommand] = []
    for _ in 0..<count {
        let side: Side = pick(2) == 0 ? .buy : .sell
        let price = Price(95 + pick(11))
        let qty = Quantity(1 + pick(20))
        let owner = UInt32(pick(4))
        let someID = nextID == 0 ? 0 : UInt64(pick(Int(nextID) + 3))  // occasionally unknown
        switch pick(100) {
        case 0..<45:
            let tifs: [TimeInForce] = [.gtc, .gtc, .gtc, .day, .ioc, .fok]
            commands.append(.submit(.limit(nextID, side, price, qty, owner: owner, timeInForce: tifs[pick(tifs.count)],
                                           postOnly: pick(8) == 0)))
            nextID += 1
        case 45..<55:
            commands.append(.submit(.market(nextID, side, qty, owner: owner)))
            nextID += 1
        case 55..<75: commands.append(.cancel(id: someID))
        case 75..<85: commands.append(.reduce(id: someID, by: Quantity(pick(8))))
        case 85..<97: commands.append(.modify(id: someID, price: price, quantity: Quantity(pick(15))))
        default:
            // Invalid input: zero quantity, out-of-range price, or a duplicate id.
            let bad: [BookCommand] = [.submit(.limit(nextID, side, price, 0)), .submit(.limit(nextID, side, -3, 5)),
                                      .submit(.limit(someID, side, price, qty))]
            commands.append(bad[pick(3)])
            if case .submit(let o) = commands.last!, o.id == nextID { nextID += 1 }
        }
    }
    return commands
}

@Suite struct DifferentialTests {
    @Test(arguments: [SelfTradePrevention.none, .cancelResting, .cancelIncoming])
    func bothBooksAgreeOnEveryEventAndState(stp: SelfTradePrevention) {
        for seed in 0..<12 as Range<UInt64> {
            let config = BookConfig(priceRange: 1...1_000, selfTradePrevention: stp)
            let reference = ReferenceBook(config: config)
            let ladder = LadderBook(config: config)
            var a: [BookEvent] = [], b: [BookEvent] = []
            for (i, c) in randomCommands(seed: seed, count: 2_500).enumerated() {
                a.removeAll(); b.removeAll()
                reference.apply(c, events: &a)
                ladder.apply(c, events: &b)
                guard a == b, reference.stateHash() == ladder.stateHash() else {
                    Issue.record("seed \(seed), command \(i) \(c): reference \(a) vs ladder \(b)")
                    return
                }
            }
            #expect(reference.levels(.buy, limit: 100) == ladder.levels(.buy, limit: 100))
            #expect(reference.levels(.sell, limit: 100) == ladder.levels(.sell, limit: 100))
            #expect(reference.restingOrderCount == ladder.restingOrderCount)
        }
    }

    @Test(arguments: BookKind.allCases)
    func everyLotIsAccountedFor(kind: BookKind) {
        // For each order: accepted quantity = traded as taker + traded as maker + cancelled + reduced + resting.
        let book = kind.make(BookConfig(selfTradePrevention: .cancelResting))
        var accepted: [UInt64: Quantity] = [:]
        var used: [UInt64: Quantity] = [:]
        var events: [BookEvent] = []
        for c in randomCommands(seed: 99, count: 4_000) {
            events.removeAll()
            book.apply(c, events: &events)
            for e in events {
                switch e.kind {
                case .accepted: accepted[e.orderID, default: 0] += e.quantity
                case .fill:
                    used[e.orderID, default: 0] += e.quantity
                    used[e.counterID, default: 0] += e.quantity
                case .cancelled: used[e.orderID, default: 0] += e.remaining
                case .reduced: used[e.orderID, default: 0] += e.quantity
                case .replaced:
                    // The old order ended with what rested; the replacement starts afresh.
                    break
                case .rejected: break
                }
            }
        }
        var resting: [UInt64: Quantity] = [:]
        book.forEachRestingOrder { resting[$0.id] = $0.remaining }
        // Orders never modified must balance exactly.
        let modified = Set(randomCommands(seed: 99, count: 4_000).compactMap { c -> UInt64? in
            if case .modify(let id, _, _) = c { return id }
            return nil
        })
        for (id, q) in accepted where !modified.contains(id) {
            #expect(used[id, default: 0] + resting[id, default: 0] == q, "order \(id)")
        }
    }
}

/// The shared workload streams, where they are available (beside the repository, as in CI).
let workloadFolder: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var candidates: [String] = [root.appendingPathComponent("../shared/workloads").path, root.appendingPathComponent("workloads").path]
    if let env = ProcessInfo.processInfo.environment["AGORA_WORKLOADS"] { candidates.insert(env, at: 0) }
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/orders_n1000000_seed1.json") }
}()

@Suite(.enabled(if: workloadFolder != nil, "the shared workload files are not beside the repository"))
struct WorkloadStreamTests {
    @Test(arguments: ["orders_n1000000_seed1", "orders_n1000000_seed1_passive"])
    func reproducesTheExpectedFinalState(name: String) throws {
        let folder = workloadFolder!
        let expectation = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name).json"))) as! [String: Any]
        let expected = expectation["expected_final"] as! [String: Int]
        let commands = try OrderStreamFile.load(path: "\(folder)/\(name).bin.zst")
        let s = replay(commands, into: LadderBook())
        #expect(s.trades == expected["n_trades"])
        #expect(Int(s.tradedVolume) == expected["traded_volume"])
        #expect(Int(s.tradedNotional) == expected["traded_notional"])
        #expect(s.restingOrders == expected["resting_orders"])
        #expect(s.bestBid.map(Int.init) == expected["best_bid"])
        #expect(s.bestAsk.map(Int.init) == expected["best_ask"])
        #expect(Int(s.bidVolume) == expected["bid_volume"])
        #expect(Int(s.askVolume) == expected["ask_volume"])
        #expect(s.bidLevels == expected["bid_levels"])
        #expect(s.askLevels == expected["ask_levels"])
    }

    @Test func theReferenceBookAgreesOnTheCrossStream() throws {
        // The thin cross book keeps the reference fast enough to replay the whole stream.
        let commands = try OrderStreamFile.load(path: "\(workloadFolder!)/orders_n1000000_seed1.bin.zst")
        let prefix = Array(commands.prefix(200_000))
        #expect(replay(prefix, into: ReferenceBook()) == replay(prefix, into: LadderBook()))
    }
}

@Suite struct OrderStreamTests {
    @Test func encodeDecodeRoundTrips() throws {
        let commands: [BookCommand] = [.submit(.limit(0, .buy, 10_000, 5)), .submit(.market(1, .sell, 7)), .cancel(id: 0)]
        #expect(try OrderStream.decode(OrderStream.encode(commands)) == commands)
    }

    @Test func badRecordsAreNamed() {
        var data = OrderStream.encode([.submit(.limit(0, .buy, 10, 5)), .submit(.limit(1, .buy, 10, 5))])
        data[16] = 7
        #expect { try OrderStream.decode(data, name: "x.bin") } throws: { "\($0)" == "x.bin: record 1 (byte 16): kind 7 is not 0 (limit), 1 (market) or 2 (cancel)" }
        #expect { try OrderStream.decode(data.prefix(20), name: "x.bin") } throws: { "\($0)".contains("not a whole number") }
    }
}
