/// Receives every call outcome, every state transition and every fallback of the breakers it is
/// added to.
///
/// Methods run synchronously on the caller's thread, after the breaker has released its lock, so
/// an observer may call back into the breaker. Keep them short: they sit on the call path.
/// Every method has an empty default implementation.
public protocol CircuitBreakerObserver: Sendable {
    /// A call through `breaker` ended with `outcome` after `duration` (zero when rejected).
    ///
    /// Every admitted call is reported, including one that ended after the circuit had moved on
    /// and so no longer counts in its window. A disabled breaker reports no outcome.
    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration)

    /// `breaker` changed state.
    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition)

    /// A call through `breaker` fell back, for `reason`: told once per call that hands over to
    /// its fallback (the `run` methods with a `fallback:`), before the fallback runs, so a fallback
    /// that throws is told too. The call's outcome, when it has one, is told first through
    /// ``circuitBreaker(_:didRecord:duration:)``; a timed call whose caller was cancelled before it
    /// was admitted has none, and falls back as `failed`.
    ///
    /// A disabled breaker tells it too, though it reports no outcome: its calls never fall back
    /// for being rejected, but one whose operation throws still gets the fallback's answer.
    func circuitBreaker(_ breaker: CircuitBreaker, didFallBack reason: FallbackReason.Kind)
}

extension CircuitBreakerObserver {
    public func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {}
    public func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {}
    public func circuitBreaker(_ breaker: CircuitBreaker, didFallBack reason: FallbackReason.Kind) {}
}

/// Identifies an observer added to a breaker, to remove it later.
public struct ObserverToken: Sendable, Hashable {
    let id: UInt64
}
