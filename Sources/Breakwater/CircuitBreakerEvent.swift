/// Something that happened in a breaker: a call outcome or a state transition.
public enum CircuitBreakerEvent: Sendable, Hashable {
    /// A call ended, or was rejected, after `duration` (zero for a rejection).
    case call(circuit: String, outcome: CallOutcome, duration: Duration)
    /// The circuit changed state.
    case transition(circuit: String, StateTransition)
}
