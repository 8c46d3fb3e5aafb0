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
    // Three words, as small as the call path can pass around: the generation and state packed as
    // the breaker publishes them, the breaker's id and the probe's number, and the start.

    /// `generation << 3 | state`.
    @usableFromInline let admission: UInt64
    /// The breaker's ``CircuitBreaker/id`` in the high 32 bits, the number of a half-open probe in
    /// its generation (from 1; 0 for other calls) in the low 32.
    @usableFromInline let owner: UInt64
    /// When the call was admitted, on the breaker's clock.
    public let startedAt: BreakerInstant

    @usableFromInline
    init(generation: UInt64, state: CircuitState, probe: UInt32 = 0, breaker: UInt32, startedAt: BreakerInstant) {
        admission = generation << 3 | UInt64(state.rawValue)
        owner = UInt64(breaker) << 32 | UInt64(probe)
        self.startedAt = startedAt
    }

    @usableFromInline var generation: UInt64 { admission >> 3 }
    @usableFromInline var state: CircuitState { CircuitState(rawValue: UInt8(truncatingIfNeeded: admission & 7)) ?? .closed }
    var probe: UInt32 { UInt32(truncatingIfNeeded: owner) }
    var breaker: UInt32 { UInt32(truncatingIfNeeded: owner >> 32) }
}
