import Breakwater

/// The series of one breaker, looked up once: the breaker's observer updates them with atomic
/// adds, and a scrape sets the gauges it reads from the breaker's snapshot.
///
/// It holds its breaker weakly: the breaker holds it as an observer, and metrics must not keep a
/// breaker alive that its registry or the application has let go.
final class BreakerSeries: CircuitBreakerObserver {
    weak let breaker: CircuitBreaker?
    private let families: BreakerMetricFamilies
    /// The constant label values, then the circuit's name.
    private let circuitLabels: [String]
    private let slowCallDurationThreshold: Duration
    /// The `unit` label of the window size.
    private let windowUnit: String
    /// The trace of a call that ends, for exemplars; `nil` when exemplars are off.
    private let exemplarSource: ExemplarSource?

    // One stored property per series rather than arrays: reading an array element retains it,
    // and these are read on every call.
    private let successCalls: CounterSeries
    private let failureCalls: CounterSeries
    private let timeoutCalls: CounterSeries
    private let ignoredCalls: CounterSeries
    private let rejectedCalls: CounterSeries
    /// The three are one series when durations are not split by outcome.
    private let successDurations: HistogramSeries
    private let failureDurations: HistogramSeries
    private let timeoutDurations: HistogramSeries
    private let slowSuccesses: CounterSeries
    private let slowFailures: CounterSeries
    private let rejectedFallbacks: CounterSeries
    private let failedFallbacks: CounterSeries
    private let timedOutFallbacks: CounterSeries
    /// Indexed by ``CircuitState/rawValue``.
    private let states: [GaugeSeries]
    private let failureRate: GaugeSeries
    private let slowCallRate: GaugeSeries
    private let consecutiveFailures: GaugeSeries
    private let windowSuccesses: GaugeSeries
    private let windowFailures: GaugeSeries
    private let windowSlowCalls: GaugeSeries
    private let stateChangeTimestamp: GaugeSeries

    init(
        _ breaker: CircuitBreaker, families: BreakerMetricFamilies, constantLabelValues: [String], exemplarSource: ExemplarSource?
    ) throws(MetricsRegistrationError) {
        self.breaker = breaker
        self.families = families
        self.exemplarSource = exemplarSource
        let circuit = constantLabelValues + [breaker.name]
        circuitLabels = circuit
        slowCallDurationThreshold = breaker.configuration.slowCallDurationThreshold
        successCalls = try families.calls.labels(circuit + ["success"])
        failureCalls = try families.calls.labels(circuit + ["failure"])
        timeoutCalls = try families.calls.labels(circuit + ["timeout"])
        ignoredCalls = try families.calls.labels(circuit + ["ignored"])
        rejectedCalls = try families.calls.labels(circuit + ["rejected"])
        successDurations = try families.callDuration.labels(families.durationLabels(circuit, .success))
        failureDurations = try families.callDuration.labels(families.durationLabels(circuit, .failure))
        timeoutDurations = try families.callDuration.labels(families.durationLabels(circuit, .timeout))
        slowSuccesses = try families.slowCalls.labels(circuit + ["success"])
        slowFailures = try families.slowCalls.labels(circuit + ["failure"])
        // All three exist from the start, at 0, for the same reason as the automatic transitions.
        rejectedFallbacks = try families.fallbacks.labels(circuit + [FallbackReason.Kind.rejected.description])
        failedFallbacks = try families.fallbacks.labels(circuit + [FallbackReason.Kind.failed.description])
        timedOutFallbacks = try families.fallbacks.labels(circuit + [FallbackReason.Kind.timedOut.description])
        var states: [GaugeSeries] = []
        for state in CircuitState.allCases {
            states.append(try families.state.labels(circuit + [state.description]))
        }
        self.states = states
        failureRate = try families.failureRate.labels(circuit)
        slowCallRate = try families.slowCallRate.labels(circuit)
        consecutiveFailures = try families.consecutiveFailures.labels(circuit)
        windowSuccesses = try families.windowCalls.labels(circuit + ["success"])
        windowFailures = try families.windowCalls.labels(circuit + ["failure"])
        windowSlowCalls = try families.windowCalls.labels(circuit + ["slow"])
        stateChangeTimestamp = try families.stateChangeTimestamp.labels(circuit)
        // The transitions a breaker makes by itself exist from the start, at 0, so that the first
        // open is an increase Prometheus sees (`increase` needs a sample before it) and not a
        // series born at 1. Manual transitions appear when they happen.
        for (from, to) in Self.automaticTransitions {
            _ = try families.transitions.labels(circuit + [from.description, to.description])
        }
        if let threshold = breaker.configuration.failureRateThreshold {
            try families.failureRateThreshold.labels(circuit).set(threshold)
        }
        if let threshold = breaker.configuration.slowCallRateThreshold {
            try families.slowCallRateThreshold.labels(circuit).set(threshold)
        }
        try families.minimumCalls.labels(circuit).set(Double(breaker.configuration.effectiveMinimumNumberOfCalls))
        let (unit, size) = breaker.configuration.slidingWindow.exportedSize
        windowUnit = unit
        try families.windowSize.labels(circuit + [unit]).set(size)
        _ = update()
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        switch outcome {
        case .success:
            record(duration, calls: successCalls, durations: successDurations, slow: slowSuccesses, countWithExemplar: false)
        case .failure:
            record(duration, calls: failureCalls, durations: failureDurations, slow: slowFailures, countWithExemplar: true)
        case .timeout:
            record(duration, calls: timeoutCalls, durations: timeoutDurations, slow: slowFailures, countWithExemplar: true)
        case .ignored:
            ignoredCalls.increment()
        case .rejected:
            rejectedCalls.increment()
        }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didFallBack reason: FallbackReason.Kind) {
        switch reason {
        case .rejected: rejectedFallbacks.increment()
        case .failed: failedFallbacks.increment()
        case .timedOut: timedOutFallbacks.increment()
        }
    }

