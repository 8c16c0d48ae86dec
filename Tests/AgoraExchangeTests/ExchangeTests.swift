import AgoraCore
@testable import AgoraExchange
import Testing

func makeExchange<B: OrderBook>(_ book: @escaping (BookConfig) -> B, schedule: SessionSchedule = .continuous(ticksPerDay: 100),
                                rules: AccountRules = AccountRules(), fees: FeeSchedule = FeeSchedule(), agents: Int = 4,
                                cash: Int64 = 1_000_000, position: Int64 = 100, band: Int? = 2_000, symbols: Int = 1,
                                halt: HaltRule? = nil) -> Exchange<B> {
    let instruments = (0..<symbols).map { Instrument(name: "S\($0)", tickSize: 5, lotSize: 10, referencePrice: 10_000, bandBasisPoints: band) }
    let config = ExchangeConfig(instruments: instruments, schedule: schedule, fees: fees, accounts: rules, depth: 3, maxLatencyTicks: 2,
                                halt: halt)
    return Exchange(config: config, accounts: Accounts(agents: agents, symbols: symbols, cash: cash, position: position), makeBook: book)
}

@discardableResult
func send<B>(_ x: Exchange<B>, _ requests: OrderRequest...) -> [ExchangeReport] {
    var reports: [ExchangeReport] = []
    for r in requests { x.process(r, reports: &reports) }
    return reports
}

@Suite struct SessionScheduleTests {
    @Test func dayLayout() {
        let s = SessionSchedule(ticksPerDay: 10, preOpen: 3, noCancel: 1, closingCall: 2, closed: 1)
        #expect((0..<10).map(s.phase) == [.preOpen, .preOpen, .preOpenNoCancel, .continuous, .continuous, .continuous,
                                          .continuous, .closingCall, .closingCall, .closed])
        #expect((0..<10).filter(s.uncrossesAfter) == [2, 8])
        #expect(s.phase(at: 13) == .continuous && s.day(of: 13) == 1 && s.endsDay(19))
        let plain = SessionSchedule.continuous(ticksPerDay: 5)
        #expect((0..<5).allSatisfy { plain.phase(at: $0) == .continuous && !plain.uncrossesAfter($0) })
    }
}

@Suite struct ExchangeRuleTests {
    @Test func tickLotAndBand() {
        let x = makeExchange(LadderBook.init)
        x.beginTick(0)
        #expect(send(x, .limit(agent: 0, .buy, price: 10_002, quantity: 10))[0].reason == .priceNotOnTick)
        #expect(send(x, .limit(agent: 0, .buy, price: 10_000, quantity: 15))[0].reason == .quantityNotOnLot)
        // ±20% of 10,000 on a 5-tick grid: 8,000 … 12,000.
        #expect(x.bandLimits(0) == 8_000...12_000)
        #expect(send(x, .limit(agent: 0, .buy, price: 7_995, quantity: 10))[0].reason == .priceOutsideBand)
        #expect(send(x, .limit(agent: 0, .sell, price: 12_005, quantity: 10))[0].reason == .priceOutsideBand)
        #expect(send(x, .limit(agent: 0, .buy, price: 8_000, quantity: 10))[0].kind == .accepted)
        #expect(send(x, .limit(agent: 0, symbol: 3, .buy, price: 8_000, quantity: 10))[0].reason == .unknownSymbol)
        #expect(send(x, .cancel(agent: 1, orderID: 1))[0].reason == .unknownOrder, "only the owner may cancel")
    }

