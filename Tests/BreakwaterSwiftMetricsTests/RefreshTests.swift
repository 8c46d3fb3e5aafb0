// When the gauges read from a breaker's snapshot are set: at binding, at every transition, after a
// call at most once per refresh interval, and at once on refresh(). Each set of a TestMeter adds
// one value, so the number of values counts the refreshes.

import Breakwater
import BreakwaterSwiftMetrics
import MetricsTestKit
import Testing

@Suite("Refreshing snapshot gauges")
struct RefreshTests {
    let clock = ManualClock()
    let metrics = TestMetrics()
    let breaker: CircuitBreaker

    init() throws {
        breaker = try CircuitBreaker(
            name: "rated",
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: 0.9, slidingWindow: .timeBased(duration: .seconds(30)), minimumNumberOfCalls: 2),
            clock: clock, logger: quietLogger)
    }

    func bind(refreshInterval: Duration = .seconds(1)) throws -> SwiftMetricsBreakerBinding {
        let binding = try SwiftMetricsBreakerBinding(factory: metrics, options: .init(refreshInterval: refreshInterval), clock: clock)
        binding.add(breaker)
        return binding
    }

    var failureRate: TestMeter {
        get throws { try metrics.expectMeter("circuit_breaker_failure_rate", [("circuit", "rated")]) }
    }

    var windowFailures: TestMeter {
        get throws { try metrics.expectMeter("circuit_breaker_window_calls", [("circuit", "rated"), ("kind", "failure")]) }
    }

    @Test("calls refresh the gauges at most once per interval: the first call, then the first after the interval")
    func callsRefreshOncePerInterval() throws {
        _ = try bind()
        #expect(try failureRate.values.count == 1, "set when bound")
        try breaker.succeed(on: clock)
        #expect(try failureRate.values.count == 2, "the first call refreshes")
        breaker.fail(on: clock)
        breaker.fail(on: clock)
        clock.advance(by: .milliseconds(900))
        breaker.fail(on: clock)
        #expect(try failureRate.values.count == 2, "within the interval, calls leave the gauges as they were")
        #expect(try failureRate.lastValue?.isNaN == true)
        clock.advance(by: .milliseconds(100))
        try breaker.succeed(on: clock)
        #expect(try failureRate.values.count == 3)
        #expect(try failureRate.lastValue == 0.6)
        #expect(try windowFailures.lastValue == 3)
    }

    @Test("refresh() sets the gauges at once, whatever the interval")
    func refreshSetsAtOnce() throws {
        let binding = try bind(refreshInterval: .seconds(3600))
        try breaker.succeed(on: clock)
        breaker.fail(on: clock)
        #expect(try windowFailures.lastValue == 0)
        binding.refresh()
        #expect(try windowFailures.lastValue == 1)
        #expect(try failureRate.lastValue == 0.5)
    }

    @Test("a transition sets the gauges at once, whatever the interval")
    func transitionSetsAtOnce() throws {
        _ = try bind(refreshInterval: .seconds(3600))
        try breaker.succeed(on: clock)
        breaker.fail(on: clock)
        breaker.forceOpen()
        #expect(try windowFailures.lastValue == 1)
        #expect(try metrics.expectMeter("circuit_breaker_state", [("circuit", "rated"), ("state", "forced_open")]).lastValue == 1)
    }

    @Test("with an interval of zero, every call refreshes")
    func zeroIntervalRefreshesEveryCall() throws {
        _ = try bind(refreshInterval: .zero)
        for _ in 0..<5 { try breaker.succeed(on: clock) }
        let windowSuccesses = try metrics.expectMeter("circuit_breaker_window_calls", [("circuit", "rated"), ("kind", "success")])
        #expect(windowSuccesses.values == [0, 1, 2, 3, 4, 5])
        #expect(try failureRate.values.count == 6)
    }

    @Test("a time-based window that empties while no calls come keeps its last values until refresh()")
    func stalenessWithoutCalls() throws {
        let binding = try bind()
        try breaker.succeed(on: clock)
        breaker.fail(on: clock)
        clock.advance(by: .seconds(2))
        breaker.fail(on: clock)
        #expect(try windowFailures.lastValue == 2)
        clock.advance(by: .seconds(120))
        #expect(try windowFailures.lastValue == 2)
        binding.refresh()
        #expect(try windowFailures.lastValue == 0)
        #expect(try failureRate.lastValue?.isNaN == true)
    }
}
