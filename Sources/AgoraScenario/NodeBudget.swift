import Yams

/// A bound on how large a YAML document may become once its aliases are expanded.
///
/// YAML aliases let a few hundred bytes stand for billions of values ("a billion laughs": each
/// anchor a list of ten aliases to the one before). Yams keeps aliases as shared nodes, so the
/// document composes cheaply, but anything that walks or serializes it pays for every copy. Every
/// scenario, override and sweep file is measured first: the walk counts nodes as an expanded
/// document would hold them and stops as soon as the count passes the limit, so measuring costs at
/// most `limit` steps.
public enum NodeBudget {
    /// Nodes a document may hold after expansion: far above any real scenario (the largest shipped
    /// one has a few hundred), far below what would exhaust memory.
    public static let defaultLimit = 100_000

    /// Whether `node`, aliases expanded, holds at most `limit` nodes.
    public static func fits(_ node: Node, limit: Int = defaultLimit) -> Bool {
        var left = limit
        return walk(node, &left)
    }

    private static func walk(_ node: Node, _ left: inout Int) -> Bool {
        left -= 1
        guard left >= 0 else { return false }
        switch node {
        case .scalar, .alias: return true
        case .sequence(let s):
            for item in s where !walk(item, &left) { return false }
        case .mapping(let m):
            for (k, v) in m where !walk(k, &left) || !walk(v, &left) { return false }
        }
        return true
    }

    /// The issue for a document that does not fit, at its top.
    static func issue(_ node: Node, file: String, what: String) -> ScenarioIssue {
        let mark = node.mark
        return ScenarioIssue(origin: .file(path: file, line: mark?.line ?? 1, column: mark?.column ?? 1), path: "",
                             message: "\(what) expands to more than \(defaultLimit) values (its aliases repeat too much); "
                                 + "write the values out instead of nesting aliases")
    }
}
