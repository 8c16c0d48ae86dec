import AgoraCore
import AgoraEngine

/// The live page's data as JSON: the frames' parts, built on the run's thread.
enum MonitorJSON {
    /// Metric rows as [tick, value, value, …]; a value that does not exist (NaN) is null.
    static func rows(_ rows: [(tick: Int, values: [Double])]) -> JSONLine.Value {
        .list(rows.map { row in .list([.int(row.tick)] + row.values.map { $0.isFinite ? .number($0) : .null }) })
    }

    static func live(_ view: LiveView) -> JSONLine.Value {
        var o = JSONLine()
        o.set("books", .list(view.books.map { b in
            var j = JSONLine()
            j.set("instrument", b.instrument)
            j.set("state", b.state)
            j.set("last", Int(b.last))
            j.set("bids", levels(b.bids))
            j.set("asks", levels(b.asks))
            return .object(j)
        }))
        o.set("trades", .list(view.trades.map { t in
            var j = JSONLine()
            j.set("tick", t.tick)
            j.set("instrument", t.instrument)
            j.set("price", Int(t.price))
            j.set("quantity", Int(t.quantity))
            j.set("aggressor", t.aggressor)
            return .object(j)
        }))
        o.set("llm", pairs(view.llm))
        o.set("exchanges", .list(view.exchanges.map { e in
            var j = JSONLine()
            j.set("tick", e.tick)
            j.set("agent", e.agent)
            j.set("question", e.question)
            j.set("answer", e.answer)
            j.set("status", e.status)
            return .object(j)
        }))
        o.set("figures", pairs(view.figures))
        o.set("histograms", .list(view.histograms.map { h in
            var j = JSONLine()
            j.set("title", h.title)
            j.set("x_label", h.xLabel)
            j.set("edges", .list(h.edges.map { .number($0) }))
            j.set("counts", .list(h.counts.map { .int($0) }))
            return .object(j)
        }))
        return .object(o)
    }

    static func levels(_ levels: [LiveView.Level]) -> JSONLine.Value {
        .list(levels.map { .list([.int(Int($0.price)), .int(Int($0.quantity))]) })
    }

    static func pairs(_ pairs: [(name: String, value: Double)]) -> JSONLine.Value {
        .list(pairs.map { .list([.text($0.name), $0.value.isFinite ? .number($0.value) : .null]) })
    }
}
