// The binding through swift-prometheus's PrometheusMetricsFactory exports what the collector
// binding exports: every series the dashboard and the alert rules can select, with the same name,
// labels and value. Each test makes its own PrometheusCollectorRegistry and passes the factory,
// or binds it as the task's MetricsSystem factory (swift-metrics' withMetricsFactory, what
// MetricsSystem.bootstrap does for a whole process): the global MetricsSystem is never bootstrapped.

import Breakwater
import BreakwaterMetrics
import BreakwaterSwiftMetrics
import BreakwaterTestSupport
import Metrics
import Prometheus
import Testing

@Suite("Export through swift-prometheus")
struct PrometheusExportTests {
    /// The contract's buckets, 1 ms to 10 s, as swift-prometheus takes them.
    static let contractBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    static func makeRegistry(clock: ManualClock) throws -> CircuitBreakerRegistry {
        try CircuitBreakerRegistry(
            overrides: [
                "payments": CircuitBreakerConfiguration(
                    failureRateThreshold: 0.5, slowCallRateThreshold: 0.8, slowCallDurationThreshold: .milliseconds(100),
                    slidingWindow: .countBased(size: 10), minimumNumberOfCalls: 4, openDuration: .fixed(.seconds(30)),
                    permittedCallsInHalfOpen: 1),
                "search": CircuitBreakerConfiguration(
                    failureRateThreshold: 0.5, slidingWindow: .timeBased(duration: .seconds(60))),
            ],
            clock: clock, logger: quietLogger)
    }

    /// Calls that reach every family: slow and ignored calls, an open by failure rate, rejections
    /// with and without a fallback, a probe that closes the circuit, a failed fallback, a manual
    /// transition and its way back, and a circuit below its minimum number of calls.
    static func drive(_ registry: CircuitBreakerRegistry, clock: ManualClock) throws {
        let payments = try registry.breaker(named: "payments")
        // Durations off the buckets' bounds, where a double and a Duration could round apart.
        try payments.succeed(on: clock)
        try payments.succeed(on: clock, taking: .milliseconds(200))
        _ = try? payments.run { () throws(CancellationError) in throw CancellationError() }
        payments.fail(on: clock)
        payments.fail(on: clock, taking: .milliseconds(40))
        _ = payments.run({ 1 }, fallback: { _ in 0 })
        _ = try? payments.run { 1 }
        clock.advance(by: .seconds(30))
        try payments.succeed(on: clock)
        _ = payments.run({ () throws -> Int in
            clock.advance(by: .milliseconds(7))
            throw DependencyError()
        }, fallback: { _ in 0 })

        let inventory = try registry.breaker(named: "inventory")
        inventory.forceOpen()
        _ = try? inventory.run { 1 }
        inventory.reset()

        let search = try registry.breaker(named: "search")
        try search.succeed(on: clock)
        try search.succeed(on: clock, taking: .milliseconds(600))
    }

    static func collectorExposition(durationsByOutcome: Bool) throws -> String {
        let clock = ManualClock()
        let registry = try makeRegistry(clock: clock)
        let collector = MetricsCollector(processMetrics: false)
        try collector.recordMetrics(
            of: registry, constantLabels: ["service": "checkout"],
            options: BreakerMetricsOptions(durationsByOutcome: durationsByOutcome))
        try drive(registry, clock: clock)
        return collector.render(.prometheusText)
    }

