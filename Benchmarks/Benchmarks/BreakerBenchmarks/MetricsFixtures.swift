// What the metrics benchmarks share: the series both libraries update, and a fleet of 1,000
// breakers whose metrics are held alike by a Breakwater collector and a swift-prometheus registry,
// so that rendering one and emitting the other write the same series.
import Breakwater
import BreakwaterMetrics
import BreakwaterSwiftMetrics
import Prometheus

/// The label values of the series the single-series benchmarks update, in both libraries.
enum HeldSeries {
    static let circuit = "dependency-0001"
    static let outcome = "success"

    /// Latencies in seconds across the buckets of ``HistogramBuckets/latency``, observed in turn:
    /// an observation costs more the more buckets it passes, so both libraries see every bucket.
    static let latencies: [Double] = [
        0.0004, 0.0012, 0.003, 0.007, 0.012, 0.03, 0.06, 0.15, 0.3, 0.8, 2, 4, 8, 12, 0.002, 0.02,
    ]

    /// The calls counter of the breaker metrics contract, one series held.
    static func breakwaterCounter() throws -> CounterSeries {
        let family = try MetricsCollector(processMetrics: false).counter(
            name: BreakerContract.calls.name, help: BreakerContract.calls.help, labelNames: ["circuit", "outcome"])
        return try family.labels(circuit, outcome)
    }

    static func prometheusCounter() -> Prometheus.Counter {
        PrometheusCollectorRegistry().makeCounter(
            descriptor: BreakerContract.calls.descriptor, labels: [("circuit", circuit), ("outcome", outcome)])
    }

    /// The call duration histogram of the contract, one series held.
    static func breakwaterHistogram() throws -> HistogramSeries {
        let family = try MetricsCollector(processMetrics: false).histogram(
            name: BreakerContract.callDuration.name, help: BreakerContract.callDuration.help,
            labelNames: ["circuit", "outcome"], buckets: HistogramBuckets.latency)
        return try family.labels(circuit, outcome)
    }

    static func prometheusHistogram() -> ValueHistogram {
        PrometheusCollectorRegistry().makeValueHistogram(
            descriptor: BreakerContract.callDuration.descriptor, labels: [("circuit", circuit), ("outcome", outcome)],
            buckets: HistogramBuckets.latency)
    }
}

extension Breakers {
    /// A closed breaker of a registry with the default configuration, whose metrics a collector
    /// records, with `exemplars` if given: the breaker metrics binding is its only observer.
    static func withMetrics(_ name: String, exemplars: ExemplarSource? = nil) throws -> CircuitBreaker {
        let registry = try CircuitBreakerRegistry(logger: quietLogger)
        // The breaker's observer list keeps the binding's series, and with them the collector, alive.
        try MetricsCollector(processMetrics: false).recordMetrics(of: registry, exemplars: exemplars)
        return try registry.breaker(named: name)
    }

    /// A closed breaker of a registry with the default configuration, whose metrics go through
    /// swift-metrics to swift-prometheus: the swift-metrics binding is its only observer.
    static func withSwiftMetrics(_ name: String) throws -> CircuitBreaker {
        let registry = try CircuitBreakerRegistry(logger: quietLogger)
        _ = try registry.recordMetrics(through: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
        return try registry.breaker(named: name)
    }

    /// A registry of `count` breakers, their metrics bound in a collector.
    static func withMetrics(boundBeside count: Int) throws -> CircuitBreakerRegistry {
        let registry = try CircuitBreakerRegistry(logger: quietLogger)
        try MetricsCollector(processMetrics: false).recordMetrics(of: registry)
        for index in 0..<count {
            _ = try registry.breaker(named: "bound-\(index)")
        }
        return registry
    }
}

/// The names and help texts of the breaker metrics contract (`BreakerMetricFamilies.swift`), for
/// the swift-prometheus side to write the same `# HELP` lines. Counter names keep their `_total`:
/// swift-prometheus writes a name as it is given.
enum BreakerContract {
    struct Family {
        let name: String
        let help: String

        var descriptor: MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        }
    }

