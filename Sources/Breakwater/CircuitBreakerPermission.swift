/// Leave for one call to go through a breaker, from ``CircuitBreaker/acquirePermission()``.
///
/// Report how the call ended exactly once, with ``CircuitBreaker/record(_:for:duration:)`` or
/// ``CircuitBreaker/record(error:for:duration:)``. A half-open probe permission that is never
/// reported holds its probe slot until the circuit leaves half-open.
public struct CircuitBreakerPermission: Sendable, Hashable {
    @usableFromInline let generation: UInt64
    @usableFromInline let state: CircuitState
    /// When the call was admitted, on the breaker's clock.
    public let startedAt: BreakerInstant

    @usableFromInline
    init(generation: UInt64, state: CircuitState, startedAt: BreakerInstant) {
        self.generation = generation
        self.state = state
        self.startedAt = startedAt
    }
}
