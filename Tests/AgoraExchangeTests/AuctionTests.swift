import AgoraCore
@testable import AgoraExchange
import Testing

/// Hand-worked uncross cases: (bids, asks, reference, expected price, volume, imbalance).
/// Levels are (price, quantity), best first.
struct UncrossCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bids: [(Price, Quantity)]
    let asks: [(Price, Quantity)]
    let reference: Price?
    let expected: Uncross?
    var testDescription: String { name }
}

let uncrossCases: [UncrossCase] = [
    // p=99: B20 S5 → 5; p=100: B20 S15 → 15 (imb 5); p=101: B10 S15 → 10.
    UncrossCase(name: "most volume wins", bids: [(101, 10), (100, 10)], asks: [(99, 5), (100, 10)], reference: nil,
                expected: Uncross(price: 100, volume: 15, imbalance: 5)),
    // p=100: B14 S10 → 10 (imb 4); p=101: B10 S12 → 10 (imb 2): same volume, less imbalance, even
    // though the reference sits at 100.
    UncrossCase(name: "then least imbalance", bids: [(101, 10), (100, 4)], asks: [(100, 10), (101, 2)], reference: 100,
                expected: Uncross(price: 101, volume: 10, imbalance: 2)),
    // 100 and 105 both trade 10 with no imbalance: the reference decides.
    UncrossCase(name: "then nearest the reference (high)", bids: [(105, 10)], asks: [(100, 10)], reference: 104,
                expected: Uncross(price: 105, volume: 10, imbalance: 0)),
    UncrossCase(name: "then nearest the reference (low)", bids: [(105, 10)], asks: [(100, 10)], reference: 101,
                expected: Uncross(price: 100, volume: 10, imbalance: 0)),
    UncrossCase(name: "equidistant: the lower price", bids: [(104, 10)], asks: [(100, 10)], reference: 102,
                expected: Uncross(price: 100, volume: 10, imbalance: 0)),
    UncrossCase(name: "no reference: the lower price", bids: [(104, 10)], asks: [(100, 10)], reference: nil,
                expected: Uncross(price: 100, volume: 10, imbalance: 0)),
    UncrossCase(name: "a book that does not cross", bids: [(99, 10)], asks: [(100, 10)], reference: 100, expected: nil),
    UncrossCase(name: "one side empty", bids: [(99, 10)], asks: [], reference: 100, expected: nil),
    // Only the levels inside the cross are candidates; outer levels add quantity.
    UncrossCase(name: "deep book", bids: [(103, 5), (102, 5), (101, 5), (98, 50)], asks: [(100, 4), (102, 8), (104, 20)],
                reference: 101, expected: Uncross(price: 102, volume: 10, imbalance: 2)),
]

@Suite struct UncrossPriceTests {
    @Test(arguments: uncrossCases)
    func handWorkedCases(c: UncrossCase) {
        let bids = c.bids.map { PriceLevel(price: $0.0, quantity: $0.1, orders: 1) }
        let asks = c.asks.map { PriceLevel(price: $0.0, quantity: $0.1, orders: 1) }
        #expect(uncrossPrice(bids: bids, asks: asks, reference: c.reference) == c.expected)
    }
}

@Suite struct CallAuctionTests {
    @Test(arguments: BookKind.allCases)
    func ordersWaitDuringTheCallAndTradeInPriorityAtTheUncross(kind: BookKind) {
        let b = kind.make()
        b.mode = .call
        run(b, .submit(.limit(1, .buy, 100, 10)), .submit(.limit(2, .sell, 99, 5)), .submit(.limit(3, .buy, 101, 10)),
            .submit(.limit(4, .sell, 100, 10)))
        #expect(b.restingOrderCount == 4, "nothing trades during the call")
        #expect(b.bestBid == 101 && b.bestAsk == 99)
        var events: [BookEvent] = []
        let u = b.uncross(reference: nil, events: &events)
        #expect(u == Uncross(price: 100, volume: 15, imbalance: 5))
        // Buys by price then time (3 then 1), sells likewise (2 then 4), all at 100.
        #expect(events.map { [$0.orderID, $0.counterID, UInt64($0.quantity)] } == [[3, 2, 5], [3, 4, 5], [1, 4, 5]])
        #expect(events.allSatisfy { $0.kind == .fill && $0.price == 100 })
        #expect(b.order(id: 1)?.remaining == 5)
        #expect(b.restingOrderCount == 1)
        b.mode = .continuous
        #expect(kinds(run(b, .submit(.limit(5, .sell, 100, 5)))) == [.accepted, .fill])
    }