    static let state = Family(name: "circuit_breaker_state", help: "1 for the state the circuit is in, 0 for the others.")
    static let transitions = Family(
        name: "circuit_breaker_transitions_total", help: "State transitions, by the state left and the state entered.")
    static let calls = Family(
        name: "circuit_breaker_calls_total",
        help: "Calls through the breaker, by outcome: success, failure, timeout, ignored or rejected.")
    static let callDuration = Family(
        name: "circuit_breaker_call_duration_seconds", help: "How long calls took, by outcome: success, failure or timeout.")
    static let slowCalls = Family(
        name: "circuit_breaker_slow_calls_total",
        help: "Calls slower than the slow-call duration threshold, by outcome: success or failure.")
    static let failureRate = Family(
        name: "circuit_breaker_failure_rate",
        help: "Failed calls over calls in the sliding window, from 0 to 1; NaN until the window holds the minimum number of calls.")
    static let slowCallRate = Family(
        name: "circuit_breaker_slow_call_rate",
        help: "Slow calls over calls in the sliding window, from 0 to 1; NaN until the window holds the minimum number of calls.")
    static let failureRateThreshold = Family(
        name: "circuit_breaker_failure_rate_threshold", help: "The failure rate at which the circuit opens, for circuits that have one.")
    static let slowCallRateThreshold = Family(
        name: "circuit_breaker_slow_call_rate_threshold",
        help: "The slow-call rate at which the circuit opens, for circuits that have one.")
    static let consecutiveFailures = Family(
        name: "circuit_breaker_consecutive_failures", help: "The current run of failed calls; a success ends it.")
    static let windowCalls = Family(
        name: "circuit_breaker_window_calls", help: "Calls in the sliding window, by kind: success, failure or slow.")
    static let stateChangeTimestamp = Family(
        name: "circuit_breaker_state_change_timestamp_seconds",
        help: "Unix time of the circuit's last state transition, or of its creation.")
    static let fallbacks = Family(
        name: "circuit_breaker_fallbacks_total", help: "Calls handed to their fallback, by reason: rejected, failed or timed_out.")
    static let minimumCalls = Family(
        name: "circuit_breaker_minimum_calls",
        help: "Calls the sliding window must hold before the failure and slow-call rates are computed.")
    static let windowSize = Family(
        name: "circuit_breaker_window_size",
        help: "The size of the sliding window, in its unit: calls for a count-based window, seconds for a time-based one.")
}

/// One breaker's series in a swift-prometheus registry, kept as `BreakerSeries` keeps them in a
/// Breakwater collector: the same series created up front, the same updates on every call, and a
/// transition's series created when it happens. Labels are given in name order, the order
/// Breakwater writes them in.
final class PrometheusBreakerSeries: CircuitBreakerObserver {
    private let registry: PrometheusCollectorRegistry
    private let slowCallDurationThreshold: Duration
    /// Indexed by ``CallOutcome/rawValue``.
    private let calls: [Prometheus.Counter]
    /// Success, failure and timeout, in that order.
    private let durations: [ValueHistogram]
    private let slowSuccesses: Prometheus.Counter
    private let slowFailures: Prometheus.Counter
    /// Indexed by ``CircuitState/rawValue``.
    private let states: [Prometheus.Gauge]
    private let failureRate: Prometheus.Gauge
    private let slowCallRate: Prometheus.Gauge
    private let consecutiveFailures: Prometheus.Gauge
    private let windowSuccesses: Prometheus.Gauge
    private let windowFailures: Prometheus.Gauge
    private let windowSlowCalls: Prometheus.Gauge
    private let stateChangeTimestamp: Prometheus.Gauge
    /// Indexed by ``FallbackReason/Kind/rawValue``.
    private let fallbacks: [Prometheus.Counter]

