/// Which HTTP responses count against the dependency that sent them: how the outbound integrations
/// (`BreakwaterOpenAPI`, `BreakwaterAsyncHTTPClient`) record a request that got a response.
///
/// A response is always returned to its caller unchanged, whatever it counts as: a client of an
/// OpenAPI document expects a 503 as one of its typed results, and the caller of an HTTP client
/// reads or drops the body. The classification only decides what the breaker records. Requests
/// that end in a thrown error (connection refused or reset, a timeout) are not classified here:
/// the breaker's ``CircuitBreakerConfiguration/isFailure`` decides, and a request whose caller was
/// cancelled is recorded as ``CallOutcome/ignored``.
///
/// ```swift
/// .serverErrorsAndTooManyRequests    // the default: 5xx and 429 are failures
/// .failures([502, 503, 504])         // only these
/// HTTPResponseClassification { status in status == 404 ? .ignored : status >= 500 ? .failure : .success }
/// ```
public struct HTTPResponseClassification: Sendable {
    private let classify: @Sendable (Int) -> CallCompletion

    /// Classifies responses with `classify`, which is given the status code.
    public init(_ classify: @escaping @Sendable (_ status: Int) -> CallCompletion) {
        self.classify = classify
    }

    /// Server errors (500 to 599) and 429 Too Many Requests are failures, every other status a
    /// success: the default of the outbound integrations.
    ///
    /// A 4xx other than 429 says the request was wrong, not that the dependency is unwell.
    public static let serverErrorsAndTooManyRequests = failures { (500...599).contains($0) || $0 == 429 }

    /// The statuses in `statuses` are failures, every other status a success.
    public static func failures(_ statuses: Set<Int>) -> Self {
        failures { statuses.contains($0) }
    }

    /// The statuses for which `isFailure` is `true` are failures, every other status a success.
    public static func failures(where isFailure: @escaping @Sendable (_ status: Int) -> Bool) -> Self {
        Self { isFailure($0) ? .failure : .success }
    }

    /// How a response of status `status` is recorded.
    public func completion(forStatus status: Int) -> CallCompletion {
        classify(status)
    }
}
