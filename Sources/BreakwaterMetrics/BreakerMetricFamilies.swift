import Breakwater

/// The metric families of the breaker metrics contract, registered once per collector. The
/// names, labels and meanings are what the Grafana dashboard and the alert rules rely on.
struct BreakerMetricFamilies: Sendable {
    let state: GaugeFamily
    let transitions: CounterFamily
    let calls: CounterFamily
    let callDuration: HistogramFamily
    let slowCalls: CounterFamily
    let failureRate: GaugeFamily
    let slowCallRate: GaugeFamily
    let failureRateThreshold: GaugeFamily
    let slowCallRateThreshold: GaugeFamily
    let consecutiveFailures: GaugeFamily
    let windowCalls: GaugeFamily
    let stateChangeTimestamp: GaugeFamily
    let fallbacks: CounterFamily
    let minimumCalls: GaugeFamily
    let windowSize: GaugeFamily

    /// The constant label names, which come first in every family's label values.
    let constantLabelNames: [String]
    /// Whether ``callDuration`` has an `outcome` label.
    let durationsByOutcome: Bool

    /// The labels the contract's families add to the constant ones: no constant label may take one.
    static let contractLabelNames: Set<String> = ["circuit", "state", "from", "to", "outcome", "kind", "reason", "unit"]

    init(
        in collector: MetricsCollector, constantLabelNames: [String], options: BreakerMetricsOptions
    ) throws(MetricsRegistrationError) {
        self.constantLabelNames = constantLabelNames
        durationsByOutcome = options.durationsByOutcome
        let circuit = constantLabelNames + ["circuit"]
        // Checked before any family is registered, so that wrong options leave the collector as it was.
        let durationBounds = try HistogramBuckets.validate(
            options.durationBuckets, of: "circuit_breaker_call_duration_seconds", allowingNone: true)
        state = try collector.gauge(
            name: "circuit_breaker_state",
            help: "1 for the state the circuit is in, 0 for the others.",
            labelNames: circuit + ["state"])
        transitions = try collector.counter(
            name: "circuit_breaker_transitions_total",
            help: "State transitions, by the state left and the state entered.",
            labelNames: circuit + ["from", "to"])
        calls = try collector.counter(
            name: "circuit_breaker_calls_total",
            help: "Calls through the breaker, by outcome: success, failure, timeout, ignored or rejected.",
            labelNames: circuit + ["outcome"])
        callDuration = try collector.histogram(
            name: "circuit_breaker_call_duration_seconds",
            help: options.durationsByOutcome
                ? "How long calls took, by outcome: success, failure or timeout."
                : "How long calls took, successes, failures and timeouts together.",
            labelNames: options.durationsByOutcome ? circuit + ["outcome"] : circuit,
            upperBounds: durationBounds)
        slowCalls = try collector.counter(
            name: "circuit_breaker_slow_calls_total",
            help: "Calls slower than the slow-call duration threshold, by outcome: success or failure.",
            labelNames: circuit + ["outcome"])
        failureRate = try collector.gauge(
            name: "circuit_breaker_failure_rate",
            help: "Failed calls over calls in the sliding window, from 0 to 1; NaN until the window holds the minimum number of calls.",
            labelNames: circuit)
        slowCallRate = try collector.gauge(
            name: "circuit_breaker_slow_call_rate",
            help: "Slow calls over calls in the sliding window, from 0 to 1; NaN until the window holds the minimum number of calls.",
            labelNames: circuit)
        failureRateThreshold = try collector.gauge(
            name: "circuit_breaker_failure_rate_threshold",
            help: "The failure rate at which the circuit opens, for circuits that have one.",
            labelNames: circuit)
        slowCallRateThreshold = try collector.gauge(
            name: "circuit_breaker_slow_call_rate_threshold",
            help: "The slow-call rate at which the circuit opens, for circuits that have one.",
            labelNames: circuit)
        consecutiveFailures = try collector.gauge(
            name: "circuit_breaker_consecutive_failures",
            help: "The current run of failed calls; a success ends it.",
            labelNames: circuit)
        windowCalls = try collector.gauge(
            name: "circuit_breaker_window_calls",
            help: "Calls in the sliding window, by kind: success, failure or slow.",
            labelNames: circuit + ["kind"])
        stateChangeTimestamp = try collector.gauge(
            name: "circuit_breaker_state_change_timestamp_seconds",
            help: "Unix time of the circuit's last state transition, or of its creation.",
            labelNames: circuit)
        fallbacks = try collector.counter(
            name: "circuit_breaker_fallbacks_total",
            help: "Calls handed to their fallback, by reason: rejected, failed or timed_out.",
            labelNames: circuit + ["reason"])
        minimumCalls = try collector.gauge(
            name: "circuit_breaker_minimum_calls",
            help: "Calls the sliding window must hold before the failure and slow-call rates are computed.",
            labelNames: circuit)
        windowSize = try collector.gauge(
            name: "circuit_breaker_window_size",
            help: "The size of the sliding window, in its unit: calls for a count-based window, seconds for a time-based one.",
            labelNames: circuit + ["unit"])
    }

    /// The label values of the duration series for `outcome`, after `circuit`'s.
    func durationLabels(_ circuit: [String], _ outcome: CallOutcome) -> [String] {
        durationsByOutcome ? circuit + [outcome.description] : circuit
    }
}
