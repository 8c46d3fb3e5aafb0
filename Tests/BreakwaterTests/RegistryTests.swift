import Synchronization
import Testing

@testable import Breakwater

@Suite("Registry")
struct RegistryTests {
    private func registry() throws -> CircuitBreakerRegistry {
        try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 3),
            overrides: ["search": CircuitBreakerConfiguration(slowCallRateThreshold: 0.8)],
            clock: ManualClock())
    }

    @Test("get-or-create returns the same breaker for the same name")
    func getOrCreate() throws {
        let registry = try registry()
        let first = try registry.breaker(named: "payments")
        let second = try registry.breaker(named: "payments")
        #expect(first === second)
        #expect(first.configuration == registry.defaultConfiguration)
        #expect(try registry.breaker(named: "search").configuration.slowCallRateThreshold == 0.8)
    }

    @Test("looking up an existing breaker never creates one")
    func existingBreaker() throws {
        let registry = try registry()
        #expect(registry.existingBreaker(named: "payments") == nil)
        #expect(registry.breakers.isEmpty)
        let payments = try registry.breaker(named: "payments")
        #expect(registry.existingBreaker(named: "payments") === payments)
        registry.remove(named: "payments")
        #expect(registry.existingBreaker(named: "payments") == nil)
    }

    @Test("asking for an existing name with a different configuration is an error")
    func conflict() throws {
        let registry = try registry()
        _ = try registry.breaker(named: "payments")
        #expect(throws: CircuitBreakerRegistryError.configurationConflict(name: "payments")) {
            try registry.breaker(named: "payments", configuration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 9))
        }
        #expect(try registry.breaker(named: "payments", configuration: registry.defaultConfiguration).name == "payments")
    }

    @Test("asking again with only another failure predicate returns the existing breaker, which keeps its own")
    func predicateOnlyDifference() async throws {
        let registry = try registry()
        let strict = CircuitBreakerConfiguration(consecutiveFailureThreshold: 1, isFailure: { _ in true })
        let lenient = CircuitBreakerConfiguration(consecutiveFailureThreshold: 1, isFailure: { _ in false })
        let first = try registry.breaker(named: "inventory", configuration: strict)
        let second = try registry.breaker(named: "inventory", configuration: lenient)
        #expect(first === second)
        _ = try? second.run { () throws(DependencyError) in throw DependencyError() }
        #expect(second.state == .open, "the predicate it was created with counted the failure")
    }

    @Test("invalid names and configurations are errors")
    func invalid() throws {
        let registry = try registry()
        #expect(throws: CircuitBreakerConfigurationError.self) { try registry.breaker(named: "") }
        let error = #expect(throws: CircuitBreakerRegistryError.self) {
            try registry.breaker(named: "x", configuration: CircuitBreakerConfiguration(failureRateThreshold: 2))
        }
        #expect(error?.description == "failureRateThreshold is 2.0, must be greater than 0 and at most 1")
        #expect(throws: CircuitBreakerConfigurationError.self) {
            try CircuitBreakerRegistry(overrides: ["bad": CircuitBreakerConfiguration(permittedCallsInHalfOpen: 0)])
        }
        #expect(registry.breakers.isEmpty)
    }

    @Test("snapshots list every breaker by name with its state, window and rates")
    func snapshots() throws {
        let registry = try registry()
        let payments = try registry.breaker(named: "payments")
        _ = try registry.breaker(named: "inventory")
        for _ in 0..<3 {
            _ = try? payments.run { throw DependencyError() }
        }
        let snapshots = registry.snapshots()
        #expect(snapshots.map(\.name) == ["inventory", "payments"])
        #expect(snapshots.map(\.state) == [.closed, .open])
        #expect(snapshots[1].window == WindowCounts(calls: 3, failures: 3, slowCalls: 0))
        #expect(snapshots[1].consecutiveFailures == 3)
        #expect(snapshots[1].lastTransition?.to == .open)
    }

    @Test("remove takes a breaker out; reset all closes every breaker")
    func removeAndResetAll() throws {
        let registry = try registry()
        let payments = try registry.breaker(named: "payments")
        let inventory = try registry.breaker(named: "inventory")
        payments.forceOpen()
        inventory.forceOpen()
        registry.resetAll()
        #expect(payments.state == .closed && inventory.state == .closed)
        #expect(registry.remove(named: "payments") === payments)
        #expect(registry.remove(named: "payments") == nil)
        #expect(registry.breakers.map(\.name) == ["inventory"])
        #expect(try registry.breaker(named: "payments") !== payments)
    }

    @Test("a registry observer hears of existing breakers at once, then of each added and removed")
    func observer() throws {
        final class Names: CircuitBreakerRegistryObserver {
            let log = Guarded<[String]>([])
            func registry(_ registry: CircuitBreakerRegistry, didAdd breaker: CircuitBreaker) {
                log.withLock { $0.append("+\(breaker.name)") }
            }
            func registry(_ registry: CircuitBreakerRegistry, didRemove breaker: CircuitBreaker) {
                log.withLock { $0.append("-\(breaker.name)") }
            }
        }
        let registry = try registry()
        _ = try registry.breaker(named: "b")
        _ = try registry.breaker(named: "a")
        let names = Names()
        registry.addObserver(names)
        _ = try registry.breaker(named: "c")
        _ = try registry.breaker(named: "c")
        registry.remove(named: "a")
        #expect(names.log.withLock { $0 } == ["+a", "+b", "+c", "-a"])
    }

    @Test("concurrent get-or-create yields one breaker per name")
    func concurrentGetOrCreate() async throws {
        let registry = try registry()
        let breakers = try await withThrowingTaskGroup(of: CircuitBreaker.self) { group in
            for _ in 0..<64 {
                group.addTask { try registry.breaker(named: "shared") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(breakers.map(ObjectIdentifier.init)).count == 1)
        #expect(registry.breakers.count == 1)
    }
}