    init(_ breaker: CircuitBreaker, in registry: PrometheusCollectorRegistry) {
        self.registry = registry
        slowCallDurationThreshold = breaker.configuration.slowCallDurationThreshold
        let circuit = ("circuit", breaker.name)
        func counter(_ family: BreakerContract.Family, _ labels: (String, String)...) -> Prometheus.Counter {
            registry.makeCounter(descriptor: family.descriptor, labels: [circuit] + labels)
        }
        func gauge(_ family: BreakerContract.Family, _ labels: (String, String)...) -> Prometheus.Gauge {
            registry.makeGauge(descriptor: family.descriptor, labels: [circuit] + labels)
        }
        calls = CallOutcome.allCases.map { counter(BreakerContract.calls, ("outcome", $0.description)) }
        durations = [CallOutcome.success, .failure, .timeout].map { outcome in
            registry.makeValueHistogram(
                descriptor: BreakerContract.callDuration.descriptor, labels: [circuit, ("outcome", outcome.description)],
                buckets: HistogramBuckets.latency)
        }
        slowSuccesses = counter(BreakerContract.slowCalls, ("outcome", "success"))
        slowFailures = counter(BreakerContract.slowCalls, ("outcome", "failure"))
        states = CircuitState.allCases.map { gauge(BreakerContract.state, ("state", $0.description)) }
        failureRate = gauge(BreakerContract.failureRate)
        slowCallRate = gauge(BreakerContract.slowCallRate)
        consecutiveFailures = gauge(BreakerContract.consecutiveFailures)
        windowSuccesses = gauge(BreakerContract.windowCalls, ("kind", "success"))
        windowFailures = gauge(BreakerContract.windowCalls, ("kind", "failure"))
        windowSlowCalls = gauge(BreakerContract.windowCalls, ("kind", "slow"))
        stateChangeTimestamp = gauge(BreakerContract.stateChangeTimestamp)
        fallbacks = FallbackReason.Kind.allCases.map { counter(BreakerContract.fallbacks, ("reason", $0.description)) }
        let configuration = breaker.configuration
        gauge(BreakerContract.minimumCalls).set(Double(configuration.effectiveMinimumNumberOfCalls))
        switch configuration.slidingWindow {
        case .countBased(let size):
            gauge(BreakerContract.windowSize, ("unit", "calls")).set(Double(size))
        case .timeBased(let duration, _):
            let (seconds, attoseconds) = duration.components
            gauge(BreakerContract.windowSize, ("unit", "seconds")).set(Double(seconds) + Double(attoseconds) / 1e18)
        }
        // As in Breakwater, the transitions of the automatic cycle exist from the start, at 0.
        for (from, to) in [(CircuitState.closed, CircuitState.open), (.open, .halfOpen), (.halfOpen, .closed), (.halfOpen, .open)] {
            _ = registry.makeCounter(
                descriptor: BreakerContract.transitions.descriptor,
                labels: [circuit, ("from", from.description), ("to", to.description)]
            )
        }
        if let threshold = breaker.configuration.failureRateThreshold {
            gauge(BreakerContract.failureRateThreshold).set(threshold)
        }
        if let threshold = breaker.configuration.slowCallRateThreshold {
            gauge(BreakerContract.slowCallRateThreshold).set(threshold)
        }
        update(from: breaker.snapshot())
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        calls[Int(outcome.rawValue)].increment()
        switch outcome {
        case .success, .failure, .timeout:
            let (seconds, attoseconds) = duration.components
            durations[Int(outcome.rawValue)].record(Double(seconds) + Double(attoseconds) / 1e18)
            if duration > slowCallDurationThreshold {
                (outcome == .success ? slowSuccesses : slowFailures).increment()
            }
        case .ignored, .rejected:
            break
        }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didFallBack reason: FallbackReason.Kind) {
        fallbacks[Int(reason.rawValue)].increment()
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        registry.makeCounter(
            descriptor: BreakerContract.transitions.descriptor,
            labels: [("circuit", breaker.name), ("from", transition.from.description), ("to", transition.to.description)]
        ).increment()
    }

    /// Sets the gauges as a Breakwater scrape sets them: swift-prometheus has no hook that runs
    /// before an emit, so an application would do this itself.
    func update(from snapshot: CircuitBreakerSnapshot) {
        for state in CircuitState.allCases {
            states[Int(state.rawValue)].set(to: state == snapshot.state ? 1.0 : 0.0)
        }
        failureRate.set(to: snapshot.failureRate ?? .nan)
        slowCallRate.set(to: snapshot.slowCallRate ?? .nan)
        consecutiveFailures.set(to: Double(snapshot.consecutiveFailures))
        windowSuccesses.set(to: Double(snapshot.window.successes))
        windowFailures.set(to: Double(snapshot.window.failures))
        windowSlowCalls.set(to: Double(snapshot.window.slowCalls))
        stateChangeTimestamp.set(to: snapshot.stateChangedAt)
    }
}

/// 1,000 breakers named `dependency-0001` to `dependency-1000` that have each made a few calls,
/// recorded both by a Breakwater collector (`recordMetrics(of:)`) and by a swift-prometheus
/// registry holding the same series.
///
/// The configuration has every policy, so that all fifteen families of the contract have series,
/// thresholds included. Each breaker has made 4 to 10 successes at latencies spread over the
/// buckets, some have failures, timeouts and ignored calls, some slow calls, and every fiftieth
/// had an outage that opened its circuit, which then rejected calls: 75 samples a breaker.
final class BreakerFleet {
    static let size = 1_000

    static let configuration = CircuitBreakerConfiguration(
        consecutiveFailureThreshold: 5,
        failureRateThreshold: 0.5,
        slowCallRateThreshold: 0.8,
        slowCallDurationThreshold: .seconds(1)
    )

    /// What the calls took, taken in turn; the last two are slow calls.
    private static let latencies: [Duration] = [
        .microseconds(400), .milliseconds(2), .milliseconds(4), .milliseconds(8), .milliseconds(20), .milliseconds(40),
        .milliseconds(90), .milliseconds(200), .milliseconds(400), .milliseconds(900), .milliseconds(1_800),
        .milliseconds(3_500),
    ]

