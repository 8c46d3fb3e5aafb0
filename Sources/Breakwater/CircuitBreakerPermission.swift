/// Leave for one call to go through a breaker, from ``CircuitBreaker/acquirePermission()``.
///
/// Report how the call ended exactly once, to the breaker that gave the permission, with
/// ``CircuitBreaker/record(_:for:duration:)`` or ``CircuitBreaker/record(error:for:duration:)``.
/// Mistakes are contained: a permission reported to another breaker is refused (logged, and
/// nothing recorded), and a half-open probe reported twice counts once. A closed circuit's
/// permission reported twice counts as two calls: it cannot be told from two calls admitted in
/// the same instant. A half-open probe permission that is never reported holds its probe slot
/// until the circuit leaves half-open (see ``CircuitBreakerConfiguration/maximumWaitInHalfOpen``).
public struct CircuitBreakerPermission: Sendable, Hashable {
    @usableFromInline let generation: UInt64
    @usableFromInline let state: CircuitState
    /// The number of a half-open probe in its generation, from 1; 0 for other calls.
    @usableFromInline let probe: Int
    /// The ``CircuitBreaker/id`` of the breaker that gave it.
    @usableFromInline let breaker: UInt64
    /// When the call was admitted, on the breaker's clock.
    public let startedAt: BreakerInstant

    @usableFromInline
    init(generation: UInt64, state: CircuitState, probe: Int = 0, breaker: UInt64, startedAt: BreakerInstant) {
        self.generation = generation
        self.state = state
        self.probe = probe
        self.breaker = breaker
        self.startedAt = startedAt
    }
}
