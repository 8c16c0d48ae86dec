import AgoraCore

/// One trade on the public feed.
public struct TradePrint: Sendable, Hashable {
    public var price: Price
    public var quantity: Quantity
}

/// One trade with its counterparties, for the event log (not shown to agents).
public struct TradeRecord: Sendable, Hashable, BitwiseCopyable {
    public var symbol: Int
    public var price: Price
    public var quantity: Quantity
    public var buyer: UInt32
    public var seller: UInt32
    public var buyOrder: UInt64
    public var sellOrder: UInt64
    /// 0: a buy took liquidity, 1: a sell did, 2: an auction (nobody took).
    public var aggressor: Int
}

/// An agent's instruction to the exchange. Plain data: agents write these into per-shard buffers.
public struct OrderRequest: Sendable, Hashable, BitwiseCopyable {
    public enum Action: UInt8, Sendable, BitwiseCopyable { case new = 0, cancel = 1, reduce = 2, modify = 3 }

    public var agent: UInt32
    public var symbol: UInt16
    public var action: Action
    public var side: Side
    public var timeInForce: TimeInForce
    public var postOnly: Bool
    /// Limit price in price units; 0 for a market order. For modify: the new price.
    public var price: Price
    /// For new and modify: the (new) quantity; for reduce: the amount to take off.
    public var quantity: Quantity
    /// For cancel, reduce and modify: the exchange's order id.
    public var orderID: UInt64
    /// The agent's own tag for a new order, echoed in every report about it.
    public var tag: UInt32

    public init(agent: UInt32, symbol: UInt16, action: Action = .new, side: Side = .buy, timeInForce: TimeInForce = .gtc,
                postOnly: Bool = false, price: Price = 0, quantity: Quantity = 0, orderID: UInt64 = 0, tag: UInt32 = 0) {
        self.agent = agent
        self.symbol = symbol
        self.action = action
        self.side = side
        self.timeInForce = timeInForce
        self.postOnly = postOnly
        self.price = price
        self.quantity = quantity
        self.orderID = orderID
        self.tag = tag
    }

    public static func limit(agent: UInt32, symbol: UInt16 = 0, _ side: Side, price: Price, quantity: Quantity,
                             timeInForce: TimeInForce = .gtc, postOnly: Bool = false, tag: UInt32 = 0) -> OrderRequest {
        OrderRequest(agent: agent, symbol: symbol, side: side, timeInForce: timeInForce, postOnly: postOnly, price: price,
                     quantity: quantity, tag: tag)
    }

    public static func market(agent: UInt32, symbol: UInt16 = 0, _ side: Side, quantity: Quantity, tag: UInt32 = 0) -> OrderRequest {
        OrderRequest(agent: agent, symbol: symbol, side: side, timeInForce: .ioc, price: 0, quantity: quantity, tag: tag)
    }

    public static func cancel(agent: UInt32, symbol: UInt16 = 0, orderID: UInt64) -> OrderRequest {
        OrderRequest(agent: agent, symbol: symbol, action: .cancel, orderID: orderID)
    }
}

/// What the exchange tells one agent about one of its orders. A fill produces one report for
/// each side.
public struct ExchangeReport: Sendable, Hashable, BitwiseCopyable {
    public var agent: UInt32
    public var symbol: UInt16
    public var kind: BookEvent.Kind
    public var reason: Reason
    public var side: Side
    /// True on a fill where this agent's order was resting (the maker).
    public var maker: Bool
    public var orderID: UInt64
    public var tag: UInt32
    public var price: Price
    public var quantity: Quantity
    public var remaining: Quantity
    /// The fee charged on this fill (negative: a rebate).
    public var fee: Int64
}

/// One instrument's market as agents see it after a tick.
public struct MarketSnapshot: Sendable, Hashable {
    public var tick: Int
    public var phase: SessionPhase
    /// Best prices and sizes; 0 when that side is empty.
    public var bidPrice: Price = 0
    public var bidSize: Quantity = 0
    public var askPrice: Price = 0
    public var askSize: Quantity = 0
    /// The last trade's price (0 before the first trade).
    public var lastPrice: Price = 0
    /// The tick's bar: open, high, low, close of its trades (0 when none), volume, trade count.
    public var open: Price = 0
    public var high: Price = 0
    public var low: Price = 0
    public var close: Price = 0
    public var volume: Quantity = 0
    public var trades: Int = 0
    /// The band's reference price for the day.
    public var referencePrice: Price
    /// Set on the tick whose end ran an uncross: its price and volume.
    public var auctionPrice: Price = 0
    public var auctionVolume: Quantity = 0
    /// During a call: the price and volume the book would uncross at now (0 when it would not).
    public var indicativePrice: Price = 0
    public var indicativeVolume: Quantity = 0
    /// True while a volatility halt holds the instrument in a call.
    public var halted = false
    /// Every trade of the tick, in order: the public trade feed.
    public var prints: [TradePrint] = []
    /// Levels best first, prices in price units.
    public var bids: [PriceLevel] = []
    public var asks: [PriceLevel] = []

    /// The mid price; during a call the indicative uncross price (a call's book may be crossed, so
    /// its best prices say nothing); the last or reference price when there is none.
    public var mid: Price {
        if phase.isCall || halted {
            if indicativePrice > 0 { return indicativePrice }
        } else if bidPrice > 0 && askPrice > 0 {
            return (bidPrice + askPrice) / 2
        }
        return lastPrice > 0 ? lastPrice : referencePrice
    }
}