    static func prometheusFactory() -> (PrometheusCollectorRegistry, PrometheusMetricsFactory) {
        let prometheus = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: prometheus)
        factory.durationHistogramBuckets["circuit_breaker_call_duration_seconds"] = contractBuckets
        return (prometheus, factory)
    }

    /// The scenario's exposition through swift-prometheus, and the registry, to change it further.
    static func swiftPrometheusExposition(
        durationsByOutcome: Bool = true
    ) throws -> (text: String, registry: CircuitBreakerRegistry, prometheus: PrometheusCollectorRegistry) {
        let clock = ManualClock()
        let registry = try makeRegistry(clock: clock)
        let (prometheus, factory) = prometheusFactory()
        let binding = try SwiftMetricsBreakerBinding(
            factory: factory, dimensions: ["service": "checkout"],
            options: .init(durationsByOutcome: durationsByOutcome), clock: clock)
        registry.addObserver(binding)
        try drive(registry, clock: clock)
        binding.refresh()
        return (prometheus.emitToString(), registry, prometheus)
    }

    @Test("bound through the MetricsSystem the application bootstrapped, the contract reaches swift-prometheus")
    func throughTheBootstrappedMetricsSystem() throws {
        let expected = Set(parseExposition(try Self.collectorExposition(durationsByOutcome: true)).map(\.series))
        let clock = ManualClock()
        let registry = try Self.makeRegistry(clock: clock)
        let (prometheus, factory) = Self.prometheusFactory()
        // What `MetricsSystem.bootstrap(factory)` does for a process, for this test's task only:
        // the binding takes its default, `MetricsSystem.factory`.
        try withMetricsFactory(factory) {
            let binding = try registry.recordMetrics(dimensions: ["service": "checkout"])
            try Self.drive(registry, clock: clock)
            binding.refresh()
        }
        let exported = Set(parseExposition(prometheus.emitToString()).map(\.series))
        #expect(exported.subtracting(expected).sorted() == [])
        #expect(expected.subtracting(exported).sorted() == [])
    }

    @Test(
        "every series of the collector binding is exported through swift-prometheus with the same name, labels and value",
        arguments: [true, false])
    func sameSeriesAsTheCollector(durationsByOutcome: Bool) throws {
        let expected = parseExposition(try Self.collectorExposition(durationsByOutcome: durationsByOutcome))
        let exported = parseExposition(try Self.swiftPrometheusExposition(durationsByOutcome: durationsByOutcome).text)

        let expectedSeries = Dictionary(expected.map { ($0.series, $0) }, uniquingKeysWith: { first, _ in first })
        let exportedSeries = Dictionary(exported.map { ($0.series, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(exported.count == exportedSeries.count, "a series is exported twice")
        #expect(Set(exportedSeries.keys).subtracting(expectedSeries.keys).sorted() == [])
        #expect(Set(expectedSeries.keys).subtracting(exportedSeries.keys).sorted() == [])
        // 79 series of payments (both thresholds), 77 of inventory, 78 of search (one threshold),
        // less 32 per breaker without the split by outcome; plus the manual transitions of inventory.
        #expect(expected.count == (durationsByOutcome ? 79 + 77 + 78 + 2 : 47 + 45 + 46 + 2))
        for (series, sample) in expectedSeries {
            guard let exportedSample = exportedSeries[series] else { continue }
            #expect(exportedSample.hasValue(sample.value), "\(series): \(exportedSample.value), not \(sample.value)")
        }
        let families = Set(exported.map(\.name))
        for family in [
            "circuit_breaker_state", "circuit_breaker_transitions_total", "circuit_breaker_calls_total",
            "circuit_breaker_call_duration_seconds_bucket", "circuit_breaker_call_duration_seconds_sum",
            "circuit_breaker_call_duration_seconds_count", "circuit_breaker_slow_calls_total",
            "circuit_breaker_failure_rate", "circuit_breaker_slow_call_rate", "circuit_breaker_failure_rate_threshold",
            "circuit_breaker_slow_call_rate_threshold", "circuit_breaker_consecutive_failures",
            "circuit_breaker_window_calls", "circuit_breaker_state_change_timestamp_seconds",
            "circuit_breaker_fallbacks_total", "circuit_breaker_minimum_calls", "circuit_breaker_window_size",
        ] {
            #expect(families.contains(family), "\(family) is missing")
        }
    }

    @Test("the scenario opened, rejected, probed and closed payments, and fell back for every reason it met")
    func theScenarioReachesEveryState() throws {
        let samples = parseExposition(try Self.swiftPrometheusExposition().text)
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels.merging(["service": "checkout"]) { $1 } }?.value
        }
        let payments = ["circuit": "payments"]
        #expect(value("circuit_breaker_transitions_total", payments.merging(["from": "closed", "to": "open"]) { $1 }) == 1)
        #expect(value("circuit_breaker_transitions_total", payments.merging(["from": "open", "to": "half_open"]) { $1 }) == 1)
        #expect(value("circuit_breaker_transitions_total", payments.merging(["from": "half_open", "to": "closed"]) { $1 }) == 1)
        #expect(value("circuit_breaker_transitions_total", payments.merging(["from": "half_open", "to": "open"]) { $1 }) == 0)
        #expect(value("circuit_breaker_calls_total", payments.merging(["outcome": "rejected"]) { $1 }) == 2)
        #expect(value("circuit_breaker_calls_total", payments.merging(["outcome": "ignored"]) { $1 }) == 1)
        #expect(value("circuit_breaker_slow_calls_total", payments.merging(["outcome": "success"]) { $1 }) == 1)
        #expect(value("circuit_breaker_fallbacks_total", payments.merging(["reason": "rejected"]) { $1 }) == 1)
        #expect(value("circuit_breaker_fallbacks_total", payments.merging(["reason": "failed"]) { $1 }) == 1)
        #expect(value("circuit_breaker_fallbacks_total", payments.merging(["reason": "timed_out"]) { $1 }) == 0)
        #expect(value("circuit_breaker_state", payments.merging(["state": "closed"]) { $1 }) == 1)
        let inventory = ["circuit": "inventory"]
        #expect(value("circuit_breaker_transitions_total", inventory.merging(["from": "closed", "to": "forced_open"]) { $1 }) == 1)
        #expect(value("circuit_breaker_transitions_total", inventory.merging(["from": "forced_open", "to": "closed"]) { $1 }) == 1)
        #expect(value("circuit_breaker_window_size", ["circuit": "search", "unit": "seconds"]) == 60)
        #expect(value("circuit_breaker_slow_call_rate_threshold", ["circuit": "search"]) == nil)
    }

    @Test("a rate before the minimum number of calls is exported as NaN, which Prometheus reads")
    func nanBeforeTheMinimumNumberOfCalls() throws {
        let text = try Self.swiftPrometheusExposition().text
        // swift-prometheus writes Swift's `nan`; Prometheus's parser (Go's ParseFloat) reads it.
        #expect(text.contains("circuit_breaker_failure_rate{service=\"checkout\",circuit=\"search\"} nan\n"))
        let rate = parseExposition(text).first { $0.name == "circuit_breaker_failure_rate" && $0.labels["circuit"] == "search" }
        #expect(rate?.value.isNaN == true)
    }

    @Test("promtool parses the output and finds nothing to lint but the HELP text swift-metrics cannot carry")
    func promtoolAcceptsTheOutput() async throws {
        let text = try Self.swiftPrometheusExposition().text
        let (exitCode, output) = try await promtoolCheckMetrics(text)
        // 0: no complaint; 3: it parsed and the linter complained; 1: it did not parse.
        #expect(exitCode == 0 || exitCode == 3, "\(output)\n\(expositionExcerpt(text))")
        let complaints = output.split(separator: "\n").filter { !$0.hasSuffix(" no help text") }
        #expect(complaints == [], "\(output)")
    }

    @Test("removing a breaker from the registry removes every series of its circuit from the output")
    func removalLeavesNoSeries() throws {
        let (_, registry, prometheus) = try Self.swiftPrometheusExposition()
        registry.remove(named: "payments")
        let samples = parseExposition(prometheus.emitToString())
        #expect(samples.filter { $0.labels["circuit"] == "payments" }.map(\.series) == [])
        #expect(samples.contains { $0.labels["circuit"] == "inventory" })
        // A breaker of the same name made again starts from zero.
        _ = try registry.breaker(named: "payments")
        let again = parseExposition(prometheus.emitToString()).filter {
            $0.name == "circuit_breaker_calls_total" && $0.labels["circuit"] == "payments"
        }
        #expect(again.count == 5)
        #expect(again.allSatisfy { $0.value == 0 })
    }

    @Test("durations use the buckets the factory gives the contract's name, in seconds")
    func durationBuckets() throws {
        let samples = parseExposition(try Self.swiftPrometheusExposition().text)
        let bounds = samples
            .filter { $0.name == "circuit_breaker_call_duration_seconds_bucket" && $0.labels["circuit"] == "search" && $0.labels["outcome"] == "success" }
            .compactMap { $0.labels["le"].flatMap(Double.init) }
        #expect(bounds == BreakerMetricsOptions().durationBuckets + [.infinity])
        let sum = samples.first {
            $0.name == "circuit_breaker_call_duration_seconds_sum" && $0.labels["circuit"] == "search" && $0.labels["outcome"] == "success"
        }
        #expect(sum.map { abs($0.value - 0.603) < 1e-9 } == true)
    }
}
