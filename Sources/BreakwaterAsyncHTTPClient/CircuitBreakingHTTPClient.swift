import AsyncHTTPClient
import Breakwater
import Logging
import NIOCore

/// An `HTTPClient` whose requests go through circuit breakers: one per host by default, or one
/// per name the caller gives a request.
///
/// ```swift
/// let registry = try CircuitBreakerRegistry(
///     defaultConfiguration: CircuitBreakerConfiguration(failureRateThreshold: 0.5)
/// )
/// let http = CircuitBreakingHTTPClient(client: .shared, registry: registry)
///
/// let response = try await http.execute(HTTPClientRequest(url: "https://api.example.com/quote"), timeout: .seconds(5))
/// let body = try await response.body.collect(upTo: 1 << 20)
/// ```
///
/// Every response comes back as the server sent it, a 503 included; ``classification`` only
/// decides what the breaker records. By default 5xx and 429 count as failures, every other status
/// as a success. A response is recorded when its head arrives: its duration is the time to the
/// head, and its body is the caller's to read or drop, as with `HTTPClient` itself. An error that
/// the client throws (connection refused or reset, `deadlineExceeded`, a connect timeout) is
/// judged by the breaker's `CircuitBreakerConfiguration.isFailure`, which counts every error by
/// default. A request whose calling task was cancelled is recorded as ignored, whatever the
/// client threw.
///
/// While a circuit rejects requests, they are not sent: ``execute(_:deadline:circuit:logger:)``
/// throws `RequestRejectedError`, which carries the circuit's name and its `retryAfter`, the
/// answer to give a caller as 503 with `Retry-After`.
///
/// By default `HTTPClient` tries a connection that cannot be established again
/// (`retryConnectionEstablishment`) until its connect timeout or the request's deadline, whichever
/// comes first: a refused connection fails, and is recorded, only then.
public struct CircuitBreakingHTTPClient: Sendable {
    /// The client that sends the requests.
    public let client: HTTPClient
    /// The registry that holds the breakers, created on first use with its default
    /// configuration or the override for their name.
    public let registry: CircuitBreakerRegistry
    /// Which breaker a request goes through when the call names none.
    public var breakerKey: BreakerKey
    /// Which responses count as failures.
    public var classification: HTTPResponseClassification

    /// Creates a client that sends requests with `client` through the breakers of `registry`.
    ///
    /// - Parameters:
    ///   - client: the client that sends the requests; by default, the shared one.
    ///   - registry: where the breakers live; each is created on first use.
    ///   - breakerKey: which breaker a request goes through: by default, one per host.
    ///   - classification: which responses count as failures: by default 5xx and 429.
    public init(
        client: HTTPClient = .shared,
        registry: CircuitBreakerRegistry,
        breakerKey: BreakerKey = .host,
        classification: HTTPResponseClassification = .serverErrorsAndTooManyRequests
    ) {
        self.client = client
        self.registry = registry
        self.breakerKey = breakerKey
        self.classification = classification
    }

    /// Sends `request` through its breaker and returns the response, whatever its status.
    ///
    /// - Parameters:
    ///   - request: the request to send.
    ///   - timeout: how long the request may take, its body excepted.
    ///   - circuit: the name of the breaker to go through, such as the name of an operation; by
    ///     default, the one ``breakerKey`` gives.
    ///   - logger: the logger the client uses for this request.
    /// - Throws: `RequestRejectedError` when the circuit rejects the request, which
    ///   is then not sent; `CircuitBreakerConfigurationError` for an invalid name; or
    ///   what `HTTPClient` threw.
    public func execute(
        _ request: HTTPClientRequest,
        timeout: TimeAmount,
        circuit: String? = nil,
        logger: Logger? = nil
    ) async throws -> HTTPClientResponse {
        try await execute(request, deadline: .now() + timeout, circuit: circuit, logger: logger)
    }

    /// Sends `request` through its breaker and returns the response, whatever its status.
    ///
    /// - Parameters:
    ///   - request: the request to send.
    ///   - deadline: when the request must be done, its body excepted.
    ///   - circuit: the name of the breaker to go through, such as the name of an operation; by
    ///     default, the one ``breakerKey`` gives.
    ///   - logger: the logger the client uses for this request.
    /// - Throws: `RequestRejectedError` when the circuit rejects the request, which
    ///   is then not sent; `CircuitBreakerConfigurationError` for an invalid name; or
    ///   what `HTTPClient` threw.
    public func execute(
        _ request: HTTPClientRequest,
        deadline: NIODeadline,
        circuit: String? = nil,
        logger: Logger? = nil
    ) async throws -> HTTPClientResponse {
        let breaker = try registry.breaker(named: circuit ?? breakerKey.name(for: request))
        return try await breaker.send(classifiedBy: classification, status: { Int($0.status.code) }) {
            try await client.execute(request, deadline: deadline, logger: logger)
        }
    }
}
