import Foundation

/// Why a request produced no usable answer.
public enum LLMFailure: Sendable, Hashable, CustomStringConvertible {
    /// An HTTP status that is not retried (4xx other than 429), or the last of the retried ones.
    case http(status: Int)
    /// The connection failed or was dropped.
    case transport(String)
    case timeout
    /// A 200 whose body is not a chat completion.
    case malformed(String)
    /// The circuit breaker was open: no call was made.
    case breakerOpen
    /// The body was larger than `maxResponseBytes`; it was not read.
    case tooLarge(limit: Int)
    /// The server redirected (status, the target's origin); redirects are not followed.
    case redirect(status: Int, to: String)
    /// The question's deadline (`questionDeadlineSeconds`) passed before it was answered.
    case deadline

    public var description: String {
        switch self {
        case .http(let s): return "HTTP \(s)"
        case .transport(let m): return "connection: \(m)"
        case .timeout: return "timed out"
        case .malformed(let m): return "malformed response: \(m)"
        case .breakerOpen: return "endpoint unavailable (circuit breaker open)"
        case .tooLarge(let limit): return "response larger than \(limit) bytes (not read)"
        case .redirect(let status, let to): return "HTTP \(status) redirect to \(to), not followed"
        case .deadline: return "no answer within the question's deadline"
        }
    }

    /// Every `kind`, in a fixed order (the summary's `llm.failure.<kind>` figures).
    public static let kinds = ["http", "transport", "timeout", "malformed", "breaker_open", "too_large", "redirect", "deadline"]

    /// A short stable name, for counters.
    public var kind: String {
        switch self {
        case .http: return "http"
        case .transport: return "transport"
        case .timeout: return "timeout"
        case .malformed: return "malformed"
        case .breakerOpen: return "breaker_open"
        case .tooLarge: return "too_large"
        case .redirect: return "redirect"
        case .deadline: return "deadline"
        }
    }
}

/// The end of one request: an answer or a failure, after how many attempts and how long.
public struct LLMOutcome: Sendable {
    public var answer: ChatAnswer?
    public var failure: LLMFailure?
    /// The response body of the last attempt, as received (for the record; may be empty).
    public var rawBody: String
    public var attempts: Int
    public var seconds: Double
    /// The first real error this question met (a status and an excerpt of its body, a timeout, a
    /// dropped connection), or — for a question the breaker stopped — the error that opened it.
    public var firstError: String?

    public init(answer: ChatAnswer?, failure: LLMFailure?, rawBody: String, attempts: Int, seconds: Double, firstError: String? = nil) {
        self.answer = answer
        self.failure = failure
        self.rawBody = rawBody
        self.attempts = attempts
        self.seconds = seconds
        self.firstError = firstError
    }

    /// Why there is no answer, with the first real error when it says more than the last.
    public var failureText: String? {
        guard let failure else { return nil }
        let last = failure.description
        guard let first = firstError, first != last else { return last }
        return last + "; first error: " + first
    }
}

/// Counts of what the client did, for a run's accounting.
public struct LLMClientStats: Sendable, Hashable {
    public var requests = 0
    public var attempts = 0
    public var retries = 0
    public var rateLimited = 0
    /// 429s whose Retry-After was longer than `retryAfterMaxSeconds` (waited for that long only).
    public var retryAfterCapped = 0
    public var succeeded = 0
    public var failures: [String: Int] = [:]
    public var breakerOpenings = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// Seconds per finished request, in the order they finished.
    public var latencies: [Double] = []
    /// The first real error the endpoint gave (status and body excerpt), for the run's notes.
    public var firstError: String?
    /// Questions asked again with another `tool_choice` after the server refused theirs, by the
    /// choice that was tried ("auto", "function"), and the choice the client settled on.
    public var toolChoiceFallbacks: [String: Int] = [:]
    public var settledToolChoice: String?
    /// Requests the client lets be in flight now (adaptive: from 1 up to `maxConcurrency`), and
    /// the most it has found the endpoint can take without its latency growing (nil: no limit found).
    public var concurrency = 1
    public var concurrencyCeiling: Int?
    /// Retries after a timeout: the server may still have been working on the abandoned attempt.
    public var timeoutRetries = 0

    public init() {}
}
