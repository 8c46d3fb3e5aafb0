/// A change of a circuit's state, with when and why it happened.
public struct StateTransition: Sendable, Hashable, CustomStringConvertible {
    /// The state the circuit left.
    public var from: CircuitState
    /// The state the circuit entered.
    public var to: CircuitState
    /// When the transition happened, on the breaker's clock.
    public var instant: BreakerInstant
    /// When the transition happened, in seconds since the Unix epoch.
    public var unixTime: Double
    /// Why the transition happened.
    public var reason: TransitionReason

    public var description: String {
        "\(from) -> \(to): \(reason)"
    }
}

/// Why a circuit changed state.
public enum TransitionReason: Sendable, Hashable, CustomStringConvertible {
    /// This many failures in a row reached the consecutive failure threshold.
    case consecutiveFailures(Int)
    /// The failure rate over the window reached its threshold.
    case failureRate(Double)
    /// The slow-call rate over the window reached its threshold.
    case slowCallRate(Double)
    /// An open circuit's wait is over; it admits probes.
    case openDurationElapsed
    /// The probes in half-open succeeded.
    case probesSucceeded
    /// A probe failed, or the probes' rates reached a threshold.
    case probesFailed
    /// The circuit waited ``CircuitBreakerConfiguration/maximumWaitInHalfOpen`` for its probes.
    case halfOpenWaitExceeded
    /// Somebody set the state by hand; the text says why.
    case manual(String)

    public var description: String {
        switch self {
        case .consecutiveFailures(let count): "\(count) consecutive failures"
        case .failureRate(let rate): "failure rate \(rate) reached its threshold"
        case .slowCallRate(let rate): "slow-call rate \(rate) reached its threshold"
        case .openDurationElapsed: "open duration elapsed"
        case .probesSucceeded: "probe calls succeeded"
        case .probesFailed: "probe calls failed"
        case .halfOpenWaitExceeded: "maximum wait in half-open exceeded"
        case .manual(let why): "set by hand: \(why)"
        }
    }
}
