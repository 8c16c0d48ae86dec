/// The names the event log gives the exchange's codes (`side` 0 is `buy`), written into each
/// log's schema so that a reader — `agora export`, the Python package, a DuckDB query — shows
/// names without a table of its own. The names are stable, like the codes: docs/data.md.
public enum ExchangeLabels {
    public static let side: [String] = ["buy", "sell"]
    /// `aggressor` of a trade: the side that took liquidity, or the uncross of a call.
    public static let aggressor: [String] = ["buy", "sell", "auction"]
    public static let action: [String] = ["new", "cancel", "reduce", "modify"]
    public static let timeInForce: [String] = ["gtc", "day", "ioc", "fok", "auction"]
    /// A session's phase (`SessionPhase`, by raw value): `pre_open`, …, `closed`.
    public static let phase: [String] = SessionPhase.allCases.map { snakeCased(String(describing: $0)) }
    /// `report` of a report event (`BookEvent.Kind`).
    public static let report: [String] = ["accepted", "fill", "cancelled", "rejected", "reduced", "replaced"]
    /// `reason` of a report event, by code: `invalid_quantity` for 101.
    public static let reason: [Int64: String] = Dictionary(uniqueKeysWithValues: Reason.allCases.map {
        (Int64($0.rawValue), snakeCased(String(describing: $0)))
    })

    static func snakeCased(_ name: String) -> String {
        var out = "", previousUpper = false
        for ch in name {
            if ch.isUppercase && !previousUpper { out += "_" }
            out += ch.lowercased()
            previousUpper = ch.isUppercase
        }
        return out
    }
}
