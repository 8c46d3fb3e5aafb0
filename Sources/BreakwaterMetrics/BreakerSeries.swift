import Breakwater

/// The series of one breaker, looked up once: the breaker's observer updates them with atomic
/// adds, and a scrape sets the gauges it reads from the breaker's snapshot.
final class BreakerSeries: CircuitBreakerObserver {
    let breaker: CircuitBreaker
    private let families: BreakerMetricFamilies
    /// The constant label values, then the circuit's name.
    private let circuitLabels: [String]
    private let slowCallNanoseconds: Int64

    /// Indexed by ``CallOutcome/rawValue``.
    private let calls: [Counter]
    /// Success, failure and timeout, in that order.
    private let durations: [Histogram]
    private let slowSuccesses: Counter
    private let slowFailures: Counter
    /// Indexed by ``CircuitState/rawValue``.
    private let states: [Gauge]
    private let failureRate: Gauge
    private let slowCallRate: Gauge
    private let consecutiveFailures: Gauge
    private let windowSuccesses: Gauge
    private let windowFailures: Gauge
    private let windowSlowCalls: Gauge
    private let stateChangeTimestamp: Gauge

    init(_ breaker: CircuitBreaker, families: BreakerMetricFamilies, constantLabelValues: [String]) throws(MetricsRegistrationError) {
        self.breaker = breaker
        self.families = families
        let circuit = constantLabelValues + [breaker.name]
        circuitLabels = circuit
        let slowThreshold = breaker.configuration.slowCallDurationThreshold.components
        slowCallNanoseconds = slowThreshold.seconds &* 1_000_000_000 &+ slowThreshold.attoseconds / 1_000_000_000
        var calls: [Counter] = []
        for outcome in CallOutcome.allCases {
            calls.append(try families.calls.labels(circuit + [outcome.description]))
        }
        self.calls = calls
        var durations: [Histogram] = []
        for outcome in [CallOutcome.success, .failure, .timeout] {
            durations.append(try families.callDuration.labels(circuit + [outcome.description]))
        }
        self.durations = durations
        slowSuccesses = try families.slowCalls.labels(circuit + ["success"])
        slowFailures = try families.slowCalls.labels(circuit + ["failure"])
        var states: [Gauge] = []
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
        if let threshold = breaker.configuration.failureRateThreshold {
            try families.failureRateThreshold.labels(circuit).set(threshold)
        }
        if let threshold = breaker.configuration.slowCallRateThreshold {
            try families.slowCallRateThreshold.labels(circuit).set(threshold)
        }
        update()
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        calls[Int(outcome.rawValue)].increment()
        let slow: Bool
        switch outcome {
        case .success, .failure, .timeout:
            let (seconds, attoseconds) = duration.components
            durations[Int(outcome.rawValue)].observe(Double(seconds) + Double(attoseconds) / 1e18)
            slow = seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000 > slowCallNanoseconds
        case .ignored, .rejected:
            slow = false
        }
        if slow {
            (outcome == .success ? slowSuccesses : slowFailures).increment()
        }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        // A transition between two given states is rare: its series is found when it happens.
        try? families.transitions.labels(circuitLabels + [transition.from.description, transition.to.description]).increment()
    }

    /// Sets the gauges from the breaker's snapshot: run before every scrape.
    func update() {
        let snapshot = breaker.snapshot()
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
    }

    /// Removes every series of this breaker from the collector.
    func remove() {
        let circuit = circuitLabels
        for outcome in CallOutcome.allCases {
            families.calls.remove(labels: circuit + [outcome.description])
        }
        for outcome in [CallOutcome.success, .failure, .timeout] {
            families.callDuration.remove(labels: circuit + [outcome.description])
        }
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
            families.consecutiveFailures, families.stateChangeTimestamp,
        ] {
            family.remove(labels: circuit)
        }
    }
}
