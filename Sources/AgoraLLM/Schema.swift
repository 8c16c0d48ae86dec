/// Checks a JSON value against a JSON Schema, for the subset tool parameters use: `type` (one, or
/// a list) (object, string, integer, number, boolean, array), `properties`, `required`,
/// `additionalProperties: false`, `enum`, `minimum`, `maximum`, `minLength`, `maxLength`, `items`.
///
/// A model's tool call is text it made up; this is what stands between it and the exchange.
public enum SchemaCheck {
    /// Every way `value` breaks `schema`, as "path: problem" (empty when it conforms).
    public static func problems(_ value: JSON, against schema: JSON, at path: String = "arguments") -> [String] {
        var out: [String] = []
        check(value, schema, path, &out)
        return out
    }

    static func check(_ value: JSON, _ schema: JSON, _ path: String, _ out: inout [String]) {
        // `type` names one type, or lists several ("string" or null).
        let types = schema["type"]?.string.map { [$0] } ?? schema["type"]?.array?.compactMap(\.string)
        if let types {
            func conforms(_ type: String) -> Bool {
                switch type {
                case "object": return value.object != nil
                case "array": return value.array != nil
                case "string": return value.string != nil
                case "integer": return value.integer != nil
                case "number": return value.double != nil
                case "boolean": if case .bool = value { return true } else { return false }
                case "null": return value == .null
                default: return true
                }
            }
            guard types.contains(where: conforms) else { return out.append("\(path): expected \(types.joined(separator: " or ")), got \(describe(value))") }
        }
        if let options = schema["enum"]?.array, !options.contains(value) {
            out.append("\(path): \(value.rendered) is not one of \(options.map(\.rendered).joined(separator: ", "))")
        }
        if let lo = schema["minimum"]?.double, let x = value.double, x < lo { out.append("\(path): \(value.rendered) is below \(schema["minimum"]!.rendered)") }
        if let hi = schema["maximum"]?.double, let x = value.double, x > hi { out.append("\(path): \(value.rendered) is above \(schema["maximum"]!.rendered)") }
        if let s = value.string {
            if let lo = schema["minLength"]?.integer, s.count < lo { out.append("\(path): shorter than \(lo) characters") }
            if let hi = schema["maxLength"]?.integer, s.count > hi { out.append("\(path): longer than \(hi) characters") }
        }
        if let items = value.array, let itemSchema = schema["items"] {
            for (i, item) in items.enumerated() { check(item, itemSchema, "\(path)[\(i)]", &out) }
        }
        if let pairs = value.object {
            let properties = schema["properties"]?.object ?? []
            for name in schema["required"]?.array?.compactMap(\.string) ?? [] where !pairs.contains(where: { $0.0 == name }) {
                out.append("\(path).\(name): missing")
            }
            for (name, v) in pairs {
                if let sub = properties.first(where: { $0.0 == name })?.1 {
                    check(v, sub, "\(path).\(name)", &out)
                } else if schema["additionalProperties"] == .bool(false) {
                    out.append("\(path).\(name): not a parameter of this tool")
                }
            }
        }
    }

    static func describe(_ v: JSON) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