    @Test(arguments: BookKind.allCases)
    func marketOrdersInACallLiveForTheUncrossOnly(kind: BookKind) {
        let b = kind.make(BookConfig(priceRange: 1...1_000))
        b.mode = .call
        let accepted = run(b, .submit(.market(1, .buy, 12)))
        #expect(kinds(accepted) == [.accepted] && accepted[0].price == 1_000)
        run(b, .submit(.limit(2, .sell, 100, 5)), .submit(.limit(3, .sell, 101, 5)))
        var events: [BookEvent] = []
        let u = b.uncross(reference: 100, events: &events)
        // 100: B12 S5 → 5; 101: B12 S10 → 10 (imb 2); 1000: B12 S10 → 10 (imb 2): 101 is nearer 100.
        #expect(u == Uncross(price: 101, volume: 10, imbalance: 2))
        #expect(kinds(events) == [.fill, .fill, .cancelled])
        #expect(events[2].orderID == 1 && events[2].reason == .auctionRest && events[2].remaining == 2)
        #expect(b.restingOrderCount == 0)
    }

    @Test(arguments: BookKind.allCases)
    func immediateOrdersAreRefusedInACall(kind: BookKind) {
        let b = kind.make()
        b.mode = .call
        #expect(run(b, .submit(.limit(1, .buy, 100, 5, timeInForce: .ioc)))[0].reason == .invalidOrderType)
        #expect(run(b, .submit(.limit(2, .buy, 100, 5, timeInForce: .fok)))[0].reason == .invalidOrderType)
        b.mode = .continuous
        #expect(run(b, .submit(.limit(3, .buy, 100, 5, timeInForce: .auction)))[0].reason == .invalidOrderType)
    }
}

@Suite struct CallDifferentialTests {
    @Test func bothBooksAgreeAcrossCallsAndUncrosses() {
        for seed in 20..<30 as Range<UInt64> {
            let config = BookConfig(priceRange: 1...1_000)
            let reference = ReferenceBook(config: config)
            let ladder = LadderBook(config: config)
            var a: [BookEvent] = [], b: [BookEvent] = []
            for (i, c) in randomCommands(seed: seed, count: 3_000).enumerated() {
                // Phases of 150 commands: call, then continuous, with an uncross between.
                if i % 300 == 150 { reference.mode = .call; ladder.mode = .call }
                if i % 300 == 0 && i > 0 {
                    a.removeAll(); b.removeAll()
                    let ua = reference.uncross(reference: 100, events: &a)
                    let ub = ladder.uncross(reference: 100, events: &b)
                    #expect(ua == ub && a == b, "seed \(seed) uncross at \(i)")
                    reference.mode = .continuous; ladder.mode = .continuous
                    #expect(reference.bestBid == nil || reference.bestAsk == nil || reference.bestBid! < reference.bestAsk!,
                            "an uncrossed book is not crossed")
                }
                a.removeAll(); b.removeAll()
                reference.apply(c, events: &a)
                ladder.apply(c, events: &b)
                guard a == b, reference.stateHash() == ladder.stateHash() else {
                    Issue.record("seed \(seed), command \(i) \(c): reference \(a) vs ladder \(b)")
                    return
                }
            }
        }
    }
}
