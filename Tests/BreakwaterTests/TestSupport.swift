import Logging
import Synchronization
import Testing

@testable import Breakwater

struct DependencyError: Error, Equatable {
    var code = 0
}

/// Records every event a breaker reports, in order, and every fallback apart.
final class RecordingObserver: CircuitBreakerObserver {
    private let events = Guarded<[CircuitBreakerEvent]>([])
    private let fallbackReasons = Guarded<[FallbackReason.Kind]>([])

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        events.withLock { $0.append(.call(circuit: breaker.name, outcome: outcome, duration: duration)) }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        events.withLock { $0.append(.transition(circuit: breaker.name, transition)) }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didFallBack reason: FallbackReason.Kind) {
        fallbackReasons.withLock { $0.append(reason) }
    }

    var fallbacks: [FallbackReason.Kind] {
        fallbackReasons.withLock { $0 }
    }

    var transitions: [StateTransition] {
        events.withLock { events in
            events.compactMap { if case .transition(_, let transition) = $0 { transition } else { nil } }
        }
    }

    var outcomes: [CallOutcome] {
        events.withLock { events in
            events.compactMap { if case .call(_, let outcome, _) = $0 { outcome } else { nil } }
        }
    }

    var durations: [Duration] {
        events.withLock { events in
            events.compactMap { if case .call(_, _, let duration) = $0 { duration } else { nil } }
        }
    }
}

/// A breaker on virtual time, with an observer that records everything.
struct Fixture {
    let clock = ManualClock()
    let observer = RecordingObserver()
    let breaker: CircuitBreaker

    init(_ configuration: CircuitBreakerConfiguration = CircuitBreakerConfiguration(), name: String = "dependency") throws {
        breaker = try CircuitBreaker(
            name: name, configuration: configuration, clock: clock,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), observers: [observer])
    }

    func succeed(count: Int = 1, taking duration: Duration = .milliseconds(1)) throws {
        for _ in 0..<count {
            try breaker.run {
                clock.advance(by: duration)
            }
        }
    }

    func fail(count: Int = 1, taking duration: Duration = .milliseconds(1)) {
        for _ in 0..<count {
            #expect(throws: DependencyError.self) {
                try breaker.run { () throws(DependencyError) in
                    clock.advance(by: duration)
                    throw DependencyError()
                }
            }
        }
    }

    /// Fails until the circuit opens; requires a policy that opens on consecutive failures.
    func trip() {
        while breaker.state == .closed {
            fail()
        }
    }

    /// A fixture whose circuit opens on one failure for 30 seconds, then admits one probe, and is
    /// half-open now with its probe not yet taken.
    static func halfOpenWithOneProbe() throws -> Fixture {
        let fixture = try Fixture(.oneProbe)
        fixture.trip()
        fixture.clock.advance(by: .seconds(30))
        return fixture
    }

    /// Starts `call`, lets its operation and timer go to sleep on the manual clock, then moves
    /// the clock past the timeout.
    func timingOut<T: Sendable>(
        by timeout: Duration, _ call: @escaping @Sendable () async throws -> T
    ) async -> Task<T, any Error> {
        let task = Task { try await call() }
        for _ in 0..<10_000 where clock.sleeperCount < 2 {
            await Task.yield()
        }
        clock.advance(by: timeout)
        return task
    }

    func isRejected() -> Bool {
        do {
            _ = try breaker.acquirePermission()
            return false
        } catch {
            return true
        }
    }
}

extension CircuitBreakerConfiguration {
    /// Opens on one failure, for 30 seconds, then admits one probe.
    static let oneProbe = CircuitBreakerConfiguration(
        consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(30)), permittedCallsInHalfOpen: 1)
}
