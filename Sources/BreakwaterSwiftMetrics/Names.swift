/// The metric names of the breaker metrics contract (README, "The breaker metrics contract"),
/// which the Grafana dashboard and the alert rules rely on: the same as `BreakwaterMetrics` exports.
enum Names {
    static let state = "circuit_breaker_state"
    static let transitions = "circuit_breaker_transitions_total"
    static let calls = "circuit_breaker_calls_total"
    static let callDuration = "circuit_breaker_call_duration_seconds"
    static let slowCalls = "circuit_breaker_slow_calls_total"
    static let failureRate = "circuit_breaker_failure_rate"
    static let slowCallRate = "circuit_breaker_slow_call_rate"
    static let failureRateThreshold = "circuit_breaker_failure_rate_threshold"
    static let slowCallRateThreshold = "circuit_breaker_slow_call_rate_threshold"
    static let consecutiveFailures = "circuit_breaker_consecutive_failures"
    static let windowCalls = "circuit_breaker_window_calls"
    static let stateChangeTimestamp = "circuit_breaker_state_change_timestamp_seconds"
    static let fallbacks = "circuit_breaker_fallbacks_total"
    static let minimumCalls = "circuit_breaker_minimum_calls"
    static let windowSize = "circuit_breaker_window_size"
}