    let registry: CircuitBreakerRegistry
    let collector: MetricsCollector
    let prometheus: PrometheusCollectorRegistry
    private(set) var mirrors: [(breaker: CircuitBreaker, series: PrometheusBreakerSeries)] = []

    init() throws {
        registry = try CircuitBreakerRegistry(defaultConfiguration: Self.configuration, logger: Breakers.quietLogger)
        collector = MetricsCollector(processMetrics: false)
        try collector.recordMetrics(of: registry)
        prometheus = PrometheusCollectorRegistry()
        for index in 1...Self.size {
            let breaker = try registry.breaker(named: Self.name(index))
            let series = PrometheusBreakerSeries(breaker, in: prometheus)
            breaker.addObserver(series)
            mirrors.append((breaker, series))
            Self.makeCalls(through: breaker, index: index)
        }
        updatePrometheusGauges()
        try checkSameSeries()
    }

    /// `dependency-0001` for 1.
    static func name(_ index: Int) -> String {
        let digits = String(index)
        return "dependency-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Reads every breaker's snapshot into its swift-prometheus gauges.
    func updatePrometheusGauges() {
        for (breaker, series) in mirrors {
            series.update(from: breaker.snapshot())
        }
    }

    private static func makeCalls(through breaker: CircuitBreaker, index: Int) {
        for call in 0..<(4 + index % 7) {
            record(.success, through: breaker, taking: latencies[(index + call) % latencies.count])
        }
        for call in 0..<(index % 3) {
            record(.failure, through: breaker, taking: latencies[(index * 5 + call) % latencies.count])
        }
        if index % 10 == 0 {
            record(.timeout, through: breaker, taking: .seconds(5))
        }
        if index % 7 == 0 {
            record(.ignored, through: breaker, taking: .milliseconds(3))
        }
        if index % 50 == 0 {
            // An outage: the circuit opens, and turns the rest of the calls away.
            for _ in 0..<5 {
                record(.failure, through: breaker, taking: .milliseconds(30))
            }
            _ = try? breaker.acquirePermission()
        }
    }

    private static func record(_ completion: CallCompletion, through breaker: CircuitBreaker, taking duration: Duration) {
        // A call the circuit turns away is recorded as rejected by the breaker itself.
        guard let permission = try? breaker.acquirePermission() else { return }
        breaker.record(completion, for: permission, duration: duration)
    }

    /// Throws unless the two expositions have the same `# HELP` and `# TYPE` lines and the same
    /// samples with the same values. Numbers are compared as numbers: the libraries spell them
    /// differently (`1` and `1.0`, `NaN` and `nan`), and so write a few more or fewer bytes.
    private func checkSameSeries() throws {
        var breakwater: [UInt8] = []
        collector.render(.prometheusText, into: &breakwater)
        var swiftPrometheus: [UInt8] = []
        prometheus.emit(into: &swiftPrometheus)
        let expected = Self.parse(breakwater)
        let actual = Self.parse(swiftPrometheus)
        if expected.comments != actual.comments {
            let difference = expected.comments.symmetricDifference(actual.comments).sorted().prefix(4)
            throw SetupFailure(description: "the expositions' HELP and TYPE lines differ: \(Array(difference))")
        }
        if expected.samples.count != actual.samples.count {
            throw SetupFailure(
                description: "Breakwater renders \(expected.samples.count) samples, swift-prometheus \(actual.samples.count)")
        }
        for (key, value) in expected.samples {
            guard let other = actual.samples[key] else {
                throw SetupFailure(description: "swift-prometheus has no sample \(key)")
            }
            guard value == other || (value.isNaN && other.isNaN) else {
                throw SetupFailure(description: "\(key) is \(value) in Breakwater, \(other) in swift-prometheus")
            }
        }
    }

    /// The comment lines, and each sample's value by its name and labels, with an `le` label's
    /// value written as Swift writes the number.
    private static func parse(_ exposition: [UInt8]) -> (comments: Set<String>, samples: [String: Double]) {
        var comments: Set<String> = []
        var samples: [String: Double] = [:]
        for line in String(decoding: exposition, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("#") {
                comments.insert(String(line))
                continue
            }
            guard let space = line.lastIndex(of: " ") else { continue }
            var key = String(line[..<space])
            if let bound = key.firstRange(of: "le=\""), let end = key[bound.upperBound...].firstIndex(of: "\"") {
                let value = Double(key[bound.upperBound..<end]) ?? .nan
                key.replaceSubrange(bound.upperBound..<end, with: "\(value)")
            }
            samples[key] = Double(line[line.index(after: space)...]) ?? .nan
        }
        return (comments, samples)
    }
}

/// A scrape's buffer, kept from one iteration to the next as a server keeps it between scrapes.
final class ScrapeBuffer {
    var bytes: [UInt8] = []
}
