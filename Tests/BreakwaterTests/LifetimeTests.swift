import BreakwaterTestSupport
import Foundation
import Logging
import Testing

@testable import Breakwater

/// What keeps a breaker alive, and what it keeps alive: nothing that outlives its use.
@Suite("Lifetimes", .timeLimit(.minutes(2)))
struct LifetimeTests {
    private let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// An observer that holds its breaker, as a binding that reads snapshots might.
    final class HoldingObserver: CircuitBreakerObserver {
        let breaker: CircuitBreaker?
        init(_ breaker: CircuitBreaker? = nil) { self.breaker = breaker }
    }

    @Test("a breaker removed from its registry is freed")
    func removedBreakerIsFreed() throws {
        let registry = try CircuitBreakerRegistry(logger: logger)
        weak var removed: CircuitBreaker?
        do {
            let breaker = try registry.breaker(named: "tenant-1")
            breaker.addObserver(HoldingObserver())
            _ = try breaker.run { 1 }
            removed = breaker
            registry.remove(named: "tenant-1")
        }
        #expect(removed == nil)
    }

    @Test("adding and removing observers a million times keeps no replaced list, and frees every observer")
    func observerChurnKeepsMemoryFlat() async throws {
        let breaker = try CircuitBreaker(name: "churn", logger: logger)
        // Seconds of work under ThreadSanitizer: on a thread of its own, not one of Swift
        // concurrency's that the other tests' tasks wait for.
        let lastFreed = try await offloaded {
            weak var last: HoldingObserver?
            for _ in 0..<1_000_000 {
                let observer = HoldingObserver()
                let token = breaker.addObserver(observer)
                last = observer
                breaker.removeObserver(token)
            }
            return last == nil
        }
        #expect(lastFreed)
        #expect(breaker.core.withLock { $0.retiredObservers.count } == 0)
    }

    @Test("a list replaced while a call reads it is kept until the call is done, then released")
    func listReadDuringAChangeIsKept() async throws {
        let breaker = try CircuitBreaker(name: "reading", logger: logger)
        weak var replaced: HoldingObserver?
        let token: ObserverToken
        do {
            let observer = HoldingObserver()
            token = breaker.addObserver(observer)
            replaced = observer
        }
        breaker.withObservers { list in
            breaker.removeObserver(token)
            // At least this list; an earlier one may wait too while another thread, reading some
            // other breaker's list (the read slots are per thread), holds back the grace period.
            #expect(breaker.core.withLock { $0.retiredObservers.count } >= 1, "a call is reading it")
            #expect(list.observers.count == 1)
            #expect(replaced != nil)
        }
        // Once no thread reads any more, the next change or snapshot releases every retired list.
        let deadline = ContinuousClock.now + .seconds(30)
        while breaker.core.withLock({ $0.retiredObservers.count }) > 0, ContinuousClock.now < deadline {
            _ = breaker.snapshot()
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(breaker.core.withLock { $0.retiredObservers.count } == 0)
        #expect(replaced == nil)
    }

    @Test("a for-await over the events of a breaker ends when the breaker is freed")
    func eventStreamsEndWithTheirBreaker() async throws {
        let registry = try CircuitBreakerRegistry(logger: logger)
        weak var freed: CircuitBreaker?
        let stream: AsyncStream<CircuitBreakerEvent>
        do {
            let breaker = try registry.breaker(named: "streamed")
            stream = breaker.events()
            _ = try breaker.run { 1 }
            freed = breaker
            registry.remove(named: "streamed")
        }
        #expect(freed == nil)
        var events = 0
        for await _ in stream {
            events += 1
        }
        #expect(events == 1)
    }
}
