// What the binding records, read back through swift-metrics' own test backend, MetricsTestKit's
// TestMetrics: exact counter values, gauge values, timer values, and metrics destroyed when a
// breaker goes.

import Breakwater
import BreakwaterSwiftMetrics
import MetricsTestKit
import Testing

@Suite("Recorded through MetricsTestKit")
struct TestKitTests {
    let clock = ManualClock()
    let metrics = TestMetrics()
    let registry: CircuitBreakerRegistry
    let binding: SwiftMetricsBreakerBinding

    init() throws {
        registry = try CircuitBreakerRegistry(
            defaultConfiguration: .oneProbe,
            overrides: [
                "rated": CircuitBreakerConfiguration(
                    failureRateThreshold: 0.5, slowCallRateThreshold: 0.75, slowCallDurationThreshold: .milliseconds(100),
                    slidingWindow: .timeBased(duration: .seconds(30)), minimumNumberOfCalls: 4),
            ],
            clock: clock, logger: quietLogger)
        binding = try SwiftMetricsBreakerBinding(factory: metrics, dimensions: ["service": "checkout"], clock: clock)
        registry.addObserver(binding)
    }

    func dimensions(_ circuit: String, _ more: (String, String)...) -> [(String, String)] {
        [("service", "checkout"), ("circuit", circuit)] + more
    }

    func calls(_ circuit: String, _ outcome: String) throws -> Int64 {
        try metrics.expectCounter("circuit_breaker_calls_total", dimensions(circuit, ("outcome", outcome))).totalValue
    }

