import AgoraCore
import AgoraLog
import AgoraScenario
import Foundation

/// Rebuilds an instrument's order book at the end of a tick from a market run's logged reports:
/// orders appear when accepted, shrink with fills and reductions, move when replaced, and go when
/// filled or cancelled.
public enum BookRebuild {
    public struct Book: Sendable {
        public var instrument: String
        public var tick: Int
        /// Levels best first: (price, quantity, orders).
        public var bids: [(price: Int64, quantity: Int64, orders: Int)]
        public var asks: [(price: Int64, quantity: Int64, orders: Int)]
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Report kinds, as the market model logs them (`BookEvent.Kind` raw values).
    enum ReportKind: Int64 { case accepted = 0, fill = 1, cancelled = 2, rejected = 3, reduced = 4, replaced = 5 }

    public static func rebuild(directory: String, instrument name: String, atTick tick: Int) throws -> Book {
        let scenario: Scenario
        do { scenario = try ScenarioLoader.load(path: (directory as NSString).appendingPathComponent("scenario.yaml")) } catch {
            throw Failure(description: "the run's scenario.yaml no longer reads: \(error)")
        }
        guard let market = scenario.market else { throw Failure(description: "this run has no exchange (model \(scenario.model.name))") }
        guard let symbol = market.exchange.instruments.firstIndex(where: { $0.name == name }) else {
            throw Failure(description: "no instrument '\(name)'; instruments: \(market.exchange.instruments.map(\.name).joined(separator: ", "))")
        }
        let reader = try LogReader(path: (directory as NSString).appendingPathComponent(RunLog.fileName))
        guard let kind = reader.schema.kind(named: "report") else { throw Failure(description: "the log holds no reports") }
        if let policy = reader.schema.meta["policy"], !policy.contains("\"\(kind.id)\": {\"every\": 1, \"sample\": 1.0}") {
            throw Failure(description: "reports were not logged in full (log.kinds.report); the book cannot be rebuilt")
        }
        let col = Dictionary(uniqueKeysWithValues: kind.columns.enumerated().map { ($1, $0) })
        guard let cTick = col["tick"], let cKind = col["report"], let cSide = col["side"], let cSymbol = col["instrument"],
              let cID = col["order_id"], let cPrice = col["price"], let cQuantity = col["quantity"], let cRemaining = col["remaining"]
        else { throw Failure(description: "the report kind lacks columns this rebuild needs") }
        var orders: [Int64: (side: Int64, price: Int64, remaining: Int64)] = [:]
        var lastTick = -1
        let problems = reader.forEachChunk(kinds: [kind.id]) { c in
            guard c.firstTick <= Int64(tick) else { return }
            for i in 0..<c.count {
                let t = c.columns[cTick][i]
                guard t <= Int64(tick), c.columns[cSymbol][i] == Int64(symbol) else { continue }
                lastTick = max(lastTick, Int(t))
                let id = c.columns[cID][i]
                switch ReportKind(rawValue: c.columns[cKind][i]) {
                case .accepted?:
                    let price = c.columns[cPrice][i]
                    if price > 0 { orders[id] = (c.columns[cSide][i], price, c.columns[cQuantity][i]) }
                case .fill?, .reduced?:
                    let remaining = c.columns[cRemaining][i]
                    if remaining == 0 { orders[id] = nil } else { orders[id]?.remaining = remaining }
                case .replaced?:
                    orders[id] = (c.columns[cSide][i], c.columns[cPrice][i], c.columns[cRemaining][i])
                case .cancelled?:
                    orders[id] = nil
                default:
                    break
                }
            }
        }
        if let p = problems.first { throw Failure(description: "the log is damaged: \(p)") }
        guard lastTick >= 0 || tick < scenario.ticks else { throw Failure(description: "tick \(tick) is past the run's \(scenario.ticks) ticks") }
        func levels(_ side: Int64, descending: Bool) -> [(price: Int64, quantity: Int64, orders: Int)] {
            var byPrice: [Int64: (Int64, Int)] = [:]
            for o in orders.values where o.side == side && o.remaining > 0 {
                byPrice[o.price, default: (0, 0)].0 += o.remaining
                byPrice[o.price, default: (0, 0)].1 += 1
            }
            return byPrice.map { (price: $0.key, quantity: $0.value.0, orders: $0.value.1) }
                .sorted { descending ? $0.price > $1.price : $0.price < $1.price }
        }
        return Book(instrument: name, tick: tick, bids: levels(0, descending: true), asks: levels(1, descending: false))
    }
}
