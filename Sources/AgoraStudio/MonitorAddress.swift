import Foundation

/// Where the live monitor listens (`--monitor [HOST:]PORT`) and who may use it.
///
/// It binds to 127.0.0.1 unless told otherwise. A monitor can pause a run, so one reachable from
/// other machines needs a token (`--token`, or one generated and printed once): every request
/// must then carry it, as `Authorization: Bearer TOKEN`, as the `agora_token` cookie the page
/// sets, or once as `?token=` on the page's address.
public struct MonitorAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    /// 0: the system picks a free port (the run prints which).
    public var port: UInt16

    public init(host: String = "127.0.0.1", port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Reads `PORT`, `HOST:PORT` or `[IPv6]:PORT`, given to `option` (named in the errors).
    public init(parsing text: String, option: String = "--monitor") throws(Failure) {
        var host = "127.0.0.1", portText = text
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw Failure(description: "\(option) \(text): expected [HOST]:PORT") }
            portText = String(rest.dropFirst())
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
        }
        guard !host.isEmpty else { throw Failure(description: "\(option) \(text): the host is empty") }
        guard let port = UInt16(portText) else {
            throw Failure(description: "\(option) \(text): the port must be a number from 0 to 65535")
        }
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
    }

    /// True for addresses only this machine reaches (127.0.0.0/8, ::1).
    public var isLoopback: Bool {
        host == "::1" || host.hasPrefix("127.")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Why an address cannot be used.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Why `token` cannot be a token (`--token`), or nil when it can: at least 16 letters,
    /// digits, '-' or '_', so that it is hard to guess and travels in a header or cookie as it is.
    public static func problem(withToken token: String) -> String? {
        let fits = token.count >= 16 && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return fits ? nil : "--token must be at least 16 letters, digits, '-' or '_'"
    }

    /// A random token for a monitor that is reachable from other machines: 32 hex digits.
    public static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
    }
}
