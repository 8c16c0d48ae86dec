import Foundation

/// Takes credentials out of text that came from outside before Agora keeps it anywhere.
///
/// Endpoints echo what they were sent: an error body saying "Incorrect API key provided: Bearer
/// sk-…" is common, and a hostile server can put the header into any field of a 200. Whatever an
/// endpoint answers reaches the event log, the response cache, errors and the run's notes, so every
/// such text passes through `scrub` first: the exact key (when one is set) and anything of a key's
/// form — a bearer token, an `sk-…` key, a value named `api_key` — become `[redacted]`.
///
/// The replacement has no quote or backslash, so a scrubbed JSON body still parses, and scrubbing
/// is a pure function of its input: a replayed body scrubs to itself.
public struct Redactor: Sendable {
    /// What replaces a secret.
    public static let mark = "[redacted]"

    private let secrets: [String]

    /// A redactor for `secrets` (empty ones are ignored) and every key-shaped token.
    public init(secrets: [Secret] = []) {
        self.secrets = secrets.map(\.value).filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret and key-shaped token replaced by `Redactor.mark`.
    public func scrub(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) { out = out.replacingOccurrences(of: s, with: Self.mark) }
        return Self.scrubForms(out)
    }

    /// Whether `text` holds a secret or a key-shaped token.
    public func finds(in text: String) -> Bool { scrub(text) != text }

    /// Characters a token is made of (RFC 6750's b64token, and `_`); a quote or a brace ends it.
    private static let tokenCharacters = "A-Za-z0-9._~+/=-"

    /// Key-shaped text: `Bearer <token>`, `sk-<token>` (OpenAI's, Anthropic's and their imitators'
    /// form), and the value of any field or parameter named like `api_key`, `api-key`, `apikey`,
    /// `x-api-key` or `access_token`, quoted or not. A token must hold a digit, as every issued key
    /// does, so that prose ("api_key: keys do not belong here", "Bearer tokens") is left alone.
    private static let forms: [NSRegularExpression] = {
        let token = "[\(tokenCharacters)]"
        let value = "[^\"'\\s,;&}\\\\<>]"
        return [
            "(?i)(bearer|basic)\\s+(?=\(token)*[0-9])\(token){4,}",
            "\\bsk-(?=\(token)*[0-9])\(token){6,}",
            "(?i)(api[_-]?key|x-api-key|access[_-]?token)(\\\\?[\"']?\\s*[:=]\\s*\\\\?[\"']?)(?=\(value)*[0-9])\(value){4,}",
        ].map { try! NSRegularExpression(pattern: $0) }
    }()

    static func scrubForms(_ text: String) -> String {
        guard text.contains(where: { $0 == "-" || $0 == " " || $0 == "=" || $0 == ":" || $0 == "\t" }) else { return text }
        var out = text
        for (i, re) in forms.enumerated() {
            let range = NSRange(out.startIndex..., in: out)
            guard re.firstMatch(in: out, range: range) != nil else { continue }
            let template: String
            switch i {
            case 0: template = "$1 " + mark
            case 1: template = mark
            default: template = "$1$2" + mark
            }
            out = re.stringByReplacingMatches(in: out, range: range, withTemplate: template)
        }
        return out
    }
}
