import Foundation

/// A real market's prices from a CSV file, for `agora analyze --prices`: a header naming a
/// timestamp column (`timestamp`, `time`, `date` or `datetime`), a price column (`price`, `close`
/// or `mid`) and optionally `volume`, then one row per observation in time order. Timestamps are
/// numbers (seconds, or any increasing count) or ISO 8601 dates and times (`2024-03-01`,
/// `2024-03-01 09:30`, `2024-03-01T09:30:05.250Z`, `…+01:00`). A stretch of consecutive returns
/// ends where two rows lie more than five times the median spacing apart (a night, a weekend,
/// a holiday), so no return spans a gap.
public enum PriceFile {
    /// The fewest returns the facts are computed from (the autocorrelation reaches lag 100).
    public static let minimumReturns = 100

    /// What is wrong with a price file: where (file, line, field) and why.
    public struct Problem: Error, CustomStringConvertible {
        public let path: String
        public let line: Int?
        public let field: String?
        public let message: String
        public var description: String {
            "\(path)\(line.map { ":\($0)" } ?? ""): \(field.map { "\($0): " } ?? "")\(message)"
        }
    }

    /// The series of the file at `path`.
    public static func read(path: String) throws(Problem) -> ReturnSeries {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Problem(path: path, line: nil, field: nil, message: "cannot read it: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Problem(path: path, line: nil, field: nil, message: "is not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// The series of `text`, a price file's contents (`path` names it in errors).
    public static func parse(_ text: String, path: String) throws(Problem) -> ReturnSeries {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        guard let head = lines.first else { throw Problem(path: path, line: nil, field: nil, message: "is empty") }
        let names = head.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func column(_ options: [String]) -> Int? { names.firstIndex { options.contains($0) } }
        guard let timeColumn = column(["timestamp", "time", "date", "datetime"]), let priceColumn = column(["price", "close", "mid"]) else {
            throw Problem(path: path, line: 1, field: nil,
                          message: "the header must name a timestamp column (timestamp, time, date or datetime) and a price column "
                              + "(price, close or mid), as in timestamp,price,volume; it reads '\(head)'")
        }
        let volumeColumn = column(["volume"])
        var times: [Double] = [], prices: [Double] = [], volumes: [Double] = [], lineOf: [Int] = []
        for (k, line) in lines.enumerated().dropFirst() {
            let number = k + 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == names.count else {
                throw Problem(path: path, line: number, field: nil, message: "\(fields.count) fields where the header has \(names.count)")
            }
            guard let t = timestamp(fields[timeColumn]) else {
                throw Problem(path: path, line: number, field: names[timeColumn],
                              message: "'\(fields[timeColumn])' is not a timestamp (a number, or an ISO 8601 date and time "
                                  + "such as 2024-03-01T09:30:00Z)")
            }
            if let previous = times.last, t <= previous {
                throw Problem(path: path, line: number, field: names[timeColumn],
                              message: "'\(fields[timeColumn])' is not after the row before (line \(lineOf.last!)); rows must be in time order")
            }
            guard let p = Double(fields[priceColumn]), p.isFinite else {
                throw Problem(path: path, line: number, field: names[priceColumn], message: "'\(fields[priceColumn])' is not a number")
            }
            guard p > 0 else {
                throw Problem(path: path, line: number, field: names[priceColumn], message: "\(fields[priceColumn]) is not a positive price")
            }
            if let v = volumeColumn {
                guard let q = Double(fields[v]), q.isFinite, q >= 0 else {
                    throw Problem(path: path, line: number, field: names[v], message: "'\(fields[v])' is not a volume (a number ≥ 0)")
                }
                volumes.append(q)
            }
            times.append(t)
            prices.append(p)
            lineOf.append(number)
        }
        guard prices.count > minimumReturns else {
            throw Problem(path: path, line: nil, field: nil,
                          message: "too few rows: \(prices.count) prices give \(max(0, prices.count - 1)) returns; "
                              + "the facts need at least \(minimumReturns)")
        }
        // Stretches end at gaps of more than five times the median spacing.
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
        let limit = 5 * gaps[gaps.count / 2]
        var steps: [Double?] = [prices[0]], stepVolumes: [Double] = volumeColumn == nil ? [] : [volumes[0]]
        for i in 1..<prices.count {
            if times[i] - times[i - 1] > limit {
                steps.append(nil)
                if volumeColumn != nil { stepVolumes.append(0) }
            }
            steps.append(prices[i])
            if volumeColumn != nil { stepVolumes.append(volumes[i]) }
        }
        var series = ReturnSeries()
        series.append(stretchOf: steps, volumes: volumeColumn == nil ? nil : stepVolumes)
        guard series.count >= minimumReturns else {
            throw Problem(path: path, line: nil, field: nil,
                          message: "only \(series.count) returns lie within stretches without gaps; the facts need at least \(minimumReturns)")
        }
        return series
    }

    /// Seconds since 1970 (UTC) of an ISO 8601 date or date-time, or the value of a plain number.
    static func timestamp(_ s: String) -> Double? {
        if let v = Double(s), v.isFinite { return v }
        let c = Array(s.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= c.count else { return nil }
            var v = 0
            for k in at..<(at + n) {
                guard c[k] >= 48 && c[k] <= 57 else { return nil }
                v = v * 10 + Int(c[k] - 48)
            }
            return v
        }
        guard let year = digits(0, 4), c.count >= 10, c[4] == 45, let month = digits(5, 2), c[7] == 45, let day = digits(8, 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year, month, day)) * 86_400
        var i = 10
        if i < c.count {
            guard c[i] == 84 || c[i] == 32, let h = digits(i + 1, 2), c.count > i + 3, c[i + 3] == 58, let m = digits(i + 4, 2),
                  h < 24, m < 60 else { return nil }
            seconds += Double(h * 3600 + m * 60)
            i += 6
            if i < c.count, c[i] == 58 {
                guard let sec = digits(i + 1, 2), sec < 61 else { return nil }
                seconds += Double(sec)
                i += 3
                if i < c.count, c[i] == 46 {
                    var j = i + 1, scale = 0.1
                    while j < c.count, c[j] >= 48 && c[j] <= 57 { seconds += Double(c[j] - 48) * scale; scale /= 10; j += 1 }
                    guard j > i + 1 else { return nil }
                    i = j
                }
            }
            if i < c.count {
                if c[i] == 90 && i + 1 == c.count { return seconds }  // Z
                guard c[i] == 43 || c[i] == 45, let oh = digits(i + 1, 2), c.count == i + 6, c[i + 3] == 58, let om = digits(i + 4, 2) else {
                    return nil
                }
                seconds -= Double(c[i] == 43 ? 1 : -1) * Double(oh * 3600 + om * 60)
            }
        }
        return seconds
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
