import Foundation

/// A JSON object whose keys keep the order they were set in, printed on one line.
///
/// Machine-readable output (`--json`, `agora bench`) is read by people too; a fixed key order makes
/// two runs comparable line by line and keeps golden tests stable.
public struct JSONLine: Sendable {
    public indirect enum Value: Sendable {
        case int(Int)
        case number(Double)
        case text(String)
        case bool(Bool)
        case object(JSONLine)
        case list([Value])
        case null
    }

    public private(set) var fields: [(key: String, value: Value)] = []

    public init() {}

    public mutating func set(_ key: String, _ value: Value) {
        if let i = fields.firstIndex(where: { $0.key == key }) { fields[i].value = value } else { fields.append((key, value)) }
    }

    public mutating func set(_ key: String, _ value: Int) { set(key, .int(value)) }
    public mutating func set(_ key: String, _ value: Double) { set(key, .number(value)) }
    public mutating func set(_ key: String, _ value: String) { set(key, .text(value)) }
    public mutating func set(_ key: String, _ value: Bool) { set(key, .bool(value)) }
    public mutating func set(_ key: String, _ value: JSONLine) { set(key, .object(value)) }

    public subscript(key: String) -> Value? { fields.first { $0.key == key }?.value }

    /// The object as one line of JSON.
    public var text: String {
        "{" + fields.map { "\(jsonString($0.key)): \(Self.render($0.value))" }.joined(separator: ", ") + "}"
    }

    public static func render(_ value: Value) -> String {
        switch value {
        case .int(let v): return String(v)
        case .number(let v): return formatNumber(v)
        case .text(let v): return jsonString(v)
        case .bool(let v): return v ? "true" : "false"
        case .object(let o): return o.text
        case .list(let l): return "[" + l.map(render).joined(separator: ", ") + "]"
        case .null: return "null"
        }
    }
}

/// A double as JSON: integral values keep one decimal, others the shortest text that reads back
/// as the same double (exact, and short for values like 0.05); NaN and infinities become null.
public func formatNumber(_ v: Double) -> String {
    guard v.isFinite else { return "null" }
    if v == v.rounded() && abs(v) < 1e15 { return String(format: "%.1f", v) }
    return v.description
}

/// `s` as a JSON string literal.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// Agora's version, written into every run's manifest.
public enum AgoraVersion {
    public static let string = "0.1.0"
}
