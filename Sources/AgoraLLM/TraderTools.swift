/// What an LLM-escalated trader decided, once its tool call has been checked.
public enum TraderDecision: Sendable, Hashable {
    /// A limit order (`limit` in price units) or, with `limit` nil, a market order.
    case order(buy: Bool, limit: Int64?, quantity: Int64)
    /// Cancel the agent's resting orders.
    case cancel
    case hold
    /// Post its view to its neighbours.
    case post(bullish: Bool)
    case follow(agent: Int)

    /// A stable name for the log and counters.
    public var tool: String {
        switch self {
        case .order: return TraderTools.placeOrder.name
        case .cancel: return TraderTools.cancelOrders.name
        case .hold: return TraderTools.hold.name
        case .post: return TraderTools.post.name
        case .follow: return TraderTools.follow.name
        }
    }
}

/// The action module's tools, after ASFM: place an order, cancel, hold, post, follow.
public enum TraderTools {
    public static let placeOrder = ToolSpec(
        name: "place_order",
        description: "Send one order for your instrument. A limit order needs a price (an integer in price units); a market order trades at the best prices available.",
        parameters: [
            "type": "object",
            "properties": [
                "side": ["type": "string", "enum": ["buy", "sell"]],
                "order_type": ["type": "string", "enum": ["limit", "market"]],
                "price": ["type": "integer", "minimum": 1, "description": "Limit price in price units; required for a limit order."],
                "quantity": ["type": "integer", "minimum": 1, "description": "Shares; a multiple of the lot size."],
            ],
            "required": ["side", "order_type", "quantity"],
            "additionalProperties": false,
        ])
    public static let cancelOrders = ToolSpec(
        name: "cancel_orders", description: "Cancel your resting orders.",
        parameters: ["type": "object", "properties": [:], "additionalProperties": false])
    public static let hold = ToolSpec(
        name: "hold", description: "Do nothing this time.",
        parameters: ["type": "object", "properties": [:], "additionalProperties": false])
    public static let post = ToolSpec(
        name: "post", description: "Tell the people who follow you what you think of your instrument.",
        parameters: [
            "type": "object",
            "properties": ["stance": ["type": "string", "enum": ["bullish", "bearish"]],
                           "text": ["type": "string", "maxLength": 280]],
            "required": ["stance"],
            "additionalProperties": false,
        ])
    public static let follow = ToolSpec(
        name: "follow", description: "Follow another trader, by id, to read their posts.",
        parameters: [
            "type": "object",
            "properties": ["agent": ["type": "integer", "minimum": 0]],
            "required": ["agent"],
            "additionalProperties": false,
        ])

    /// The tools offered: trading always; posting and following on a network.
    public static func offered(social: Bool) -> [ToolSpec] {
        social ? [placeOrder, cancelOrders, hold, post, follow] : [placeOrder, cancelOrders, hold]
    }

    /// Every tool a trader may be offered, for checking a scenario's `llm.tools`.
    public static let all = [placeOrder, cancelOrders, hold, post, follow]

    /// Reads the answer's first tool call into a decision, checking it against the offered tools'
    /// schemas. Exchange rules (grid, band, lots, budget) are the caller's to check.
    public static func decision(from answer: ChatAnswer, offered: [ToolSpec]) -> Result<TraderDecision, ToolRejection> {
        let tool: ToolSpec, args: JSON
        switch ToolAnswers.call(in: answer, offered: offered) {
        case .success(let c): (tool, args) = c
        case .failure(let r): return .failure(r)
        }
        switch tool.name {
        case placeOrder.name:
            let market = args["order_type"]?.string == "market"
            let price = args["price"]?.integer
            if !market && price == nil { return .failure(ToolRejection(.invalidArguments, "arguments.price: missing for a limit order")) }
            return .success(.order(buy: args["side"]?.string == "buy", limit: market ? nil : price, quantity: args["quantity"]?.integer ?? 0))
        case cancelOrders.name: return .success(.cancel)
        case hold.name: return .success(.hold)
        case post.name: return .success(.post(bullish: args["stance"]?.string == "bullish"))
        default: return .success(.follow(agent: Int(args["agent"]?.integer ?? 0)))
        }
    }
}
