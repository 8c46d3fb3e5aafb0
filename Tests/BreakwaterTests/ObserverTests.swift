import Logging
import BreakwaterTestSupport
import Synchronization
import Testing

@testable import Breakwater

@Suite("Observing a breaker")
struct ObserverTests {
    @Test("observers see every outcome with its duration, then the transition it caused")
    func order() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 1))
        try fixture.succeed(taking: .milliseconds(3))
        fixture.fail(taking: .milliseconds(5))
        _ = fixture.isRejected()
        #expect(fixture.observer.outcomes == [.success, .failure, .rejected])
        #expect(fixture.observer.durations == [.milliseconds(3), .milliseconds(5), .zero])
        #expect(fixture.observer.transitions.map(\.description) == ["closed -> open: 1 consecutive failures"])
    }

    @Test("an observer that calls back into the breaker does not deadlock")
    func reentrantObserver() throws {
        final class Reentrant: CircuitBreakerObserver {
            let seen = Guarded<[CircuitState]>([])
            func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
                let snapshot = breaker.snapshot()
                seen.withLock { $0.append(snapshot.state) }
            }
            func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
                if transition.to == .open {
                    breaker.reset(reason: "observer resets")
                }
            }
        }
        let observer = Reentrant()
        let breaker = try CircuitBreaker(
            name: "reentrant", configuration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 1),
            clock: ManualClock(), observers: [observer])
        _ = try? breaker.run { throw DependencyError() }
        #expect(breaker.state == .closed)
        #expect(observer.seen.withLock { $0 } == [.open])
    }

    @Test("a removed observer hears nothing more")
    func removeObserver() throws {
        let fixture = try Fixture()
        let late = RecordingObserver()
        let token = fixture.breaker.addObserver(late)
        try fixture.succeed()
        fixture.breaker.removeObserver(token)
        try fixture.succeed()
        #expect(late.outcomes == [.success])
        #expect(fixture.observer.outcomes == [.success, .success])
    }

    @Test("events arrive as an AsyncSequence")
    func events() async throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 1))
        let events = fixture.breaker.events()
        try fixture.succeed()
        fixture.fail()
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .call(circuit: "dependency", outcome: .success, duration: .milliseconds(1)))
        #expect(await iterator.next() == .call(circuit: "dependency", outcome: .failure, duration: .milliseconds(1)))
        guard case .transition(let circuit, let transition) = await iterator.next() else {
            Issue.record("expected a transition")
            return
        }
        #expect(circuit == "dependency")
        #expect(transition.to == .open)
    }

    @Test("dropping an event stream stops its events")
    func eventStreamEnds() throws {
        let fixture = try Fixture()
        var stream: AsyncStream<CircuitBreakerEvent>? = fixture.breaker.events()
        let second = fixture.breaker.events()
        #expect(fixture.breaker.eventStreams().count == 2)
        stream = nil
        #expect(stream == nil)
        #expect(fixture.breaker.eventStreams().count == 1)
        _ = second
    }

    @Test("an observer hears each fallback once, with its reason, after the outcome and before the fallback runs")
    func fallbacks() async throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 2))
        let observer = fixture.observer
        let failed = fixture.breaker.run({ throw DependencyError() }, fallback: { _ in observer.fallbacks })
        #expect(failed == [.failed])
        #expect(observer.outcomes == [.failure])
        let timedOut = await fixture.timingOut(by: .milliseconds(1)) {
            await fixture.breaker.run(
                timeout: .milliseconds(1),
                { try await fixture.clock.sleep(until: BreakerInstant(nanoseconds: .max)); return [FallbackReason.Kind]() },
                fallback: { _ in observer.fallbacks })
        }
        #expect(try await timedOut.value == [.failed, .timedOut])
        #expect(observer.outcomes == [.failure, .timeout])
        #expect(fixture.breaker.state == .open)
        let rejected = await fixture.breaker.run({ () async in [FallbackReason.Kind]() }, fallback: { _ in observer.fallbacks })
        #expect(rejected == [.failed, .timedOut, .rejected])
        #expect(observer.outcomes == [.failure, .timeout, .rejected])
        #expect(observer.fallbacks == [.failed, .timedOut, .rejected])
    }

    @Test("a call that succeeds, or that has no fallback, tells no fallback")
    func noFallback() async throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 1))
        #expect(fixture.breaker.run({ 1 }, fallback: { _ in 0 }) == 1)
        #expect(await fixture.breaker.run({ () async in 1 }, fallback: { _ in 0 }) == 1)
        #expect(await fixture.breaker.run(timeout: .seconds(1), { 1 }, fallback: { _ in 0 }) == 1)
        await #expect(throws: DependencyError.self) { try await fixture.breaker.run(timeout: .seconds(1)) { throw DependencyError() } }
        #expect(fixture.breaker.state == .open)
        #expect(throws: CircuitBreakerError.self) { try fixture.breaker.run { 1 } }
        #expect(fixture.observer.outcomes == [.success, .success, .success, .failure, .rejected])
        #expect(fixture.observer.fallbacks == [])
    }

    @Test("an error that is not a failure is ignored, and its call still falls back as failed")
    func ignoredErrorFallsBack() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(isFailure: { _ in false }))
        #expect(fixture.breaker.run({ throw DependencyError() }, fallback: { _ in "cached" }) == "cached")
        #expect(fixture.observer.outcomes == [.ignored])
        #expect(fixture.observer.fallbacks == [.failed])
    }

    @Test("a disabled breaker reports no outcome, but tells the fallback of a call whose operation threw")
    func disabledBreakerTellsFallbacks() async throws {
        let fixture = try Fixture()
        fixture.breaker.disable()
        let outcomesBefore = fixture.observer.outcomes
        #expect(fixture.breaker.run({ throw DependencyError() }, fallback: { _ in "cached" }) == "cached")
        #expect(await fixture.breaker.run({ () async throws in throw DependencyError() }, fallback: { _ in "cached" }) == "cached")
        #expect(fixture.breaker.run({ "live" }, fallback: { _ in "cached" }) == "live")
        #expect(fixture.observer.outcomes == outcomesBefore)
        #expect(fixture.observer.fallbacks == [.failed, .failed])
    }

    @Test("a fallback's kind is its reason without the error, named as metrics show it")
    func fallbackKinds() {
        let rejection = CircuitBreakerError(circuit: "dependency", state: .open, nextAdmission: nil)
        let timeout = CircuitBreakerTimeoutError(circuit: "dependency", timeout: .seconds(1))
        #expect(FallbackReason.rejected(rejection).kind == .rejected)
        #expect(FallbackReason.failed(DependencyError()).kind == .failed)
        #expect(FallbackReason.timedOut(timeout).kind == .timedOut)
        #expect(FallbackReason.Kind.allCases.map(\.description) == ["rejected", "failed", "timed_out"])
    }

    @Test("transitions are logged as a library should: info when calls start being rejected, debug otherwise, values in metadata")
    func logging() throws {
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(records: records) }
        let breaker = try CircuitBreaker(
            name: "payments", configuration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 1),
            clock: ManualClock(), logger: logger)
        _ = try? breaker.run { throw DependencyError() }
        breaker.reset()
        let lines = records.lines.withLock { $0 }
        #expect(lines.map(\.level) == [.info, .debug])
        #expect(lines.allSatisfy { $0.message == "circuit breaker changed state" })
        #expect(lines.first?.metadata["circuit"] == "payments")
        #expect(lines.first?.metadata["reason"] == "1 consecutive failures")
        #expect(lines.first?.metadata["from"] == "closed")
        #expect(lines.last?.metadata["to"] == "closed")
    }
}
