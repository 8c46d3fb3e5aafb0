/// An outbound request that a circuit breaker did not let through: it was never sent.
///
/// The outbound integrations (`BreakwaterOpenAPI`, `BreakwaterAsyncHTTPClient`) throw it in place
/// of the breaker's ``CircuitBreakerError``, so that a service tells a dependency it has given up
/// on from a breaker of its own: the usual answer to its caller is 503 Service Unavailable with a
/// `Retry-After` header.
///
/// ```swift
/// } catch let rejection as RequestRejectedError {
///     let seconds = rejection.retryAfterSeconds ?? 1
///     return Response(status: .serviceUnavailable, headers: ["Retry-After": "\(seconds)"])
/// }
/// ```
///
/// A generated OpenAPI client wraps whatever a middleware throws in its `ClientError`; there, the
/// rejection is the `underlyingError`.
public struct RequestRejectedError: Error, Hashable, CustomStringConvertible {
    /// The breaker's rejection: the circuit's name, its state and when it admits calls again.
    public var rejection: CircuitBreakerError

    /// Creates the error for a request that `rejection` kept from being sent.
    public init(_ rejection: CircuitBreakerError) {
        self.rejection = rejection
    }

    /// The name of the circuit that rejected the request.
    public var circuit: String { rejection.circuit }

    /// How long from now until the circuit admits a request, when that is known (an open circuit);
    /// see ``CircuitBreakerError/retryAfter``.
    public var retryAfter: Duration? { rejection.retryAfter }

    /// ``retryAfter`` in whole seconds, rounded up, as an HTTP `Retry-After` header gives it; `nil`
    /// when the wait is not known (half-open with every probe taken, or forced open).
    public var retryAfterSeconds: Int? {
        guard let retryAfter else { return nil }
        let (seconds, attoseconds) = retryAfter.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }

    public var description: String {
        "request not sent: \(rejection)"
    }
}
