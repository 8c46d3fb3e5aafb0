import Breakwater
import Logging
import Testing

@testable import BreakwaterMetrics

@Suite("Breaker metrics")
struct BreakerMetricsTests {
    struct Failure: Error {}

    let clock = ManualClock()
    let collector = MetricsCollector(processMetrics: false)
    let registry: CircuitBreakerRegistry

    init() throws {
        registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 2, failureRateThreshold: 0.5, slowCallDurationThreshold: .milliseconds(100),
                minimumNumberOfCalls: 4),
            clock: clock,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    private var lines: Set<String> {
        Set(collector.render(.prometheusText).split(separator: "\n").map(String.init))
    }

    private func call(_ breaker: CircuitBreaker, taking duration: Duration, failing: Bool = false) {
        _ = try? breaker.run { () throws(Failure) in
            clock.advance(by: duration)
            if failing { throw Failure() }
        }
    }

    @Test("every call outcome is counted and timed, with slow calls apart")
    func outcomes() throws {
        try collector.recordMetrics(of: registry)
        let payments = try registry.breaker(named: "payments")
        call(payments, taking: .milliseconds(5))
        call(payments, taking: .milliseconds(250))
        call(payments, taking: .milliseconds(5), failing: true)
        call(payments, taking: .milliseconds(5), failing: true)
        call(payments, taking: .milliseconds(5))
        let lines = lines
        #expect(lines.contains(#"circuit_breaker_calls_total{circuit="payments",outcome="success"} 2"#))
        #expect(lines.contains(#"circuit_breaker_calls_total{circuit="payments",outcome="failure"} 2"#))
        #expect(lines.contains(#"circuit_breaker_calls_total{circuit="payments",outcome="rejected"} 1"#))
        #expect(lines.contains(#"circuit_breaker_calls_total{circuit="payments",outcome="timeout"} 0"#))
        #expect(lines.contains(#"circuit_breaker_slow_calls_total{circuit="payments",outcome="success"} 1"#))
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_count{circuit="payments",outcome="success"} 2"#))
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_sum{circuit="payments",outcome="success"} 0.255"#))
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_bucket{circuit="payments",outcome="failure",le="0.005"} 2"#))
    }

    @Test("state, transitions and the time of the last one")
    func stateAndTransitions() throws {
        try collector.recordMetrics(of: registry)
        let payments = try registry.breaker(named: "payments")
        clock.advance(by: .seconds(10))
        call(payments, taking: .zero, failing: true)
        call(payments, taking: .zero, failing: true)
        let lines = lines
        #expect(lines.contains(#"circuit_breaker_state{circuit="payments",state="open"} 1"#))
        for state in ["closed", "half_open", "forced_open", "disabled", "metrics_only"] {
            #expect(lines.contains(#"circuit_breaker_state{circuit="payments",state="\#(state)"} 0"#))
        }
        #expect(lines.contains(#"circuit_breaker_transitions_total{circuit="payments",from="closed",to="open"} 1"#))
        let timestamp = try #require(payments.snapshot().lastTransition?.unixTime)
        #expect(timestamp == 1_700_000_010)
        #expect(lines.contains(#"circuit_breaker_state_change_timestamp_seconds{circuit="payments"} 1.70000001e+09"#))
    }

    @Test("the automatic transitions exist at 0 from the start, so that Prometheus sees the first open as an increase")
    func automaticTransitionsStartAtZero() throws {
        try collector.recordMetrics(of: registry)
        let payments = try registry.breaker(named: "payments")
        let before = lines
        for (from, to) in [("closed", "open"), ("open", "half_open"), ("half_open", "closed"), ("half_open", "open")] {
            #expect(before.contains(#"circuit_breaker_transitions_total{circuit="payments",from="\#(from)",to="\#(to)"} 0"#))
        }
        #expect(!before.contains { $0.contains(#"to="forced_open""#) })
        payments.forceOpen(reason: "maintenance")
        #expect(lines.contains(#"circuit_breaker_transitions_total{circuit="payments",from="closed",to="forced_open"} 1"#))
    }

