import BreakwaterTestSupport
import Breakwater
import CoreMetrics
import Logging
import Testing

@testable import BreakwaterMetrics

/// The exposition of a realistic service, checked by the tools that read it in production:
/// promtool, and client_python's text and strict OpenMetrics parsers.
@Suite("Real consumers")
struct RealConsumerTests {
    struct Failure: Error {}

    /// Circuit names that break naive escaping, each with the number of successes made through it.
    static let hostileNames: [String: Int] = [
        "quote \" inside": 1, "back\\slash": 2, "new\nline": 3, "zürich ✓ 🚦": 4, "trailing backslash \\": 5,
        "{braces}=,": 6, "tab\tand space": 7,
    ]

    let collector = MetricsCollector(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    let clock = ManualClock()
    let registry: CircuitBreakerRegistry

    /// Breakers in every state, hostile names, process metrics and swift-metrics metrics.
    init() throws {
        registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 2, failureRateThreshold: 0.5, slowCallRateThreshold: 0.9,
                slowCallDurationThreshold: .milliseconds(500), minimumNumberOfCalls: 2, openDuration: .fixed(.seconds(30))),
            clock: clock,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try collector.recordMetrics(of: registry, constantLabels: ["service": "checkout \"eu\""])
        for (name, successes) in Self.hostileNames {
            let breaker = try registry.breaker(named: name)
            for _ in 0..<successes {
                try breaker.run { clock.advance(by: .milliseconds(3)) }
            }
        }
        let open = try registry.breaker(named: "inventory")
        let halfOpen = try registry.breaker(named: "search")
        for breaker in [open, halfOpen] {
            for _ in 0..<2 {
                _ = try? breaker.run { () throws(Failure) in throw Failure() }
            }
        }
        clock.advance(by: .seconds(30))
        _ = try halfOpen.acquirePermission()
        try registry.breaker(named: "maintenance").forceOpen()
        try registry.breaker(named: "legacy").disable()
        try registry.breaker(named: "shadow").enableMetricsOnly()
        #expect(Set(registry.snapshots().map(\.state)) == Set(CircuitState.allCases))

        Counter(label: "http_requests", dimensions: [("route", "/checkout"), ("status", "200")], factory: collector)
            .increment(by: 12)
        Timer(label: "http_request_duration_seconds", dimensions: [("route", "/checkout")], factory: collector)
            .recordMilliseconds(42)
        Meter(label: "connections_open", factory: collector).set(3.0)
        let hostile = try collector.gauge(name: "hostile_values", help: "Help with \\ and\nnewline.", labelNames: ["kind"])
        for (kind, value) in [("nan", Double.nan), ("inf", .infinity), ("minus_inf", -.infinity), ("big", 1e300), ("tiny", .leastNonzeroMagnitude)] {
            try hostile.labels(kind).set(value)
        }
    }

    @Test("promtool parses and lints the text format without a word")
    func promtool() async throws {
        try await expectPromtoolAccepts(collector.render(.prometheusText))
    }

    @Test("client_python's text parser reads every hostile label value and count back exactly")
    func textParser() async throws {
        let families = try await parseWithPrometheusClient(collector.render(.prometheusText), format: .text004)
        for (name, successes) in Self.hostileNames {
            let labels = ["circuit": name, "outcome": "success", "service": "checkout \"eu\""]
            let sample = families.sample(named: "circuit_breaker_calls_total", labels: labels)
            #expect(sample?.hasValue(Double(successes)) == true, "calls of \(name.debugDescription)")
        }
        #expect(families.sample(named: "hostile_values", labels: ["kind": "nan"])?.doubleValue.isNaN == true)
        #expect(families.sample(named: "hostile_values", labels: ["kind": "tiny"])?.hasValue(.leastNonzeroMagnitude) == true)
        #expect(families.sample(named: "hostile_values", labels: ["kind": "big"])?.hasValue(1e300) == true)
        #expect(families.family(named: "hostile_values")?.documentation == "Help with \\ and\nnewline.")
        #expect(families.sample(named: "http_requests_total", labels: ["route": "/checkout", "status": "200"])?.hasValue(12) == true)
        #expect(families.sample(named: "process_open_fds")?.doubleValue ?? 0 > 0)
        let states = families.family(named: "circuit_breaker_state")?.samples.filter { $0.doubleValue == 1 }
        #expect(Set(states?.compactMap { $0.labels["state"] } ?? []) == Set(CircuitState.allCases.map(\.description)))
    }

    @Test("the strict OpenMetrics parser accepts the OpenMetrics exposition, with the same samples as the text format")
    func openMetricsParser() async throws {
        let openMetrics = try await parseWithPrometheusClient(collector.render(.openMetrics), format: .openMetrics)
        let text = try await parseWithPrometheusClient(collector.render(.prometheusText), format: .text004)
        let textSamples = text.flatMap(\.samples)
        let openMetricsSamples = openMetrics.flatMap(\.samples)
        #expect(openMetricsSamples.count == textSamples.count)
        // The two formats spell `le` differently (1 and 1.0): compare it as a number.
        func sameSeries(_ left: ParsedSample, _ right: ParsedSample) -> Bool {
            left.name == right.name && left.labels.filter { $0.key != "le" } == right.labels.filter { $0.key != "le" }
                && left.labels["le"].flatMap(Double.init) == right.labels["le"].flatMap(Double.init)
        }
        for sample in textSamples {
            let twin = openMetricsSamples.first { sameSeries($0, sample) }
            #expect(twin != nil, "\(sample.name) \(sample.labels)")
            // The process's CPU time and memory move between the two scrapes.
            if !sample.name.hasPrefix("process_") {
                #expect(twin?.hasValue(sample.doubleValue) == true, "\(sample.name) \(sample.labels)")
            }
        }
        #expect(openMetrics.family(named: "circuit_breaker_calls")?.type == "counter")
        #expect(openMetrics.family(named: "circuit_breaker_call_duration_seconds")?.type == "histogram")
    }
}
