import Breakwater
import HTTPTypes
import OpenAPIRuntime

#if canImport(FoundationEssentials)
import struct FoundationEssentials.URL
#else
import struct Foundation.URL
#endif

/// A client middleware that sends the requests of a generated OpenAPI client through circuit
/// breakers: one per host by default, or one per operation.
///
/// ```swift
/// let registry = try CircuitBreakerRegistry(
///     defaultConfiguration: CircuitBreakerConfiguration(failureRateThreshold: 0.5)
/// )
/// let client = Client(
///     serverURL: try Servers.Server1.url(),
///     transport: AsyncHTTPClientTransport(),
///     middlewares: [CircuitBreakerMiddleware(registry: registry)]
/// )
/// ```
///
/// Every response comes back to the client as the server sent it, a 503 included, so that it
/// decodes into the operation's typed output; ``classification`` only decides what the breaker
/// records. By default 5xx and 429 count as failures, every other status as a success. An error
/// that the transport throws (connection refused or reset, a timeout) is judged by the breaker's
/// `CircuitBreakerConfiguration.isFailure`, which is given the transport's own error rather than
/// the `ClientError` around it, and counts every error by default. A request whose calling task
/// was cancelled is recorded as ignored, whatever the transport threw.
///
/// While a circuit rejects requests, they are not sent: the client throws a `ClientError` whose
/// `underlyingError` is a `RequestRejectedError`, which carries the circuit's name and its
/// `retryAfter`, the answer to give a caller as 503 with `Retry-After`:
///
/// ```swift
/// do {
///     let output = try await client.getGreeting()
/// } catch let error as ClientError {
///     if let rejection = error.underlyingError as? RequestRejectedError {
///         // Answer 503 with Retry-After: rejection.retryAfterSeconds.
///     }
/// }
/// ```
///
/// Where it stands among `middlewares` decides what a call is: after a middleware that retries,
/// each attempt is one call (resilience4j's order); before it, the retried whole is one.
public struct CircuitBreakerMiddleware: ClientMiddleware {
    /// The registry that holds the breakers, created on first use with its default
    /// configuration or the override for their name.
    public let registry: CircuitBreakerRegistry
    /// Which breaker a request goes through.
    public var breakerKey: BreakerKey
    /// Which responses count as failures.
    public var classification: HTTPResponseClassification

    /// Creates a middleware that takes its breakers from `registry`.
    ///
    /// - Parameters:
    ///   - registry: where the breakers live; each is created on first use.
    ///   - breakerKey: which breaker a request goes through: by default, one per host.
    ///   - classification: which responses count as failures: by default 5xx and 429.
    public init(
        registry: CircuitBreakerRegistry,
        breakerKey: BreakerKey = .host,
        classification: HTTPResponseClassification = .serverErrorsAndTooManyRequests
    ) {
        self.registry = registry
        self.breakerKey = breakerKey
        self.classification = classification
    }

    /// Sends the request through its breaker, or throws `RequestRejectedError`
    /// without sending it.
    ///
    /// - Throws: `RequestRejectedError` when the circuit rejects the request,
    ///   `CircuitBreakerConfigurationError` when ``breakerKey`` gives an invalid name,
    ///   or what the next middleware or the transport threw.
    public func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let breaker = try registry.breaker(
            named: breakerKey.name(for: request, baseURL: baseURL, operationID: operationID))
        return try await breaker.send(
            classifiedBy: classification,
            status: { response, _ in response.status.code },
            underlyingError: { ($0 as? ClientError)?.underlyingError ?? $0 }
        ) {
            try await next(request, body, baseURL)
        }
    }
}
