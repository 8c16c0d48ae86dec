import AgoraAnalysis
import AgoraCatalog
import Foundation

/// The studio's pages, written on the server: tables, forms and inline SVG charts, every text
/// escaped, no script. What `StudioServer` serves.
enum StudioPages {
    static func escape(_ s: String) -> String { ReportParts.escape(s) }

    /// `s` as a query-string value.
    static func query(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    static func page(_ title: String, _ body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Agora studio</title>
        <link rel="stylesheet" href="/studio.css"></head>
        <body><nav><a href="/">Runs</a></nav><h1>\(escape(title))</h1>
        \(body)
        </body></html>
        """
    }

    static let style = """
    body { font: 14px/1.45 system-ui, sans-serif; margin: 16px auto; max-width: 1100px; color: #1d2430; padding: 0 16px; }
    nav { margin-bottom: 8px; } nav a { margin-right: 12px; }
    h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; border-bottom: 1px solid #ddd; }
    table { border-collapse: collapse; margin: 8px 0; } th, td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; border-bottom: 1px solid #eee; }
    td.number { text-align: right; font-variant-numeric: tabular-nums; } .quiet { color: #667085; }
    form { margin: 8px 0; } form label { margin-right: 10px; } input, select { font: inherit; }
    .bid { color: #1a7f37; } .ask { color: #cf222e; }
    svg.chart text { font-size: 11px; fill: #333; } svg.chart .title { font-size: 13px; font-weight: 600; }
    svg.chart .axes line { stroke: #555; } svg.chart .axes line.grid { stroke: #eee; }
    figure .saves { display: none; }
    """

    /// A table whose cells are already HTML (escaped by the caller).
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
            + rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined() + "</table>\n"
    }

    static func link(_ text: String, _ href: String) -> String { "<a href=\"\(escape(href))\">\(escape(text))</a>" }

    /// A select of `options` named `name`, `chosen` selected, and an "any" choice.
    static func select(_ name: String, _ label: String, _ options: [String], _ chosen: String?) -> String {
        "<label>\(escape(label)) <select name=\"\(name)\"><option value=\"\">any</option>"
            + options.map { "<option value=\"\(escape($0))\"\($0 == chosen ? " selected" : "")>\(escape($0))</option>" }.joined()
            + "</select></label>"
    }
}
