import Foundation

/// A run's metrics.csv read back: the columns by name, an empty cell as NaN. For the studio's
/// comparisons, which read files and write none.
struct MetricsFile {
    var names: [String]
    /// columns[i]: the values of names[i], one per row.
    var columns: [[Double]]

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(path: String) throws(Failure) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Failure(description: "\(path): cannot be read (\(error.localizedDescription))")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard let header = lines.next() else { throw Failure(description: "\(path): empty") }
        names = Self.fields(header)
        columns = Array(repeating: [], count: names.count)
        var line = 1
        while let row = lines.next() {
            line += 1
            let cells = Self.fields(row)
            guard cells.count == names.count else {
                throw Failure(description: "\(path):\(line): \(cells.count) fields where the header has \(names.count)")
            }
            for (i, cell) in cells.enumerated() { columns[i].append(cell.isEmpty ? .nan : Double(cell) ?? .nan) }
        }
    }

    /// The column named `name`, if the file has one.
    func column(_ name: String) -> [Double]? { names.firstIndex(of: name).map { columns[$0] } }

    /// One CSV line's fields, quotes undone ("a ""b""" → a "b").
    static func fields(_ line: Substring) -> [String] {
        var out: [String] = [], field = "", quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is a quote; a single one ends the quoted part.
                    var lookahead = chars
                    if lookahead.next() == "\"" { field.append("\""); chars = lookahead } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                out.append(field)
                field = ""
            } else if c != "\r" {
                field.append(c)
            }
        }
        out.append(field)
        return out
    }
}