    /// Counts a call that ran and observes its duration; in a trace, with the trace as the
    /// exemplar of its duration's bucket, and of its count if `countWithExemplar` (failures and
    /// timeouts: the calls an operator looks for).
    private func record(
        _ duration: Duration, calls: CounterSeries, durations: HistogramSeries, slow: CounterSeries, countWithExemplar: Bool
    ) {
        if let exemplarSource, let trace = exemplarSource() {
            if countWithExemplar {
                calls.increment(exemplar: trace)
            } else {
                calls.increment()
            }
            durations.observe(duration.seconds, exemplar: trace)
        } else {
            calls.increment()
            durations.observe(duration)
        }
        if duration > slowCallDurationThreshold {
            slow.increment()
        }
    }

    /// The transitions of the automatic cycle: closed to open, open to half-open, half-open to
    /// closed or open.
    static let automaticTransitions: [(CircuitState, CircuitState)] = [
        (.closed, .open), (.open, .halfOpen), (.halfOpen, .closed), (.halfOpen, .open),
    ]

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        // A transition between two given states is rare: its series is found when it happens.
        try? families.transitions.labels(circuitLabels + [transition.from.description, transition.to.description]).increment()
    }

    /// Sets the gauges from the breaker's snapshot: run before every scrape. `false` when the
    /// breaker is freed.
    func update() -> Bool {
        guard let snapshot = breaker?.snapshot() else { return false }
        for state in CircuitState.allCases {
            states[Int(state.rawValue)].set(state == snapshot.state ? 1.0 : 0.0)
        }
        failureRate.set(snapshot.failureRate ?? .nan)
        slowCallRate.set(snapshot.slowCallRate ?? .nan)
        consecutiveFailures.set(Double(snapshot.consecutiveFailures))
        windowSuccesses.set(Double(snapshot.window.successes))
        windowFailures.set(Double(snapshot.window.failures))
        windowSlowCalls.set(Double(snapshot.window.slowCalls))
        stateChangeTimestamp.set(snapshot.stateChangedAt)
        return true
    }

    /// Removes every series of this breaker from the collector.
    func remove() {
        let circuit = circuitLabels
        for outcome in CallOutcome.allCases {
            families.calls.remove(labels: circuit + [outcome.description])
        }
        for outcome in [CallOutcome.success, .failure, .timeout] {
            families.callDuration.remove(labels: families.durationLabels(circuit, outcome))
        }
        for reason in FallbackReason.Kind.allCases {
            families.fallbacks.remove(labels: circuit + [reason.description])
        }
        families.windowSize.remove(labels: circuit + [windowUnit])
        for outcome in ["success", "failure"] {
            families.slowCalls.remove(labels: circuit + [outcome])
        }
        for state in CircuitState.allCases {
            families.state.remove(labels: circuit + [state.description])
            for to in CircuitState.allCases {
                families.transitions.remove(labels: circuit + [state.description, to.description])
            }
        }
        for kind in ["success", "failure", "slow"] {
            families.windowCalls.remove(labels: circuit + [kind])
        }
        for family in [
            families.failureRate, families.slowCallRate, families.failureRateThreshold, families.slowCallRateThreshold,
            families.consecutiveFailures, families.stateChangeTimestamp, families.minimumCalls,
        ] {
            family.remove(labels: circuit)
        }
    }
}
