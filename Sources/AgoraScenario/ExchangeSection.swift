import AgoraCore
import AgoraExchange
import AgoraModels
import Yams

/// Reading the `exchange` section (docs/scenario.md) into a `MarketSpec`.
extension NodeReader {
    static let exchangeKeys = ["instruments", "session", "fees", "accounts", "self_trade_prevention", "depth", "halt", "fundamental"]

    mutating func exchangeSection(_ node: Node, _ path: String, ticks: Int) -> MarketSpec? {
        guard let m = mapping(node, path, allowed: Self.exchangeKeys) else { return nil }
        note(node, path)
        var ok = true

        var instruments: [Instrument] = []
        if let list = m["instruments"] {
            if case .sequence(let seq) = list, !seq.isEmpty {
                for (i, item) in seq.enumerated() {
                    if let inst = instrument(item, "\(path).instruments[\(i)]") {
                        if instruments.contains(where: { $0.name == inst.name }) {
                            fail(item, "\(path).instruments[\(i)].name", "instrument '\(inst.name)' is listed twice")
                            ok = false
                        } else {
                            instruments.append(inst)
                        }
                    } else {
                        ok = false
                    }
                }
            } else {
                fail(list, "\(path).instruments", "expected a list of instruments, got \(Self.describe(list))")
                ok = false
            }
        } else {
            fail(node, "\(path).instruments", "missing; list what trades (name, reference_price, …)")
            ok = false
        }

        var schedule = SessionSchedule.continuous(ticksPerDay: ticks)
        if let n = m["session"], let sm = mapping(n, "\(path).session", allowed: ["ticks_per_day", "pre_open", "no_cancel", "closing_call", "closed"]) {
            let sp = "\(path).session"
            let perDay = sm["ticks_per_day"].flatMap { integer($0, "\(sp).ticks_per_day", min: 1) } ?? ticks
            func part(_ key: String) -> Int { sm[key].flatMap { integer($0, "\(sp).\(key)", min: 0) } ?? 0 }
            let preOpen = part("pre_open"), noCancel = part("no_cancel"), closingCall = part("closing_call"), closed = part("closed")
            if noCancel > preOpen {
                fail(sm["no_cancel"], "\(sp).no_cancel", "the no-cancel window (\(noCancel)) is the end of the pre-open (\(preOpen)); it cannot be longer")
                ok = false
            } else if preOpen + closingCall + closed >= perDay {
                fail(n, sp, "pre_open + closing_call + closed (\(preOpen + closingCall + closed)) leave no continuous trading in a day of \(perDay) ticks")
                ok = false
            } else {
                schedule = SessionSchedule(ticksPerDay: perDay, preOpen: preOpen, noCancel: noCancel, closingCall: closingCall, closed: closed)
            }
        }

        var fees = FeeSchedule()
        if let n = m["fees"], let fm = mapping(n, "\(path).fees", allowed: ["maker_bps", "taker_bps"]) {
            fees.makerBasisPoints = Int64(fm["maker_bps"].flatMap { integer($0, "\(path).fees.maker_bps", min: -10_000, max: 10_000, phrase: "an integer in -10000...10000") } ?? 0)
            fees.takerBasisPoints = Int64(fm["taker_bps"].flatMap { integer($0, "\(path).fees.taker_bps", min: -10_000, max: 10_000, phrase: "an integer in -10000...10000") } ?? 0)
        }

        var rules = AccountRules()
        var cash: Int64 = 1_000_000
        var position: Int64 = 100
        if let n = m["accounts"], let am = mapping(n, "\(path).accounts", allowed: ["cash", "position", "allow_short", "allow_margin", "t_plus_one"]) {
            let ap = "\(path).accounts"
            if let c = am["cash"] { cash = Int64(integer(c, "\(ap).cash", min: 0, max: Int(Int64.max / 4)) ?? 0) }
            if let p = am["position"] { position = Int64(integer(p, "\(ap).position", min: 0, max: Int(Int64.max / 4)) ?? 0) }
            rules.allowShort = am["allow_short"].flatMap { flag($0, "\(ap).allow_short") } ?? false
            rules.allowMargin = am["allow_margin"].flatMap { flag($0, "\(ap).allow_margin") } ?? false
            rules.tPlusOne = am["t_plus_one"].flatMap { flag($0, "\(ap).t_plus_one") } ?? false
        }

        var stp = SelfTradePrevention.none
        if let n = m["self_trade_prevention"], let v = string(n, "\(path).self_trade_prevention") {
            switch v {
            case "none": stp = .none
            case "cancel_resting": stp = .cancelResting
            case "cancel_incoming": stp = .cancelIncoming
            default:
                fail(n, "\(path).self_trade_prevention", "expected none, cancel_resting or cancel_incoming, got \"\(v)\"")
                ok = false
            }
        }
        let depth = m["depth"].flatMap { integer($0, "\(path).depth", min: 1, max: 1_000) } ?? 5
        var halt: HaltRule?
        if let n = m["halt"], let hm = mapping(n, "\(path).halt", allowed: ["move_bps", "ticks"]) {
            let move = hm["move_bps"].flatMap { integer($0, "\(path).halt.move_bps", min: 1, max: 100_000) }
            let length = hm["ticks"].flatMap { integer($0, "\(path).halt.ticks", min: 1, max: 1_000_000) }
            if hm["move_bps"] == nil { fail(n, "\(path).halt.move_bps", "missing; the price move that halts trading") }
            if hm["ticks"] == nil { fail(n, "\(path).halt.ticks", "missing; how long a halt lasts") }
            if let move, let length { halt = HaltRule(moveBasisPoints: move, ticks: length) } else { ok = false }
        }

        var volatility = 5
        var news: [NewsEvent] = []
        if let n = m["fundamental"], let fm = mapping(n, "\(path).fundamental", allowed: ["volatility_bps", "news"]) {
            let fp = "\(path).fundamental"
            volatility = fm["volatility_bps"].flatMap { integer($0, "\(fp).volatility_bps", min: 0, max: 1_000) } ?? 5
            if let list = fm["news"] {
                if case .sequence(let seq) = list {
                    for (i, item) in seq.enumerated() {
                        let np = "\(fp).news[\(i)]"
                        guard let nm = mapping(item, np, allowed: ["tick", "instrument", "jump_bps", "seeds", "public_after", "headline"]) else { ok = false; continue }
                        let tick = nm["tick"].flatMap { integer($0, "\(np).tick", min: 0, max: max(0, ticks - 1), phrase: "a tick in 0...\(max(0, ticks - 1))") }
                        let jump = nm["jump_bps"].flatMap { integer($0, "\(np).jump_bps", min: -9_999, max: 100_000, phrase: "basis points in -9999...100000") }
                        var symbol: Int? = instruments.count == 1 ? 0 : nil
                        if let inode = nm["instrument"], let name = string(inode, "\(np).instrument") {
                            symbol = instruments.firstIndex { $0.name == name }
                            if symbol == nil {
                                fail(inode, "\(np).instrument", "no instrument named '\(name)'; listed: \(instruments.map(\.name).joined(separator: ", "))")
                            }
                        } else if instruments.count > 1 {
                            fail(item, "\(np).instrument", "missing; which instrument the news is about")
                        }
                        if nm["tick"] == nil { fail(item, "\(np).tick", "missing; when the news breaks") }
                        if nm["jump_bps"] == nil { fail(item, "\(np).jump_bps", "missing; how far the fundamental jumps") }
                        let seeds = nm["seeds"].flatMap { integer($0, "\(np).seeds", min: 1, max: Int(UInt32.max)) }
                        if nm["seeds"] != nil && seeds == nil { ok = false }
                        let publicAfter = nm["public_after"].flatMap { integer($0, "\(np).public_after", min: 0, max: 1_000_000) }
                        if nm["public_after"] != nil && publicAfter == nil { ok = false }
                        if let tick, let jump, let symbol {
                            let headline = nm["headline"].flatMap { string($0, "\(np).headline") }
                            news.append(NewsEvent(tick: tick, symbol: symbol, jumpBasisPoints: jump, seeds: seeds, publicAfter: publicAfter,
                                                  headline: headline))
                        } else {
                            ok = false
                        }
                    }
                } else {
                    fail(list, "\(fp).news", "expected a list of news events, got \(Self.describe(list))")
                    ok = false
                }
            }
        }
        guard ok, !instruments.isEmpty, issues.isEmpty else { return nil }
        let config = ExchangeConfig(instruments: instruments, schedule: schedule, fees: fees, accounts: rules,
                                    selfTradePrevention: stp, depth: depth, halt: halt)
        return MarketSpec(exchange: config, cash: cash, position: position, fundamentalVolatilityBasisPoints: volatility, news: news)
    }

