import AgoraCore
@testable import AgoraExchange
import Testing

@Suite struct PartialAccountsTests {
    /// A book's owner in a spread run holds the accounts of that book's traders only, in rows of
    /// an `AgentIndex`. Given those traders' requests, it answers exactly as an exchange holding
    /// every account, and their accounts end the same, through fills, fees, reservations,
    /// day-end expiry and T+1 settlement.
    @Test(arguments: [0, 1] as [UInt64])
    func anOwnerHoldingItsTradersAccountsAnswersAsTheWholeExchange(seed: UInt64) {
        let schedule = SessionSchedule(ticksPerDay: 10, preOpen: 2, noCancel: 1, closingCall: 2, closed: 1)
        let rules = AccountRules(tPlusOne: true)
        let fees = FeeSchedule(makerBasisPoints: -1, takerBasisPoints: 7)
        let agents = 15, symbols = 3
        let whole = makeExchange(LadderBook.init, schedule: schedule, rules: rules, fees: fees, agents: agents, cash: 600_000, symbols: symbols)
        // Trader i trades instrument i % 3; this owner runs instrument 1.
        let mine = (0..<agents).filter { $0 % symbols == 1 }
        let index = AgentIndex(agents: mine.map(UInt32.init))
        let owner = Exchange(config: whole.config,
                             accounts: Accounts(agents: agents, symbols: symbols, cash: 600_000, position: 100, holding: index),
                             makeBook: LadderBook.init)
        owner.owned = [false, true, false]
        var rng = SplitMix64(seed: seed)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var known: [UInt64] = []
        for t in 0..<40 {
            whole.beginTick(t); owner.beginTick(t)
            for _ in 0..<30 {
                let agent = pick(agents), symbol = UInt16(agent % symbols)
                let r: OrderRequest
                switch pick(6) {
                case 0..<4: r = .limit(agent: UInt32(agent), symbol: symbol, pick(2) == 0 ? .buy : .sell, price: Price(9_900 + 5 * pick(40)),
                                       quantity: Quantity(10 * (1 + pick(4))), timeInForce: [.gtc, .day][pick(2)])
                case 4: r = .market(agent: UInt32(agent), symbol: symbol, pick(2) == 0 ? .buy : .sell, quantity: 10)
                default: r = .cancel(agent: UInt32(agent), symbol: symbol, orderID: known.isEmpty ? 0 : known[pick(known.count)])
                }
                var a: [ExchangeReport] = []
                whole.process(r, reports: &a)
                known += a.filter { $0.kind == .accepted }.map(\.orderID)
                guard symbol == 1 else { continue }
                var b: [ExchangeReport] = []
                owner.process(r, reports: &b)
                #expect(a == b, "seed \(seed) tick \(t): \(r)")
            }
            var a: [ExchangeReport] = [], b: [ExchangeReport] = []
            whole.endTick(reports: &a)
            owner.endTick(reports: &b)
            #expect(a.filter { $0.symbol == 1 } == b, "seed \(seed) end of tick \(t)")
        }
        #expect(owner.accounts.cash.count == mine.count, "the owner holds its traders' accounts only")
        var filled = 0
        for i in mine {
            #expect(owner.accounts.cash[owner.accounts.row(i)] == whole.accounts.cash[i])
            #expect(owner.accounts.reservedCash[owner.accounts.row(i)] == whole.accounts.reservedCash[i])
            for s in 0..<symbols {
                #expect(owner.accounts.position[owner.accounts.slot(i, s)] == whole.accounts.position[whole.accounts.slot(i, s)])
                #expect(owner.accounts.reservedPosition[owner.accounts.slot(i, s)] == whole.accounts.reservedPosition[whole.accounts.slot(i, s)])
            }
            if whole.accounts.cash[i] != 600_000 { filled += 1 }
        }
        #expect(filled > 0, "the stream should trade")
        #expect(!owner.accounts.holds(0) && owner.accounts.holds(4) && !owner.accounts.holds(agents))
    }

    /// A trader's host keeps a window of ids: its columns are indexed by id, and hold only those.
    @Test func aWindowOfAccountsIsIndexedById() {
        let acc = Accounts(agents: 10, symbols: 2, cash: 500, position: 7, window: 4..<7)
        #expect(acc.cash.count == 3 && acc.position.count == 6)
        #expect(acc.holds(4) && acc.holds(6) && !acc.holds(3) && !acc.holds(7))
        acc.cash[5] = 900
        acc.position[acc.slot(6, 1)] = 3
        #expect(acc.cash.toArray() == [500, 900, 500])
        #expect(acc.position.toArray() == [7, 7, 7, 7, 7, 3])
        #expect(acc.totalCash == 1_900 && acc.totalPosition(1) == 17 && acc.totalPosition(0) == 21)
        #expect(acc.availableCash(5) == 900 && acc.sellable(6, 1) == 3)
    }
}
