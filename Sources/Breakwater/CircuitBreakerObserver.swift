/// Receives every call outcome and every state transition of the breakers it is added to.
///
/// Methods run synchronously on the caller's thread, after the breaker has released its lock, so
/// an observer may call back into the breaker. Keep them short: they sit on the call path.
/// Both methods have empty default implementations.
public protocol CircuitBreakerObserver: Sendable {
    /// A call through `breaker` ended with `outcome` after `duration` (zero when rejected).
    ///
    /// Every admitted call is reported, including one that ended after the circuit had moved on
    /// and so no longer counts in its window. A disabled breaker reports nothing.
    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration)

    /// `breaker` changed state.
    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition)
}

extension CircuitBreakerObserver {
    public func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {}
    public func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {}
}

/// Identifies an observer added to a breaker, to remove it later.
public struct ObserverToken: Sendable, Hashable {
    let id: UInt64
}