    @Test("rates are NaN until the window holds the minimum number of calls; thresholds are exported")
    func ratesAndThresholds() throws {
        try collector.recordMetrics(of: registry)
        let payments = try registry.breaker(named: "payments")
        call(payments, taking: .zero)
        call(payments, taking: .zero, failing: true)
        call(payments, taking: .zero)
        #expect(lines.contains(#"circuit_breaker_failure_rate{circuit="payments"} NaN"#))
        #expect(lines.contains(#"circuit_breaker_slow_call_rate{circuit="payments"} NaN"#))
        call(payments, taking: .zero)
        let lines = lines
        #expect(lines.contains(#"circuit_breaker_failure_rate{circuit="payments"} 0.25"#))
        #expect(lines.contains(#"circuit_breaker_slow_call_rate{circuit="payments"} 0"#))
        #expect(lines.contains(#"circuit_breaker_failure_rate_threshold{circuit="payments"} 0.5"#))
        #expect(!lines.contains { $0.hasPrefix("circuit_breaker_slow_call_rate_threshold") }, "no slow-call rate is configured")
        #expect(lines.contains(#"circuit_breaker_window_calls{circuit="payments",kind="success"} 3"#))
        #expect(lines.contains(#"circuit_breaker_window_calls{circuit="payments",kind="failure"} 1"#))
        #expect(lines.contains(#"circuit_breaker_window_calls{circuit="payments",kind="slow"} 0"#))
        #expect(lines.contains(#"circuit_breaker_consecutive_failures{circuit="payments"} 0"#))
    }

    @Test("breakers created later are recorded; removed ones take their series with them")
    func lifecycle() throws {
        _ = try registry.breaker(named: "early")
        try collector.recordMetrics(of: registry)
        let late = try registry.breaker(named: "late")
        call(late, taking: .zero, failing: true)
        call(late, taking: .zero, failing: true)
        #expect(lines.contains(#"circuit_breaker_state{circuit="early",state="closed"} 1"#))
        #expect(lines.contains(#"circuit_breaker_transitions_total{circuit="late",from="closed",to="open"} 1"#))
        registry.remove(named: "late")
        let text = collector.render(.prometheusText)
        #expect(!text.contains(#"circuit="late""#))
        #expect(text.contains(#"circuit="early""#))
    }

    @Test("constant labels go on every series")
    func constantLabels() throws {
        try collector.recordMetrics(of: registry, constantLabels: ["service": "checkout", "region": "eu"])
        _ = try registry.breaker(named: "payments")
        let series = collector.render(.prometheusText).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!series.isEmpty)
        #expect(series.allSatisfy { $0.contains(#"region="eu""#) && $0.contains(#"service="checkout""#) })
        #expect(series.contains(#"circuit_breaker_failure_rate{circuit="payments",region="eu",service="checkout"} NaN"#))
        #expect(throws: MetricsRegistrationError.self) {
            try BreakerMetrics(collector: MetricsCollector(processMetrics: false), constantLabels: ["circuit": "x"])
        }
        #expect(throws: MetricsRegistrationError.self) {
            try BreakerMetrics(collector: MetricsCollector(processMetrics: false), constantLabels: ["bad-name": "x"])
        }
    }

    @Test("a breaker outside any registry can be added and removed by hand")
    func standalone() throws {
        let metrics = try BreakerMetrics(collector: collector)
        let breaker = try CircuitBreaker(name: "alone", clock: clock)
        metrics.add(breaker)
        metrics.add(breaker)
        call(breaker, taking: .zero)
        #expect(lines.contains(#"circuit_breaker_calls_total{circuit="alone",outcome="success"} 1"#))
        metrics.remove(breaker)
        call(breaker, taking: .zero)
        #expect(!collector.render(.prometheusText).contains("alone"))
    }
}