    @Test func accountsRefuseOverdraftAndNakedShorts() {
        let x = makeExchange(LadderBook.init, cash: 50_000, position: 20)
        x.beginTick(0)
        #expect(send(x, .limit(agent: 0, .buy, price: 10_000, quantity: 10))[0].reason == .insufficientCash)
        #expect(send(x, .limit(agent: 0, .sell, price: 10_000, quantity: 30))[0].reason == .insufficientPosition)
        #expect(send(x, .limit(agent: 0, .sell, price: 10_000, quantity: 20))[0].kind == .accepted)
        #expect(send(x, .limit(agent: 0, .sell, price: 10_000, quantity: 10))[0].reason == .insufficientPosition,
                "shares reserved by an open order cannot be sold twice")
        let loose = makeExchange(LadderBook.init, rules: AccountRules(allowShort: true, allowMargin: true), cash: 0, position: 0)
        loose.beginTick(0)
        #expect(send(loose, .limit(agent: 0, .sell, price: 10_000, quantity: 10))[0].kind == .accepted)
        #expect(send(loose, .limit(agent: 1, .buy, price: 10_000, quantity: 10)).map(\.kind) == [.accepted, .fill, .fill])
        #expect(loose.accounts.position[0] == -10 && loose.accounts.cash[1] == -100_000)
    }

    @Test func tradesSettleWithFeesAndConserveCashAndShares() {
        let x = makeExchange(LadderBook.init, fees: FeeSchedule(makerBasisPoints: -2, takerBasisPoints: 10))
        x.beginTick(0)
        let before = x.accounts.totalCash
        send(x, .limit(agent: 0, .sell, price: 10_000, quantity: 20))
        let r = send(x, .limit(agent: 1, .buy, price: 10_005, quantity: 20))
        let fills = r.filter { $0.kind == .fill }
        #expect(fills.count == 2)
        let taker = fills.first { $0.agent == 1 }!, maker = fills.first { $0.agent == 0 }!
        #expect(taker.price == 10_000 && taker.fee == 200 && !taker.maker)   // 10 bps of 200,000
        #expect(maker.fee == -40 && maker.maker)                            // a 2 bps rebate
        #expect(x.accounts.cash[1] == 1_000_000 - 200_000 - 200)
        #expect(x.accounts.cash[0] == 1_000_000 + 200_000 + 40)
        #expect(x.accounts.position[0] == 80 && x.accounts.position[1] == 120)
        #expect(x.accounts.totalCash == before)
        #expect(x.accounts.totalPosition(0) == 400)
        #expect(x.accounts.reservedCash[1] == 0 && x.accounts.reservedPosition[0] == 0)
    }

    @Test func tPlusOneHoldsTodaysPurchases() {
        let x = makeExchange(LadderBook.init, schedule: .continuous(ticksPerDay: 2), rules: AccountRules(tPlusOne: true), position: 0)
        x.accounts.position[0] = 10
        var reports: [ExchangeReport] = []
        x.beginTick(0)
        send(x, .limit(agent: 0, .sell, price: 10_000, quantity: 10), .limit(agent: 1, .buy, price: 10_000, quantity: 10))
        #expect(send(x, .limit(agent: 1, .sell, price: 10_000, quantity: 10))[0].reason == .notSellableYet)
        x.endTick(reports: &reports)
        x.beginTick(1)
        x.endTick(reports: &reports)
        x.beginTick(2)
        #expect(send(x, .limit(agent: 1, .sell, price: 10_000, quantity: 10))[0].kind == .accepted)
    }
}

