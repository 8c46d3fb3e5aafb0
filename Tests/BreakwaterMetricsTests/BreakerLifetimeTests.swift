import Breakwater
import Dispatch
import Foundation
import Logging
import Testing

@testable import BreakwaterMetrics

/// Metrics never keep a breaker alive, and never keep the series of one that is gone.
@Suite("Breaker lifetimes with metrics bound")
struct BreakerLifetimeTests {
    let collector = MetricsCollector(processMetrics: false)
    let registry: CircuitBreakerRegistry

    init() throws {
        registry = try CircuitBreakerRegistry(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    private var circuits: Set<String> {
        let text = collector.render(.prometheusText)
        var names: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("circuit_breaker_state{") {
            if let start = line.range(of: #"circuit=""#), let end = line[start.upperBound...].firstIndex(of: "\"") {
                names.insert(String(line[start.upperBound..<end]))
            }
        }
        return names
    }

    @Test("a breaker removed from its registry is freed, with its series")
    func removedBreakerIsFreed() throws {
        try collector.recordMetrics(of: registry)
        weak var removed: CircuitBreaker?
        do {
            let breaker = try registry.breaker(named: "per-tenant")
            _ = try breaker.run { 1 }
            removed = breaker
            #expect(circuits == ["per-tenant"])
            registry.remove(named: "per-tenant")
        }
        #expect(removed == nil)
        #expect(circuits.isEmpty)
    }

    @Test("a registry dropped while its breakers live: their state and rates still reach the scrape")
    func droppedRegistryKeepsGaugesCurrent() throws {
        let breaker: CircuitBreaker
        do {
            let registry = try CircuitBreakerRegistry(
                defaultConfiguration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 1),
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            try collector.recordMetrics(of: registry)
            breaker = try registry.breaker(named: "quotes")
        }
        struct Failure: Error {}
        _ = try? breaker.run { throw Failure() }
        #expect(breaker.state == .open)
        let text = collector.render(.prometheusText)
        #expect(text.contains(#"circuit_breaker_state{circuit="quotes",state="open"} 1"#))
        #expect(text.contains(#"circuit_breaker_consecutive_failures{circuit="quotes"} 1"#))
    }

    @Test("a breaker bound by hand and dropped by the application is freed; its series go at the next scrape")
    func droppedBreakerIsFreed() throws {
        let metrics = try BreakerMetrics(collector: collector)
        weak var dropped: CircuitBreaker?
        do {
            let breaker = try CircuitBreaker(name: "by-hand")
            metrics.add(breaker)
            _ = try breaker.run { 1 }
            dropped = breaker
            #expect(circuits == ["by-hand"])
        }
        #expect(dropped == nil)
        #expect(circuits.isEmpty)
        // Another breaker, perhaps at the freed one's address, is bound as a new one.
        let next = try CircuitBreaker(name: "next")
        metrics.add(next)
        #expect(circuits == ["next"])
    }

    /// An observer that takes its time, as one registering series of its own would: it gives a
    /// removal on another thread the chance to overtake the addition it is told of.
    final class SlowObserver: CircuitBreakerRegistryObserver {
        func registry(_ registry: CircuitBreakerRegistry, didAdd breaker: CircuitBreaker) {
            for _ in 0..<3 { sched_yield() }
        }
        func registry(_ registry: CircuitBreakerRegistry, didRemove breaker: CircuitBreaker) {}
    }

    @Test("after get-or-create and remove churn on one name from many threads, the series are the registry's")
    func churnLeavesNoGhosts() throws {
        registry.addObserver(SlowObserver())
        let metrics = try collector.recordMetrics(of: registry)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<500 {
                _ = try? registry.breaker(named: "churn")
                if (round + worker) % 2 == 0 {
                    registry.remove(named: "churn")
                }
            }
        }
        #expect(metrics.boundCount == registry.breakers.count, "no breaker bound that the registry no longer has")
        #expect(circuits == Set(registry.breakers.map(\.name)))
        registry.remove(named: "churn")
        #expect(metrics.boundCount == 0)
        #expect(circuits.isEmpty)
    }
}
