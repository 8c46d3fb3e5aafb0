// Many tasks call one breaker at once while others refresh the gauges and move the clock: every
// outcome is counted exactly once, in swift-prometheus and in MetricsTestKit alike.

import Breakwater
import BreakwaterSwiftMetrics
import CoreMetrics
import MetricsTestKit
import Prometheus
import Testing

@Suite("Concurrent calls")
struct ConcurrencyTests {
    @Test("concurrent calls from many tasks are counted exactly, with concurrent refreshes")
    func exactCounts() async throws {
        let clock = ManualClock()
        let testMetrics = TestMetrics()
        let prometheus = PrometheusCollectorRegistry()
        let factory = MultiplexMetricsHandler(factories: [PrometheusMetricsFactory(registry: prometheus), testMetrics])
        let binding = try SwiftMetricsBreakerBinding(factory: factory, options: .init(refreshInterval: .milliseconds(1)), clock: clock)
        let breaker = try CircuitBreaker(
            name: "busy",
            configuration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 1_000_000, slidingWindow: .countBased(size: 100)),
            clock: clock, logger: quietLogger)
        binding.add(breaker)

        let tasks = 8
        let callsPerTask = 1_500
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for call in 0..<callsPerTask {
                        switch (task + call) % 3 {
                        case 0: _ = try? breaker.run { 1 }
                        case 1: _ = try? breaker.run { () throws(DependencyError) -> Int in throw DependencyError() }
                        default: _ = breaker.run({ () throws -> Int in throw CancellationError() }, fallback: { _ in 0 })
                        }
                    }
                }
            }
            group.addTask {
                for _ in 0..<500 {
                    binding.refresh()
                    clock.advance(by: .milliseconds(1))
                    await Task.yield()
                }
            }
        }

        let calls = tasks * callsPerTask
        let each = Int64(calls / 3)
        func counted(_ outcome: String) throws -> Int64 {
            try testMetrics.expectCounter("circuit_breaker_calls_total", [("circuit", "busy"), ("outcome", outcome)]).totalValue
        }
        #expect(try counted("success") == each)
        #expect(try counted("failure") == each)
        #expect(try counted("ignored") == each)
        #expect(try counted("rejected") == 0)
        #expect(try testMetrics.expectCounter(
            "circuit_breaker_fallbacks_total", [("circuit", "busy"), ("reason", "failed")]).totalValue == each)
        #expect(try testMetrics.expectTimer(
            "circuit_breaker_call_duration_seconds", [("circuit", "busy"), ("outcome", "failure")]).values.count == Int(each))

        let samples = parseExposition(prometheus.emitToString())
        func exported(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels.merging(["circuit": "busy"]) { $1 } }?.value
        }
        for outcome in ["success", "failure", "ignored"] {
            #expect(exported("circuit_breaker_calls_total", ["outcome": outcome]) == Double(each))
        }
        #expect(exported("circuit_breaker_call_duration_seconds_count", ["outcome": "success"]) == Double(each))
        #expect(exported("circuit_breaker_fallbacks_total", ["reason": "failed"]) == Double(each))
        binding.refresh()
        #expect(parseExposition(prometheus.emitToString()).first {
            $0.name == "circuit_breaker_consecutive_failures"
        }.map { $0.value == Double(breaker.snapshot().consecutiveFailures) } == true)
    }

    @Test("breakers added to and removed from a registry while other tasks call and switch them leave no metric behind")
    func churnLeavesNothing() async throws {
        let clock = ManualClock()
        let testMetrics = TestMetrics()
        let prometheus = PrometheusCollectorRegistry()
        let factory = MultiplexMetricsHandler(factories: [PrometheusMetricsFactory(registry: prometheus), testMetrics])
        let registry = try CircuitBreakerRegistry(defaultConfiguration: .oneProbe, clock: clock, logger: quietLogger)
        let binding = try SwiftMetricsBreakerBinding(factory: factory, options: .init(refreshInterval: .zero), clock: clock)
        registry.addObserver(binding)

        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<2 {
                group.addTask {
                    for round in 0..<300 {
                        guard let breaker = try? registry.breaker(named: "churn-\((worker + round) % 3)") else { continue }
                        breaker.fail(on: clock)
                        _ = try? breaker.run { 1 }
                        if round.isMultiple(of: 7) { registry.remove(named: breaker.name) }
                        await Task.yield()
                    }
                }
            }
            group.addTask {
                for round in 0..<300 {
                    for breaker in registry.breakers {
                        if round.isMultiple(of: 2) { breaker.forceOpen() } else { breaker.reset() }
                    }
                    binding.refresh()
                    clock.advance(by: .seconds(31))
                    await Task.yield()
                }
            }
        }
        for breaker in registry.breakers {
            registry.remove(named: breaker.name)
        }
        #expect(testMetrics.all.map(\.label) == [])
        #expect(prometheus.emitToString() == "")
    }
}
