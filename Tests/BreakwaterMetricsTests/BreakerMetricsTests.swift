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
        for label in ["reason", "unit"] {
            #expect(throws: MetricsRegistrationError.self) {
                try BreakerMetrics(collector: MetricsCollector(processMetrics: false), constantLabels: [label: "x"])
            }
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

    @Test("fallbacks are counted by reason, each from 0 as soon as the breaker is bound")
    func fallbacks() async throws {
        try collector.recordMetrics(of: registry)
        let payments = try registry.breaker(named: "payments")
        for reason in ["rejected", "failed", "timed_out"] {
            #expect(lines.contains(#"circuit_breaker_fallbacks_total{circuit="payments",reason="\#(reason)"} 0"#))
        }
        #expect(payments.run({ "live" }, fallback: { _ in "cached" }) == "live")
        for _ in 0..<2 {
            #expect(payments.run({ () throws(Failure) in throw Failure() }, fallback: { _ in "cached" }) == "cached")
        }
        #expect(payments.state == .open)
        #expect(await payments.run({ () async in "live" }, fallback: { _ in "cached" }) == "cached")
        let lines = lines
        #expect(lines.contains(#"circuit_breaker_fallbacks_total{circuit="payments",reason="failed"} 2"#))
        #expect(lines.contains(#"circuit_breaker_fallbacks_total{circuit="payments",reason="rejected"} 1"#))
        #expect(lines.contains(#"circuit_breaker_fallbacks_total{circuit="payments",reason="timed_out"} 0"#))
    }

    @Test("fallbacks from many threads at once are each counted once")
    func concurrentFallbacks() async throws {
        let metrics = try BreakerMetrics(collector: collector)
        let breaker = try CircuitBreaker(
            name: "busy", configuration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 1_000), clock: clock)
        metrics.add(breaker)
        await withTaskGroup { group in
            for _ in 0..<4 {
                group.addTask {
                    for index in 0..<1_000 {
                        _ = breaker.run({ () throws(Failure) -> Int in if index % 4 == 0 { throw Failure() } else { return 1 } }, fallback: { _ in 0 })
                    }
                }
            }
        }
        let lines = lines
        #expect(lines.contains(#"circuit_breaker_fallbacks_total{circuit="busy",reason="failed"} 1000"#))
        #expect(lines.contains(#"circuit_breaker_calls_total{circuit="busy",outcome="failure"} 1000"#))
        #expect(lines.contains(#"circuit_breaker_calls_total{circuit="busy",outcome="success"} 3000"#))
        #expect(lines.contains(#"circuit_breaker_fallbacks_total{circuit="busy",reason="rejected"} 0"#))
    }

    @Test("a timed call that falls back at its timeout is counted as timed_out")
    func timedOutFallback() async throws {
        let metrics = try BreakerMetrics(collector: collector)
        let breaker = try CircuitBreaker(name: "alone")
        metrics.add(breaker)
        let answer = await breaker.run(
            timeout: .milliseconds(10), { try await Task.sleep(for: .seconds(10)); return "live" }, fallback: { _ in "cached" })
        #expect(answer == "cached")
        #expect(lines.contains(#"circuit_breaker_fallbacks_total{circuit="alone",reason="timed_out"} 1"#))
        #expect(lines.contains(#"circuit_breaker_calls_total{circuit="alone",outcome="timeout"} 1"#))
    }

    @Test("the minimum number of calls in force and the window size, in calls or seconds, are exported")
    func minimumCallsAndWindowSize() throws {
        let metrics = try BreakerMetrics(collector: collector)
        let configurations: [String: CircuitBreakerConfiguration] = [
            "counted": CircuitBreakerConfiguration(slidingWindow: .countBased(size: 50), minimumNumberOfCalls: 20),
            "small": CircuitBreakerConfiguration(slidingWindow: .countBased(size: 4), minimumNumberOfCalls: 10),
            "timed": CircuitBreakerConfiguration(slidingWindow: .timeBased(duration: .milliseconds(2500)), minimumNumberOfCalls: 5),
        ]
        let breakers = try configurations.map { try CircuitBreaker(name: $0.key, configuration: $0.value, clock: clock) }
        for breaker in breakers {
            metrics.add(breaker)
        }
        let lines = lines
        #expect(lines.contains(#"circuit_breaker_minimum_calls{circuit="counted"} 20"#))
        #expect(lines.contains(#"circuit_breaker_window_size{circuit="counted",unit="calls"} 50"#))
        #expect(lines.contains(#"circuit_breaker_minimum_calls{circuit="small"} 4"#), "a count-based window smaller than the minimum")
        #expect(lines.contains(#"circuit_breaker_window_size{circuit="small",unit="calls"} 4"#))
        #expect(lines.contains(#"circuit_breaker_minimum_calls{circuit="timed"} 5"#))
        #expect(lines.contains(#"circuit_breaker_window_size{circuit="timed",unit="seconds"} 2.5"#))
        #expect(lines.filter { $0.hasPrefix("circuit_breaker_window_size{") }.count == 3, "one unit per circuit")
        for breaker in breakers {
            metrics.remove(breaker)
        }
        #expect(!collector.render(.prometheusText).contains("circuit="))
    }

    /// The series of one bound breaker, with a configuration that has neither rate threshold.
    private func seriesOfOneBreaker(_ options: BreakerMetricsOptions) throws -> [String] {
        let metrics = try BreakerMetrics(collector: collector, options: options)
        let breaker = try CircuitBreaker(name: "alone", clock: clock)
        metrics.add(breaker)
        defer { metrics.remove(breaker) }
        return collector.render(.prometheusText).split(separator: "\n").map(String.init).filter {
            !$0.hasPrefix("#") && $0.contains(#"circuit="alone""#)
        }
    }

    @Test(
        "each duration choice exports an exact number of series per breaker",
        arguments: [
            (BreakerMetricsOptions(), 77),
            (BreakerMetricsOptions(durationsByOutcome: false), 45),
            (BreakerMetricsOptions(durationBuckets: [0.01, 0.05, 0.25, 1, 5]), 53),
            (BreakerMetricsOptions(durationBuckets: [0.01, 0.05, 0.25, 1, 5], durationsByOutcome: false), 37),
            (BreakerMetricsOptions(durationBuckets: []), 38),
            (BreakerMetricsOptions(durationBuckets: [], durationsByOutcome: false), 32),
        ])
    func seriesPerBreaker(options: BreakerMetricsOptions, expected: Int) throws {
        let series = try seriesOfOneBreaker(options)
        #expect(series.count == expected)
        let bounds = options.durationBuckets.count + 1
        let outcomes = options.durationsByOutcome ? 3 : 1
        #expect(series.filter { $0.hasPrefix("circuit_breaker_call_duration_seconds") }.count == outcomes * (bounds + 2))
        #expect(series.filter { !$0.hasPrefix("circuit_breaker_call_duration_seconds") }.count == 29)
    }

    @Test("each rate threshold adds its series")
    func thresholdsAddSeries() throws {
        let metrics = try BreakerMetrics(collector: collector)
        let breaker = try CircuitBreaker(
            name: "both", configuration: CircuitBreakerConfiguration(failureRateThreshold: 0.5, slowCallRateThreshold: 0.8), clock: clock)
        metrics.add(breaker)
        let series = lines.filter { !$0.hasPrefix("#") && $0.contains(#"circuit="both""#) }
        #expect(series.count == 79)
    }

    @Test("durations not split by outcome are one histogram per circuit, without the outcome label")
    func durationsTogether() throws {
        let metrics = try BreakerMetrics(collector: collector, options: BreakerMetricsOptions(durationsByOutcome: false))
        let breaker = try CircuitBreaker(name: "alone", clock: clock)
        metrics.add(breaker)
        call(breaker, taking: .milliseconds(5))
        call(breaker, taking: .milliseconds(20), failing: true)
        breaker.record(.timeout, for: try breaker.acquirePermission(), duration: .seconds(2))
        let lines = lines
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_count{circuit="alone"} 3"#))
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_sum{circuit="alone"} 2.025"#))
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_bucket{circuit="alone",le="0.005"} 1"#))
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_bucket{circuit="alone",le="0.025"} 2"#))
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_bucket{circuit="alone",le="+Inf"} 3"#))
        #expect(!lines.contains { $0.hasPrefix("circuit_breaker_call_duration_seconds") && $0.contains("outcome=") })
        #expect(lines.contains("# HELP circuit_breaker_call_duration_seconds How long calls took, successes, failures and timeouts together."))
        metrics.remove(breaker)
        #expect(!collector.render(.prometheusText).contains(#"circuit="alone""#))
    }

    @Test("with no buckets, durations are only +Inf, _count and _sum; a trailing +Inf is accepted")
    func noBuckets() throws {
        for buckets in [[], [Double.infinity]] {
            let collector = MetricsCollector(processMetrics: false)
            let metrics = try BreakerMetrics(collector: collector, options: BreakerMetricsOptions(durationBuckets: buckets))
            let breaker = try CircuitBreaker(name: "alone", clock: clock)
            metrics.add(breaker)
            call(breaker, taking: .milliseconds(250))
            let durations = collector.render(.prometheusText).split(separator: "\n").filter {
                $0.hasPrefix("circuit_breaker_call_duration_seconds") && $0.contains(#"outcome="success""#)
            }
            #expect(durations == [
                #"circuit_breaker_call_duration_seconds_bucket{circuit="alone",outcome="success",le="+Inf"} 1"#,
                #"circuit_breaker_call_duration_seconds_sum{circuit="alone",outcome="success"} 0.25"#,
                #"circuit_breaker_call_duration_seconds_count{circuit="alone",outcome="success"} 1"#,
            ])
        }
    }

    @Test("duration buckets that do not increase or are not finite are refused, and nothing is registered")
    func invalidBuckets() throws {
        for (buckets, complaint) in [([0.5, 0.1], "strictly increasing"), ([0.1, .nan], "not finite"), ([0.1, 0.1], "strictly increasing")] {
            let error = #expect(throws: MetricsRegistrationError.self) {
                try BreakerMetrics(collector: collector, options: BreakerMetricsOptions(durationBuckets: buckets))
            }
            #expect(error?.description.contains(complaint) == true, "\(buckets): \(error?.description ?? "")")
            #expect(error?.description.contains("circuit_breaker_call_duration_seconds") == true)
        }
        #expect(collector.render(.prometheusText).isEmpty)
    }

    @Test("two bindings of one collector share the duration choice: other options are refused with the difference")
    func bindingsMustAgree() throws {
        let first = try BreakerMetrics(collector: collector, options: BreakerMetricsOptions(durationBuckets: [0.1, 1]))
        _ = try BreakerMetrics(collector: collector, options: BreakerMetricsOptions(durationBuckets: [0.1, 1]))
        let otherBuckets = #expect(throws: MetricsRegistrationError.self) {
            try BreakerMetrics(collector: collector)
        }
        #expect(otherBuckets?.description.contains(#"is already registered with buckets [0.1, 1.0], not [0.001"#) == true)
        let unsplit = #expect(throws: MetricsRegistrationError.self) {
            try collector.recordMetrics(of: registry, options: BreakerMetricsOptions(durationBuckets: [0.1, 1], durationsByOutcome: false))
        }
        #expect(unsplit?.description.contains(#"already registered with labels ["circuit", "outcome"], not ["circuit"]"#) == true)
        let breaker = try CircuitBreaker(name: "alone", clock: clock)
        first.add(breaker)
        call(breaker, taking: .milliseconds(5))
        #expect(lines.contains(#"circuit_breaker_call_duration_seconds_bucket{circuit="alone",outcome="success",le="0.1"} 1"#))
    }
}
