import Foundation

/// An API key. It prints as `<redacted>` everywhere — string interpolation, `dump`, errors — so it
/// can travel through settings without ever reaching a log, the catalog or the terminal.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
    public var isEmpty: Bool { value.isEmpty }
}

/// Where and how to reach an OpenAI-compatible endpoint, and how hard to try.
public struct EndpointSettings: Sendable, Hashable {
    /// The API root, e.g. `http://127.0.0.1:8000/v1`; requests go to `<base>/chat/completions`.
    public var baseURL: URL
    public var model: String
    public var apiKey: Secret?
    /// Seconds before one attempt is abandoned: connecting, the headers and the whole body, however
    /// slowly its bytes arrive.
    public var timeoutSeconds: Double = 60
    /// Seconds a question may take across all its attempts, waits and backoffs; when the next
    /// attempt could not start (or a wait would not end) before it, the question fails (`deadline`).
    public var questionDeadlineSeconds: Double = 300
    /// The largest response body read; a larger one fails the question (`too_large`) unread.
    public var maxResponseBytes: Int = 1 << 20
    /// The longest a 429's `Retry-After` is waited for; a longer one is cut to this and counted.
    public var retryAfterMaxSeconds: Double = 60
    /// Requests in flight at once.
    public var maxConcurrency: Int = 8
    /// Attempts after the first, for timeouts, dropped connections, 429 and 5xx.
    public var maxRetries: Int = 4
    /// Backoff before retry k (from 1): uniform in [½, 1] × min(max, base × 2^(k−1)) seconds.
    public var backoffBaseSeconds: Double = 0.5
    public var backoffMaxSeconds: Double = 30
    /// Starts at most this many attempts a minute (nil: no limit).
    public var requestsPerMinute: Double?
    /// After this many failed attempts in a row the breaker opens: requests fail at once, without
    /// a call, until `breakerCooldownSeconds` have passed; then one attempt probes the endpoint.
    public var breakerThreshold: Int = 8
    public var breakerCooldownSeconds: Double = 30

    public init(baseURL: URL, model: String, apiKey: Secret? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    var completionsURL: URL { baseURL.appendingPathComponent("chat").appendingPathComponent("completions") }
}
