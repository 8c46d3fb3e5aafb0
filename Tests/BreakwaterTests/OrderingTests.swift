import Dispatch
import Foundation
import Logging
import Testing

@testable import Breakwater

/// Observers hear what happened in the order it happened, whatever the contention: a breaker's
/// transitions, and a registry's additions and removals.
///
/// The test side locks with `NSLock`, which ThreadSanitizer sees through.
@Suite("Ordering", .serialized)
struct OrderingTests {
    private let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// Checks that each transition starts where the one before it ended.
    final class ChainObserver: CircuitBreakerObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var last: CircuitState = .closed
        private(set) var count = 0
        private(set) var outOfOrder = 0

        func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
            lock.withLock {
                if transition.from != last { outOfOrder += 1 }
                last = transition.to
                count += 1
            }
        }

        var counts: (count: Int, outOfOrder: Int) { lock.withLock { (count, outOfOrder) } }
    }

    @Test("under contention, every observer and event stream sees each transition start where the one before ended")
    func transitionsArriveInOrder() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(
            name: "contended",
            configuration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(1))),
            clock: clock, logger: logger)
        let chains = [ChainObserver(), ChainObserver()]
        for chain in chains { breaker.addObserver(chain) }
        let stream = breaker.events(bufferSize: 100_000)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0..<5_000 {
                switch (round + worker) % 4 {
                case 0: breaker.reset()
                case 1: _ = try? breaker.run { () throws(DependencyError) in throw DependencyError() }
                case 2: breaker.forceOpen()
                default: breaker.enableMetricsOnly()
                }
            }
        }
        breaker.disable(reason: "end of stream")
        for chain in chains {
            #expect(chain.counts.count > 1_000)
            #expect(chain.counts.outOfOrder == 0)
        }
        var last = CircuitState.closed
        var outOfOrder = 0
        for await case .transition(_, let transition) in stream {
            if transition.from != last { outOfOrder += 1 }
            last = transition.to
            if transition.reason == .manual("end of stream") { break }
        }
        #expect(outOfOrder == 0)
    }

    /// The breakers a registry observer believes exist, and every change it heard out of order. It
    /// takes its time over an addition, as a metrics binding registering series does, which gives
    /// a removal on another thread the chance to overtake it.
    final class RegistryView: CircuitBreakerRegistryObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var live: Set<ObjectIdentifier> = []
        private var outOfOrder = 0

        func registry(_ registry: CircuitBreakerRegistry, didAdd breaker: CircuitBreaker) {
            for _ in 0..<3 { sched_yield() }
            lock.withLock { if !live.insert(ObjectIdentifier(breaker)).inserted { outOfOrder += 1 } }
        }

        func registry(_ registry: CircuitBreakerRegistry, didRemove breaker: CircuitBreaker) {
            lock.withLock { if live.remove(ObjectIdentifier(breaker)) == nil { outOfOrder += 1 } }
        }

        var view: (live: Set<ObjectIdentifier>, outOfOrder: Int) { lock.withLock { (live, outOfOrder) } }
    }

    @Test("under get-or-create and remove churn of a few names, observers hear each name's changes in order")
    func registryChangesArriveInOrder() throws {
        let registry = try CircuitBreakerRegistry(logger: logger)
        let early = RegistryView()
        registry.addObserver(early)
        let late = RegistryView()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<2_000 {
                let name = "dependency-\(round % 3)"
                _ = try? registry.breaker(named: name)
                if worker == 0 && round == 1_000 {
                    registry.addObserver(late)
                }
                if (round + worker) % 2 == 0 {
                    registry.remove(named: name)
                }
            }
        }
        let present = Set(registry.breakers.map { ObjectIdentifier($0) })
        for observer in [early, late] {
            #expect(observer.view.outOfOrder == 0)
            #expect(observer.view.live == present)
        }
    }

    @Test("a change an observer makes while hearing of another is announced after it, on the same thread")
    func nestedChangesFollowTheirCause() throws {
        final class Follower: CircuitBreakerRegistryObserver, @unchecked Sendable {
            let lock = NSLock()
            var log: [String] = []
            func registry(_ registry: CircuitBreakerRegistry, didAdd breaker: CircuitBreaker) {
                lock.withLock { log.append("+\(breaker.name)") }
                if breaker.name == "primary" {
                    _ = try? registry.breaker(named: "replica")
                    registry.remove(named: "primary")
                }
            }
            func registry(_ registry: CircuitBreakerRegistry, didRemove breaker: CircuitBreaker) {
                lock.withLock { log.append("-\(breaker.name)") }
            }
        }
        let registry = try CircuitBreakerRegistry(logger: logger)
        let follower = Follower()
        let second = RegistryView()
        registry.addObserver(follower)
        registry.addObserver(second)
        _ = try registry.breaker(named: "primary")
        #expect(follower.lock.withLock { follower.log } == ["+primary", "+replica", "-primary"])
        #expect(second.view.outOfOrder == 0)
        #expect(second.view.live == Set(registry.breakers.map { ObjectIdentifier($0) }))
    }
}