    func state(_ circuit: String) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for state in CircuitState.allCases {
            values[state.description] = try metrics.expectMeter(
                "circuit_breaker_state", dimensions(circuit, ("state", state.description))).lastValue
        }
        return values
    }

    func transitions(_ circuit: String, _ from: CircuitState, _ to: CircuitState) throws -> Int64 {
        try metrics.expectCounter(
            "circuit_breaker_transitions_total", dimensions(circuit, ("from", from.description), ("to", to.description))
        ).totalValue
    }

    @Test("each call outcome increments its own counter by one")
    func exactCallCounts() throws {
        let breaker = try registry.breaker(named: "rated")
        for _ in 0..<3 { try breaker.succeed(on: clock) }
        breaker.fail(on: clock)
        _ = try? breaker.run { () throws(CancellationError) in throw CancellationError() }
        #expect(try calls("rated", "success") == 3)
        #expect(try calls("rated", "failure") == 1)
        #expect(try calls("rated", "ignored") == 1)
        #expect(try calls("rated", "timeout") == 0)
        #expect(try calls("rated", "rejected") == 0)
        breaker.forceOpen()
        _ = try? breaker.run { 1 }
        #expect(try calls("rated", "rejected") == 1)
    }

    @Test("the state gauge is 1 for the current state and 0 for the five others after every transition")
    func stateGaugeFollowsTransitions() throws {
        let breaker = try registry.breaker(named: "payments")
        let others = { (current: String) in
            Dictionary(uniqueKeysWithValues: CircuitState.allCases.map { ($0.description, $0.description == current ? 1.0 : 0.0) })
        }
        #expect(try state("payments") == others("closed"))
        breaker.fail(on: clock)
        #expect(try state("payments") == others("open"))
        clock.advance(by: .seconds(30))
        try breaker.run {
            #expect((try? state("payments")) == others("half_open"))
        }
        #expect(try state("payments") == others("closed"))
        breaker.disable()
        #expect(try state("payments") == others("disabled"))
        breaker.enableMetricsOnly()
        #expect(try state("payments") == others("metrics_only"))
        breaker.forceOpen()
        #expect(try state("payments") == others("forced_open"))
    }

    @Test("the automatic transitions exist at 0 when a breaker is bound; others appear when they happen")
    func transitionCounters() throws {
        let breaker = try registry.breaker(named: "payments")
        let automatic: [(CircuitState, CircuitState)] = [(.closed, .open), (.open, .halfOpen), (.halfOpen, .closed), (.halfOpen, .open)]
        for (from, to) in automatic {
            #expect(try transitions("payments", from, to) == 0)
        }
        #expect(metrics.counters(label: "circuit_breaker_transitions_total").count == 4)
        breaker.fail(on: clock)
        clock.advance(by: .seconds(30))
        breaker.fail(on: clock)
        clock.advance(by: .seconds(30))
        try breaker.succeed(on: clock)
        #expect(try transitions("payments", .closed, .open) == 1)
        #expect(try transitions("payments", .open, .halfOpen) == 2)
        #expect(try transitions("payments", .halfOpen, .open) == 1)
        #expect(try transitions("payments", .halfOpen, .closed) == 1)
        breaker.forceOpen()
        #expect(try transitions("payments", .closed, .forcedOpen) == 1)
        #expect(metrics.counters(label: "circuit_breaker_transitions_total").count == 5)
    }

    @Test("call durations go to a timer per outcome, in nanoseconds, and slow ones are counted")
    func timersByOutcome() throws {
        let breaker = try registry.breaker(named: "rated")
        try breaker.succeed(on: clock, taking: .milliseconds(20))
        try breaker.succeed(on: clock, taking: .milliseconds(150))
        breaker.fail(on: clock, taking: .milliseconds(250))
        let successes = try metrics.expectTimer("circuit_breaker_call_duration_seconds", dimensions("rated", ("outcome", "success")))
        let failures = try metrics.expectTimer("circuit_breaker_call_duration_seconds", dimensions("rated", ("outcome", "failure")))
        let timeouts = try metrics.expectTimer("circuit_breaker_call_duration_seconds", dimensions("rated", ("outcome", "timeout")))
        #expect(successes.values == [20_000_000, 150_000_000])
        #expect(failures.values == [250_000_000])
        #expect(timeouts.values == [])
        #expect(try metrics.expectCounter("circuit_breaker_slow_calls_total", dimensions("rated", ("outcome", "success"))).totalValue == 1)
        #expect(try metrics.expectCounter("circuit_breaker_slow_calls_total", dimensions("rated", ("outcome", "failure"))).totalValue == 1)
    }

    @Test("without the split by outcome, one timer per circuit records every duration")
    func oneTimerPerCircuit() throws {
        let metrics = TestMetrics()
        let binding = try SwiftMetricsBreakerBinding(factory: metrics, options: .init(durationsByOutcome: false), clock: clock)
        let breaker = try CircuitBreaker(name: "single", clock: clock, logger: quietLogger)
        binding.add(breaker)
        try breaker.succeed(on: clock, taking: .milliseconds(5))
        breaker.fail(on: clock, taking: .milliseconds(8))
        #expect(metrics.timers.count == 1)
        #expect(try metrics.expectTimer("circuit_breaker_call_duration_seconds", [("circuit", "single")]).values == [5_000_000, 8_000_000])
        binding.remove(breaker)
        #expect(metrics.timers.isEmpty)
    }

    @Test("fallbacks are counted by reason, all three from the start")
    func fallbacksByReason() throws {
        let breaker = try registry.breaker(named: "payments")
        func fallbacks(_ reason: String) throws -> Int64 {
            try metrics.expectCounter("circuit_breaker_fallbacks_total", dimensions("payments", ("reason", reason))).totalValue
        }
        #expect(try fallbacks("rejected") == 0)
        #expect(try fallbacks("failed") == 0)
        #expect(try fallbacks("timed_out") == 0)
        _ = breaker.run({ () throws -> Int in throw DependencyError() }, fallback: { _ in 0 })
        _ = breaker.run({ 1 }, fallback: { _ in 0 })
        _ = breaker.run({ 1 }, fallback: { _ in 0 })
        #expect(try fallbacks("failed") == 1)
        #expect(try fallbacks("rejected") == 2)
    }

    @Test("configuration gauges: thresholds only when configured, the minimum number of calls, the window size in its unit")
    func configurationGauges() throws {
        _ = try registry.breaker(named: "rated")
        _ = try registry.breaker(named: "payments")
        #expect(try metrics.expectMeter("circuit_breaker_failure_rate_threshold", dimensions("rated")).lastValue == 0.5)
        #expect(try metrics.expectMeter("circuit_breaker_slow_call_rate_threshold", dimensions("rated")).lastValue == 0.75)
        #expect(try metrics.expectMeter("circuit_breaker_minimum_calls", dimensions("rated")).lastValue == 4)
        #expect(try metrics.expectMeter("circuit_breaker_window_size", dimensions("rated", ("unit", "seconds"))).lastValue == 30)
        #expect(metrics.meters(label: "circuit_breaker_failure_rate_threshold").count == 1)
        #expect(metrics.meters(label: "circuit_breaker_slow_call_rate_threshold").count == 1)
        #expect(try metrics.expectMeter("circuit_breaker_window_size", dimensions("payments", ("unit", "calls"))).lastValue == 100)
    }

    @Test("snapshot gauges: rates NaN below the minimum number of calls, then the window's; counts; the state change time")
    func snapshotGauges() throws {
        let breaker = try registry.breaker(named: "rated")
        let failureRate = try metrics.expectMeter("circuit_breaker_failure_rate", dimensions("rated"))
        #expect(failureRate.lastValue?.isNaN == true)
        try breaker.succeed(on: clock, taking: .milliseconds(150))
        try breaker.succeed(on: clock)
        try breaker.succeed(on: clock)
        breaker.fail(on: clock)
        binding.refresh()
        #expect(failureRate.lastValue == 0.25)
        #expect(try metrics.expectMeter("circuit_breaker_slow_call_rate", dimensions("rated")).lastValue == 0.25)
        #expect(try metrics.expectMeter("circuit_breaker_consecutive_failures", dimensions("rated")).lastValue == 1)
        #expect(try metrics.expectMeter("circuit_breaker_window_calls", dimensions("rated", ("kind", "success"))).lastValue == 3)
        #expect(try metrics.expectMeter("circuit_breaker_window_calls", dimensions("rated", ("kind", "failure"))).lastValue == 1)
        #expect(try metrics.expectMeter("circuit_breaker_window_calls", dimensions("rated", ("kind", "slow"))).lastValue == 1)
        let timestamp = try metrics.expectMeter("circuit_breaker_state_change_timestamp_seconds", dimensions("rated"))
        #expect(timestamp.lastValue == 1_700_000_000)
        clock.advance(by: .seconds(2))
        breaker.forceOpen()
        #expect(timestamp.lastValue == breaker.snapshot().stateChangedAt)
        #expect(timestamp.lastValue.map { $0 > 1_700_000_000 } == true)
    }

    @Test("constant dimensions come first on every metric, before the circuit")
    func constantDimensionsOnEveryMetric() throws {
        let breaker = try registry.breaker(named: "payments")
        breaker.fail(on: clock)
        #expect(metrics.all.count > 30)
        for metric in metrics.all {
            #expect(Array(metric.dimensions.prefix(2).map(\.0)) == ["service", "circuit"], "\(metric.label)")
            #expect(metric.dimensions.first?.1 == "checkout")
        }
        #expect(metrics.recorders.isEmpty, "gauges are Meters")
    }

    @Test("removing a breaker from the registry destroys all its metrics and leaves the others'")
    func removalDestroysMetrics() throws {
        let payments = try registry.breaker(named: "payments")
        _ = try registry.breaker(named: "rated")
        payments.fail(on: clock)
        payments.forceOpen()
        let before = metrics.metrics(ofCircuit: "rated").count
        #expect(metrics.metrics(ofCircuit: "payments").count == before + 1 - 2, "payments has no thresholds, one manual transition")
        registry.remove(named: "payments")
        #expect(metrics.metrics(ofCircuit: "payments").map(\.label) == [])
        #expect(metrics.metrics(ofCircuit: "rated").count == before)
        // A call through the removed breaker records nothing and creates nothing.
        _ = try? payments.run { 1 }
        payments.reset()
        #expect(metrics.metrics(ofCircuit: "payments").map(\.label) == [])
    }

    @Test("a breaker added by hand and freed by the application is freed, and its metrics destroyed")
    func freedBreakerTakesItsMetrics() throws {
        weak var freed: CircuitBreaker?
        do {
            let breaker = try CircuitBreaker(name: "by-hand", clock: clock, logger: quietLogger)
            binding.add(breaker)
            try breaker.succeed(on: clock)
            breaker.fail(on: clock)
            #expect(!metrics.metrics(ofCircuit: "by-hand").isEmpty)
            freed = breaker
        }
        #expect(freed == nil)
        #expect(metrics.metrics(ofCircuit: "by-hand").map(\.label) == [])
    }

    @Test("the binding keeps no breaker alive that its registry removed")
    func removedBreakerIsFreed() throws {
        weak var freed: CircuitBreaker?
        do {
            let breaker = try registry.breaker(named: "short-lived")
            try breaker.succeed(on: clock)
            freed = breaker
            registry.remove(named: "short-lived")
        }
        #expect(freed == nil)
    }

    @Test("adding a breaker twice binds it once")
    func addingTwice() throws {
        let breaker = try registry.breaker(named: "payments")
        binding.add(breaker)
        try breaker.succeed(on: clock)
        #expect(try calls("payments", "success") == 1)
    }

    @Test("a registry's recordMetrics(through:) binds the breakers it has and those it gets later")
    func registryConvenience() throws {
        let metrics = TestMetrics()
        let registry = try CircuitBreakerRegistry(clock: clock, logger: quietLogger)
        let existing = try registry.breaker(named: "existing")
        try registry.recordMetrics(through: metrics, dimensions: ["team": "payments"])
        let later = try registry.breaker(named: "later")
        try existing.succeed(on: clock)
        try later.succeed(on: clock)
        #expect(try metrics.expectCounter("circuit_breaker_calls_total", [("team", "payments"), ("circuit", "existing"), ("outcome", "success")]).totalValue == 1)
        #expect(try metrics.expectCounter("circuit_breaker_calls_total", [("team", "payments"), ("circuit", "later"), ("outcome", "success")]).totalValue == 1)
    }

    @Test("a constant dimension may not take a name of the contract's own, nor be empty, and the interval may not be negative")
    func invalidDimensionsAndOptions() {
        let clash = #expect(throws: SwiftMetricsBindingError.self) {
            try SwiftMetricsBreakerBinding(factory: metrics, dimensions: ["circuit": "x"])
        }
        #expect(clash?.description == #"dimension "circuit" is one of the breaker metrics' own: ["circuit", "from", "kind", "outcome", "reason", "state", "to", "unit"]"#)
        #expect(throws: SwiftMetricsBindingError.self) {
            try SwiftMetricsBreakerBinding(factory: metrics, dimensions: ["": "x"])
        }
        #expect(throws: SwiftMetricsBindingError.self) {
            try SwiftMetricsBreakerBinding(factory: metrics, options: .init(refreshInterval: .seconds(-1)))
        }
    }
}
