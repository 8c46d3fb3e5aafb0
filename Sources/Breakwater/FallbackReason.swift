/// Why a call through a breaker fell back.
public enum FallbackReason: Sendable {
    /// The circuit did not let the call through.
    case rejected(CircuitBreakerError)
    /// The operation threw this error, whether or not it counted as a failure.
    case failed(any Error)
    /// The operation did not finish within its timeout.
    case timedOut(CircuitBreakerTimeoutError)
}
