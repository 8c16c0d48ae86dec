import AgoraCore
import AgoraEngine
import Foundation

/// A model's figures (`Model.figures`) in a run directory: `figures.json`, written when the run
/// ends, read by the report. `{"figures": [{"title", "x_label", "y_label", "style", "series":
/// [{"name", "x": [...], "y": [...]}]}]}`; non-finite values are written as null.
public enum FigureFile {
    public static let fileName = "figures.json"

    /// The figures as the file's text.
    public static func text(_ figures: [Figure]) -> String {
        func numbers(_ v: [Double]) -> JSONLine.Value { .list(v.map { $0.isFinite ? JSONLine.Value.number($0) : .null }) }
        var root = JSONLine()
        root.set("figures", JSONLine.Value.list(figures.map { f in
            var j = JSONLine()
            j.set("title", f.title)
            j.set("x_label", f.xLabel)
            j.set("y_label", f.yLabel)
            j.set("style", f.style.rawValue)
            j.set("series", JSONLine.Value.list(f.series.map { s in
                var sj = JSONLine()
                sj.set("name", s.name)
                sj.set("x", numbers(s.x))
                sj.set("y", numbers(s.y))
                return JSONLine.Value.object(sj)
            }))
            return JSONLine.Value.object(j)
        }))
        return root.text + "\n"
    }

    /// The figures of the run in `directory`: none when it has no file or the file does not read.
    public static func read(directory: String) -> [Figure] {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = root["figures"] as? [[String: Any]] else { return [] }
        func numbers(_ v: Any?) -> [Double] { (v as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
        return list.compactMap { f in
            guard let title = f["title"] as? String, let series = f["series"] as? [[String: Any]] else { return nil }
            let all = series.compactMap { s -> Figure.Series? in
                let x = numbers(s["x"]), y = numbers(s["y"])
                guard let name = s["name"] as? String, x.count == y.count else { return nil }
                return Figure.Series(name: name, x: x, y: y)
            }
            return Figure(title: title, xLabel: f["x_label"] as? String ?? "", yLabel: f["y_label"] as? String ?? "",
                          style: Figure.Style(rawValue: f["style"] as? String ?? "") ?? .line, series: all)
        }
    }
}
