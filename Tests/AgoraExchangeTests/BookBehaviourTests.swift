import AgoraCore
@testable import AgoraExchange
import Testing

/// Both books, by name, for parameterised tests: every behaviour test runs against each.
enum BookKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case reference, ladder
    func make(_ config: BookConfig = BookConfig()) -> any OrderBook {
        self == .reference ? ReferenceBook(config: config) : LadderBook(config: config)
    }
    var testDescription: String { rawValue }
}

/// Applies commands and returns the events of the last one.
@discardableResult
func run(_ book: any OrderBook, _ commands: BookCommand...) -> [BookEvent] {
    var events: [BookEvent] = []
    for c in commands {
        events.removeAll()
        book.apply(c, events: &events)
    }
    return events
}

func kinds(_ events: [BookEvent]) -> [BookEvent.Kind] { events.map(\.kind) }

@Suite struct BookBehaviourTests {
    @Test(arguments: BookKind.allCases)
    func restingOrdersSetTheBestPrices(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .buy, 99, 10)), .submit(.limit(2, .buy, 100, 5)), .submit(.limit(3, .sell, 102, 7)),
            .submit(.limit(4, .sell, 101, 1)))
        #expect(b.bestBid == 100)
        #expect(b.bestAsk == 101)
        #expect(b.restingOrderCount == 4)
        #expect(b.levels(.buy, limit: 5) == [PriceLevel(price: 100, quantity: 5, orders: 1), PriceLevel(price: 99, quantity: 10, orders: 1)])
        #expect(b.levels(.sell, limit: 1) == [PriceLevel(price: 101, quantity: 1, orders: 1)])
    }

    @Test(arguments: BookKind.allCases)
    func aCrossingOrderTradesAtRestingPricesOldestFirst(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .sell, 101, 5)), .submit(.limit(2, .sell, 101, 5)), .submit(.limit(3, .sell, 102, 5)))
        let e = run(b, .submit(.limit(9, .buy, 103, 12)))
        #expect(kinds(e) == [.accepted, .fill, .fill, .fill])
        #expect(e[1].counterID == 1 && e[1].price == 101 && e[1].quantity == 5 && e[1].remaining == 7)
        #expect(e[2].counterID == 2 && e[2].price == 101 && e[2].quantity == 5 && e[2].remaining == 2)
        #expect(e[3].counterID == 3 && e[3].price == 102 && e[3].quantity == 2 && e[3].remaining == 0 && e[3].counterRemaining == 3)
        #expect(b.bestAsk == 102)
        #expect(b.order(id: 3)?.remaining == 3)
        #expect(b.bestBid == nil)
    }

    @Test(arguments: BookKind.allCases)
    func theRestOfALimitOrderRests(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .sell, 101, 5)))
        let e = run(b, .submit(.limit(2, .buy, 101, 8)))
        #expect(kinds(e) == [.accepted, .fill])
        #expect(b.bestBid == 101 && b.bestAsk == nil)
        #expect(b.order(id: 2)?.remaining == 3)
    }

    @Test(arguments: BookKind.allCases)
    func marketAndIOCRemaindersAreCancelled(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .sell, 101, 5)))
        let market = run(b, .submit(.market(2, .buy, 8)))
        #expect(kinds(market) == [.accepted, .fill, .cancelled])
        #expect(market[2].reason == .noLiquidity && market[2].remaining == 3)
        run(b, .submit(.limit(3, .sell, 105, 5)))
        let ioc = run(b, .submit(.limit(4, .buy, 104, 5, timeInForce: .ioc)))
        #expect(kinds(ioc) == [.accepted, .cancelled])
        #expect(ioc[1].reason == .immediateOrCancelRest)
        #expect(b.restingOrderCount == 1)
        let empty = run(b, .submit(.market(5, .sell, 4)))
        #expect(kinds(empty) == [.accepted, .cancelled])
    }

    @Test(arguments: BookKind.allCases)
    func fillOrKillTradesInFullOrNotAtAll(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .sell, 101, 5)), .submit(.limit(2, .sell, 102, 5)))
        let killed = run(b, .submit(.limit(3, .buy, 101, 6, timeInForce: .fok)))
        #expect(kinds(killed) == [.rejected])
        #expect(killed[0].reason == .fillOrKillNotFilled)
        #expect(b.restingOrderCount == 2)
        let filled = run(b, .submit(.limit(4, .buy, 102, 10, timeInForce: .fok)))
        #expect(kinds(filled) == [.accepted, .fill, .fill])
        #expect(b.restingOrderCount == 0)
    }

    @Test(arguments: BookKind.allCases)
    func postOnlyNeverTakes(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .sell, 101, 5)))
        let crossing = run(b, .submit(.limit(2, .buy, 101, 5, postOnly: true)))
        #expect(kinds(crossing) == [.rejected] && crossing[0].reason == .postOnlyWouldCross)
        let passive = run(b, .submit(.limit(3, .buy, 100, 5, postOnly: true)))
        #expect(kinds(passive) == [.accepted])
        // Moving it across the spread is refused and leaves it as it was.
        let moved = run(b, .modify(id: 3, price: 101, quantity: 5))
        #expect(kinds(moved) == [.rejected] && moved[0].reason == .postOnlyWouldCross)
        #expect(b.order(id: 3)?.price == 100)
    }

    @Test(arguments: BookKind.allCases)
    func cancelReduceAndModify(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .buy, 100, 5)), .submit(.limit(2, .buy, 100, 5)), .submit(.limit(3, .buy, 100, 5)))
        #expect(kinds(run(b, .cancel(id: 42))) == [.rejected])
        // Reduce keeps priority: 1 stays first.
        #expect(kinds(run(b, .reduce(id: 1, by: 2))) == [.reduced])
        #expect(b.order(id: 1)?.remaining == 3)
        // A smaller size at the same price keeps priority too.
        run(b, .modify(id: 2, price: 100, quantity: 4))
        // A larger size loses it: order 1 goes to the back, behind 2 and 3.
        #expect(kinds(run(b, .modify(id: 1, price: 100, quantity: 6))) == [.replaced])
        let e = run(b, .submit(.limit(9, .sell, 100, 20)))
        #expect(e.filter { $0.kind == .fill }.map(\.counterID) == [2, 3, 1])
        // 4 + 5 + 6 = 15 bought; the seller's other 5 rest.
        #expect(b.order(id: 9)?.remaining == 5)
        #expect(kinds(run(b, .cancel(id: 9))) == [.cancelled])
        // Reducing by the whole rest cancels.
        run(b, .submit(.limit(10, .sell, 110, 5)))
        let gone = run(b, .reduce(id: 10, by: 9))
        #expect(kinds(gone) == [.cancelled])
        #expect(b.restingOrderCount == 0)
        let cancelled = run(b, .submit(.limit(11, .buy, 90, 3)), .cancel(id: 11))
        #expect(kinds(cancelled) == [.cancelled] && cancelled[0].remaining == 3 && cancelled[0].reason == .cancelledByOwner)
        #expect(kinds(run(b, .cancel(id: 11))) == [.rejected])
    }

    @Test(arguments: BookKind.allCases)
    func aModifiedPriceCanTrade(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .sell, 105, 5)), .submit(.limit(2, .buy, 100, 8)))
        let e = run(b, .modify(id: 2, price: 106, quantity: 8))
        #expect(kinds(e) == [.replaced, .fill])
        #expect(e[1].price == 105 && e[1].quantity == 5)
        #expect(b.order(id: 2)?.remaining == 3 && b.bestBid == 106)
    }

    @Test(arguments: BookKind.allCases)
    func invalidOrdersAreRejectedNotCrashed(kind: BookKind) {
        let b = kind.make(BookConfig(priceRange: 50...150))
        #expect(run(b, .submit(.limit(1, .buy, 100, 0)))[0].reason == .invalidQuantity)
        #expect(run(b, .submit(.limit(1, .buy, 0, 5)))[0].reason == .invalidPrice)
        #expect(run(b, .submit(.limit(1, .buy, 151, 5)))[0].reason == .priceOutsideRange)
        #expect(run(b, .submit(NewOrder(id: 1, side: .buy, price: nil, quantity: 5, timeInForce: .gtc)))[0].reason == .invalidOrderType)
        run(b, .submit(.limit(1, .buy, 100, 5)))
        #expect(run(b, .submit(.limit(1, .sell, 120, 5)))[0].reason == .duplicateOrderID)
        #expect(run(b, .reduce(id: 1, by: 0))[0].reason == .invalidQuantity)
        #expect(run(b, .modify(id: 1, price: 200, quantity: 5))[0].reason == .priceOutsideRange)
        #expect(b.restingOrderCount == 1)
    }

    @Test(arguments: BookKind.allCases)
    func selfTradePrevention(kind: BookKind) {
        let resting = kind.make(BookConfig(selfTradePrevention: .cancelResting))
        run(resting, .submit(.limit(1, .sell, 100, 5, owner: 7)), .submit(.limit(2, .sell, 100, 5, owner: 8)))
        let e = run(resting, .submit(.limit(3, .buy, 100, 5, owner: 7)))
        #expect(kinds(e) == [.accepted, .cancelled, .fill])
        #expect(e[1].orderID == 1 && e[1].reason == .selfTradePrevented)
        #expect(e[2].counterID == 2)

        let incoming = kind.make(BookConfig(selfTradePrevention: .cancelIncoming))
        run(incoming, .submit(.limit(1, .sell, 100, 5, owner: 8)), .submit(.limit(2, .sell, 100, 5, owner: 7)))
        let f = run(incoming, .submit(.limit(3, .buy, 100, 8, owner: 7)))
        #expect(kinds(f) == [.accepted, .fill, .cancelled])
        #expect(f[2].orderID == 3 && f[2].remaining == 3)
        #expect(incoming.order(id: 2)?.remaining == 5)
        #expect(incoming.bestAsk == 100)

        let off = kind.make()
        run(off, .submit(.limit(1, .sell, 100, 5, owner: 7)))
        #expect(kinds(run(off, .submit(.limit(2, .buy, 100, 5, owner: 7)))) == [.accepted, .fill])
    }

    @Test(arguments: BookKind.allCases)
    func pricesFarApartGrowTheLadder(kind: BookKind) {
        let b = kind.make()
        run(b, .submit(.limit(1, .buy, 10_000, 1)), .submit(.limit(2, .buy, 5, 1)), .submit(.limit(3, .sell, 9_000_000, 1)),
            .submit(.limit(4, .sell, 10_001, 1)), .submit(.limit(5, .buy, 9_999_999, 3)))
        #expect(b.bestBid == 9_999_999)
        #expect(b.bestAsk == nil)
        #expect(b.levels(.buy, limit: 9).map(\.price) == [9_999_999, 10_000, 5])
        #expect(b.order(id: 5)?.remaining == 1)
    }
}

/// The replay's sums hold whatever a u32 stream holds: no overflow, no wrong figure.
@Suite struct ReplaySummaryTests {
    @Test func notionalAndVolumeBeyond64BitsAreExact() {
        var s = ReplaySummary()
        let fill = BookEvent(kind: .fill, side: .buy, orderID: 1, price: Price(UInt32.max), quantity: Quantity(UInt32.max))
        for _ in 0..<4 { s.count(fill) }
        let each = Int128(UInt32.max) * Int128(UInt32.max)
        #expect(s.tradedNotional == 4 * each && s.tradedVolume == 4 * Int128(UInt32.max) && s.trades == 4)
        #expect(s.tradedNotional > Int128(Int64.max))
    }
}
