import Testing

@testable import Breakwater

@Suite("Automatic transition from open to half-open")
struct AutomaticTransitionTests {
    private func nextTransition(_ events: AsyncStream<CircuitBreakerEvent>) async -> StateTransition? {
        for await case .transition(_, let transition) in events {
            return transition
        }
        return nil
    }

    @Test("a timer moves the circuit to half-open without any call")
    func timerMovesToHalfOpen() async throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(10)), automaticTransitionFromOpenToHalfOpen: true))
        let events = fixture.breaker.events()
        fixture.trip()
        #expect(await nextTransition(events)?.to == .open)
        fixture.clock.advance(by: .seconds(9))
        #expect(fixture.breaker.state == .open)
        fixture.clock.advance(by: .seconds(1))
        let transition = await nextTransition(events)
        #expect(transition?.to == .halfOpen)
        #expect(transition?.reason == .openDurationElapsed)
        #expect(fixture.breaker.state == .halfOpen)
    }

    @Test("a timer also ends a half-open state that waits too long")
    func timerEndsHalfOpen() async throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(10)), automaticTransitionFromOpenToHalfOpen: true,
                maximumWaitInHalfOpen: .seconds(3)))
        let events = fixture.breaker.events()
        fixture.trip()
        _ = await nextTransition(events)
        fixture.clock.advance(by: .seconds(10))
        #expect(await nextTransition(events)?.to == .halfOpen)
        fixture.clock.advance(by: .seconds(3))
        let transition = await nextTransition(events)
        #expect(transition?.to == .open)
        #expect(transition?.reason == .halfOpenWaitExceeded)
    }

    @Test("without the option, no timer is armed")
    func noTimerByDefault() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 1))
        fixture.trip()
        #expect(fixture.clock.sleeperCount == 0)
        fixture.clock.advance(by: .seconds(600))
        #expect(fixture.breaker.state == .open)
    }

    @Test("the timer is cancelled when the breaker goes away")
    func timerCancelledOnDeinit() async throws {
        let clock = ManualClock()
        var breaker: CircuitBreaker? = try CircuitBreaker(
            name: "short-lived",
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(10)), automaticTransitionFromOpenToHalfOpen: true),
            clock: clock)
        _ = try? breaker?.run { throw DependencyError() }
        for _ in 0..<10_000 where clock.sleeperCount == 0 {
            await Task.yield()
        }
        #expect(clock.sleeperCount == 1, "the timer is armed")
        weak let gone = breaker
        breaker = nil
        #expect(gone == nil)
        #expect(clock.sleeperCount == 0, "the timer was cancelled")
    }

    @Test("a manual transition disarms the timer")
    func manualTransitionDisarms() async throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(10)), automaticTransitionFromOpenToHalfOpen: true))
        fixture.trip()
        fixture.breaker.forceOpen()
        fixture.clock.advance(by: .seconds(60))
        for _ in 0..<100 { await Task.yield() }
        #expect(fixture.breaker.state == .forcedOpen)
    }
}