@Suite struct TradingDayTests {
    @Test func openingCallUncrossContinuousClosingCallAndClose() {
        // Day of 8: pre-open 0–2 (2 no-cancel), continuous 3–4, closing call 5–6, closed 7.
        let x = makeExchange(LadderBook.init, schedule: SessionSchedule(ticksPerDay: 8, preOpen: 3, noCancel: 1, closingCall: 2, closed: 1))
        var reports: [ExchangeReport] = []
        x.beginTick(0)
        #expect(x.phase == .preOpen)
        let a = send(x, .limit(agent: 0, .buy, price: 10_050, quantity: 30), .limit(agent: 1, .sell, price: 9_950, quantity: 20),
                     .limit(agent: 2, .sell, price: 10_000, quantity: 20, timeInForce: .day))
        #expect(a.map(\.kind) == [.accepted, .accepted, .accepted], "nothing trades in a call")
        x.endTick(reports: &reports)
        x.beginTick(1)
        x.endTick(reports: &reports)
        x.beginTick(2)
        #expect(x.phase == .preOpenNoCancel)
        #expect(send(x, .cancel(agent: 0, orderID: 1))[0].reason == .noCancelWindow)
        reports.removeAll()
        x.endTick(reports: &reports)
        // 9,950: B30 S20 → 20; 10,000: B30 S40 → 30 (imb 10); 10,050: B30 S40 → 30 (imb 10): the
        // reference 10,000 decides.
        #expect(x.snapshot(symbol: 0).auctionPrice == 10_000 && x.snapshot(symbol: 0).auctionVolume == 30)
        #expect(reports.filter { $0.kind == .fill }.allSatisfy { $0.price == 10_000 })
        #expect(x.accounts.position[0] == 130)

        x.beginTick(3)
        #expect(x.phase == .continuous)
        #expect(send(x, .limit(agent: 3, .buy, price: 10_000, quantity: 10)).map(\.kind) == [.accepted, .fill, .fill])
        x.endTick(reports: &reports)
        x.beginTick(4)
        send(x, .limit(agent: 2, .sell, price: 10_200, quantity: 10, timeInForce: .day))
        x.endTick(reports: &reports)
        x.beginTick(5)
        #expect(x.phase == .closingCall)
        send(x, .limit(agent: 1, .buy, price: 10_100, quantity: 10), .limit(agent: 0, .sell, price: 10_100, quantity: 10))
        x.beginTick(6)
        reports.removeAll()
        x.endTick(reports: &reports)
        #expect(x.snapshot(symbol: 0).auctionPrice == 10_100)
        x.beginTick(7)
        #expect(send(x, .limit(agent: 0, .buy, price: 10_000, quantity: 10))[0].reason == .marketClosed)
        reports.removeAll()
        x.endTick(reports: &reports)
        // Agent 2's day order never traded; the close expires it. Tomorrow's band centres on the
        // closing price.
        #expect(reports.contains { $0.kind == .cancelled && $0.reason == .dayOrderExpired && $0.agent == 2 })
        #expect(x.referencePrices[0] == 10_100)
        #expect(x.accounts.reservedPosition[x.accounts.slot(2, 0)] == 0)
    }

    @Test func marketDataShowsBookBarAndHistory() {
        let x = makeExchange(LadderBook.init)
        var reports: [ExchangeReport] = []
        x.beginTick(0)
        send(x, .limit(agent: 0, .sell, price: 10_010, quantity: 30), .limit(agent: 0, .sell, price: 10_020, quantity: 10),
             .limit(agent: 1, .buy, price: 9_990, quantity: 20), .market(agent: 2, .buy, quantity: 20),
             .limit(agent: 3, .buy, price: 10_020, quantity: 20))
        x.endTick(reports: &reports)
        let s = x.snapshot(symbol: 0)
        #expect(s.trades == 3 && s.volume == 40)
        #expect(s.open == 10_010 && s.high == 10_020 && s.low == 10_010 && s.close == 10_020 && s.lastPrice == 10_020)
        #expect(s.bidPrice == 9_990 && s.bidSize == 20 && s.askPrice == 0)
        #expect(s.bids == [PriceLevel(price: 9_990, quantity: 20, orders: 1)])
        x.beginTick(1)
        send(x, .limit(agent: 0, .sell, price: 10_050, quantity: 10))
        x.endTick(reports: &reports)
        #expect(x.snapshot(symbol: 0).askPrice == 10_050 && x.snapshot(symbol: 0).trades == 0)
        #expect(x.snapshot(symbol: 0, latency: 1).tick == 0 && x.snapshot(symbol: 0, latency: 1).askPrice == 0)
    }
}