    mutating func instrument(_ node: Node, _ path: String) -> Instrument? {
        guard let m = mapping(node, path, allowed: ["name", "reference_price", "tick_size", "lot_size", "band_bps"]) else { return nil }
        note(node, path)
        let name = m["name"].flatMap { string($0, "\(path).name") }
        if m["name"] == nil { fail(node, "\(path).name", "missing; the instrument's symbol") }
        let reference = m["reference_price"].flatMap { integer($0, "\(path).reference_price", min: 1, max: Int(BookConfig.maxPriceLevels / 20)) }
        if m["reference_price"] == nil { fail(node, "\(path).reference_price", "missing; the opening reference price in price units (e.g. cents)") }
        let tick = m["tick_size"].flatMap { integer($0, "\(path).tick_size", min: 1, max: 1_000_000) } ?? 1
        let lot = m["lot_size"].flatMap { integer($0, "\(path).lot_size", min: 1, max: 1_000_000) } ?? 1
        let band = m["band_bps"].flatMap { integer($0, "\(path).band_bps", min: 0, max: 10_000, phrase: "basis points in 0...10000 (0: no band)") } ?? 2_000
        guard let name, let reference else { return nil }
        if reference % tick != 0 {
            fail(m["reference_price"], "\(path).reference_price", "\(reference) is not a multiple of the tick size \(tick)")
            return nil
        }
        return Instrument(name: name, tickSize: Price(tick), lotSize: Quantity(lot), referencePrice: Price(reference),
                          bandBasisPoints: band == 0 ? nil : band)
    }
}