@Suite struct ExchangeStressTests {
    /// Random requests from many agents over several days with every phase; after each request,
    /// cash + fees and every symbol's shares are conserved and nothing reserved is negative. The
    /// same stream through an exchange on the reference book gives the same reports.
    @Test(arguments: [0, 1, 2] as [UInt64])
    func conservationAndBookEquivalence(seed: UInt64) {
        let schedule = SessionSchedule(ticksPerDay: 12, preOpen: 3, noCancel: 1, closingCall: 2, closed: 1)
        let rules = AccountRules(allowShort: seed == 1, tPlusOne: seed == 2)
        let fees = FeeSchedule(makerBasisPoints: -1, takerBasisPoints: 7)
        let halt = seed == 0 ? HaltRule(moveBasisPoints: 80, ticks: 2) : nil
        let fast = makeExchange(LadderBook.init, schedule: schedule, rules: rules, fees: fees, agents: 12, cash: 2_000_000, symbols: 2, halt: halt)
        let slow = makeExchange(ReferenceBook.init, schedule: schedule, rules: rules, fees: fees, agents: 12, cash: 2_000_000, symbols: 2, halt: halt)
        var halts = 0
        let cash0 = fast.accounts.totalCash
        var rng = SplitMix64(seed: seed)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var known: [UInt64] = []
        for t in 0..<60 {
            fast.beginTick(t); slow.beginTick(t)
            for _ in 0..<40 {
                let agent = UInt32(pick(12)), symbol = UInt16(pick(2))
                let price = Price(9_800 + 5 * pick(80))
                let r: OrderRequest
                switch pick(10) {
                case 0..<5: r = .limit(agent: agent, symbol: symbol, pick(2) == 0 ? .buy : .sell, price: price,
                                       quantity: Quantity(10 * (1 + pick(5))), timeInForce: [.gtc, .day, .ioc][pick(3)], postOnly: pick(6) == 0)
                case 5: r = .market(agent: agent, symbol: symbol, pick(2) == 0 ? .buy : .sell, quantity: Quantity(10 * (1 + pick(3))))
                case 6, 7: r = .cancel(agent: agent, symbol: symbol, orderID: known.isEmpty ? 0 : known[pick(known.count)])
                case 8: r = OrderRequest(agent: agent, symbol: symbol, action: .reduce, quantity: 10,
                                         orderID: known.isEmpty ? 0 : known[pick(known.count)])
                default: r = OrderRequest(agent: agent, symbol: symbol, action: .modify, price: price, quantity: Quantity(10 * (1 + pick(4))),
                                          orderID: known.isEmpty ? 0 : known[pick(known.count)])
                }
                var a: [ExchangeReport] = [], b: [ExchangeReport] = []
                fast.process(r, reports: &a)
                slow.process(r, reports: &b)
                #expect(a == b, "seed \(seed) tick \(t): \(r)")
                known += a.filter { $0.kind == .accepted }.map(\.orderID)
                #expect(fast.accounts.totalCash == cash0)
                #expect(fast.accounts.totalPosition(0) == 1_200 && fast.accounts.totalPosition(1) == 1_200)
                #expect(fast.accounts.reservedCash.buffer.allSatisfy { $0 >= 0 })
                #expect(fast.accounts.reservedPosition.buffer.allSatisfy { $0 >= 0 })
                if !rules.allowShort { #expect(fast.accounts.position.buffer.allSatisfy { $0 >= 0 }) }
                #expect(fast.accounts.cash.buffer.allSatisfy { $0 >= 0 }, "no overdraft without margin")
            }
            var a: [ExchangeReport] = [], b: [ExchangeReport] = []
            if fast.isHalted(0) || fast.isHalted(1) { halts += 1 }
            fast.endTick(reports: &a)
            slow.endTick(reports: &b)
            #expect(a == b, "seed \(seed) end of tick \(t)")
            #expect(fast.snapshot(symbol: 0) == slow.snapshot(symbol: 0))
        }
        #expect(fast.accounts.feesCollected != 0)
        if halt != nil { #expect(halts > 0, "the tight halt rule should trigger") }
        // With nothing live, nothing stays reserved.
        var resting = 0
        for b in fast.books { resting += b.restingOrderCount }
        #expect(resting == fast.liveOrderCount)
    }
}

@Suite struct VolatilityHaltTests {
    @Test func aLargeMoveHaltsCollectsAndReopensWithAnUncross() {
        let instruments = [Instrument(name: "S", tickSize: 1, lotSize: 1, referencePrice: 10_000, bandBasisPoints: 2_000)]
        let config = ExchangeConfig(instruments: instruments, schedule: .continuous(ticksPerDay: 100),
                                    halt: HaltRule(moveBasisPoints: 300, ticks: 2))
        let x = Exchange(config: config, accounts: Accounts(agents: 4, symbols: 1, cash: 10_000_000, position: 1_000), makeBook: LadderBook.init)
        var reports: [ExchangeReport] = []
        x.beginTick(0)
        // A trade at 10,200 (+2%) does not halt; one at 10,400 (+4%) does.
        send(x, .limit(agent: 0, .sell, price: 10_200, quantity: 10), .limit(agent: 1, .buy, price: 10_200, quantity: 10))
        #expect(!x.isHalted(0))
        send(x, .limit(agent: 0, .sell, price: 10_400, quantity: 10), .limit(agent: 1, .buy, price: 10_400, quantity: 10))
        #expect(x.isHalted(0) && x.haltedUntil[0] == 3)
        // While halted: crossing orders wait, IOC is refused.
        #expect(send(x, .limit(agent: 2, .buy, price: 10_300, quantity: 5)).map(\.kind) == [.accepted])
        #expect(send(x, .limit(agent: 3, .sell, price: 10_250, quantity: 5)).map(\.kind) == [.accepted])
        #expect(send(x, .limit(agent: 3, .sell, price: 10_250, quantity: 5, timeInForce: .ioc))[0].reason == .tradingHalted)
        x.endTick(reports: &reports)
        #expect(x.snapshot(symbol: 0).halted)
        #expect(x.snapshot(symbol: 0).prints == [TradePrint(price: 10_200, quantity: 10), TradePrint(price: 10_400, quantity: 10)])
        x.beginTick(1); x.endTick(reports: &reports)
        x.beginTick(2)
        reports.removeAll()
        x.endTick(reports: &reports)
        // The halt ends with tick 2: the reopening uncross trades the waiting orders.
        #expect(reports.filter { $0.kind == .fill }.count == 2)
        #expect(x.snapshot(symbol: 0).auctionPrice > 0 && x.snapshot(symbol: 0).auctionVolume == 5)
        x.beginTick(3)
        #expect(!x.isHalted(0))
        #expect(send(x, .limit(agent: 0, .sell, price: 10_300, quantity: 5), .limit(agent: 1, .buy, price: 10_300, quantity: 5))
            .contains { $0.kind == .fill })
    }
}

/// Books run apart — each exchange running only some of them — give what one exchange gives: the
/// same ids, reports and market data for their instruments.
@Suite struct OwnedBookTests {
    @Test func aBookRunAloneNumbersAndReportsAsInTheWholeExchange() {
        let whole = makeExchange(LadderBook.init, agents: 6, symbols: 3)
        let alone = makeExchange(LadderBook.init, agents: 6, symbols: 3)
        alone.owned = [false, true, false]
        // Agents 0–1 trade S0, 2–3 S1, 4–5 S2; requests interleave the books.
        let requests: [OrderRequest] = [
            .limit(agent: 0, symbol: 0, .buy, price: 10_000, quantity: 10), .limit(agent: 2, symbol: 1, .sell, price: 10_050, quantity: 20),
            .limit(agent: 4, symbol: 2, .buy, price: 9_950, quantity: 10), .limit(agent: 3, symbol: 1, .buy, price: 10_050, quantity: 10),
            .limit(agent: 1, symbol: 0, .sell, price: 10_000, quantity: 10), .limit(agent: 2, symbol: 1, .buy, price: 9_900, quantity: 10),
        ]
        var wholeReports: [ExchangeReport] = [], aloneReports: [ExchangeReport] = []
        whole.beginTick(0)
        alone.beginTick(0)
        for r in requests {
            whole.process(r, reports: &wholeReports)
            if alone.owned[Int(r.symbol)] { alone.process(r, reports: &aloneReports) }
        }
        whole.endTick(reports: &wholeReports)
        alone.endTick(reports: &aloneReports)
        #expect(aloneReports == wholeReports.filter { $0.symbol == 1 })
        #expect(aloneReports.contains { $0.kind == .fill })
        // Ids: the n-th order of book s is n × 3 + s + 1, whatever the other books did.
        #expect(Set(wholeReports.map(\.orderID)) == [1, 2, 3, 5, 4, 8])
        #expect(alone.snapshot(symbol: 1) == whole.snapshot(symbol: 1))
        #expect(alone.tickTrades == whole.tickTrades.filter { $0.symbol == 1 })
        // Market data of a book that ran elsewhere comes from its owner.
        var w = StateWriter()
        whole.writeMarketState(symbol: 0, to: &w)
        var r = StateReader(w.bytes)
        #expect(throws: Never.self) { try alone.readMarketState(symbol: 0, from: &r) }
        #expect(alone.snapshot(symbol: 0) == whole.snapshot(symbol: 0) && alone.snapshot(symbol: 0).trades == 1)
    }
}
