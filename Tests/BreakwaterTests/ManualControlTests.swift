import Testing

@testable import Breakwater

@Suite("Manual states")
struct ManualControlTests {
    @Test("forced open rejects every call, whatever the time, with no next admission")
    func forcedOpen() throws {
        let fixture = try Fixture()
        fixture.breaker.forceOpen(reason: "dependency under maintenance")
        fixture.clock.advance(by: .seconds(86_400))
        let error = #expect(throws: CircuitBreakerError.self) { try fixture.breaker.run {} }
        #expect(error?.state == .forcedOpen)
        #expect(error?.nextAdmission == nil)
        #expect(fixture.observer.transitions.last?.reason == .manual("dependency under maintenance"))
    }

    @Test("disabled permits everything and counts nothing")
    func disabled() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 1))
        fixture.breaker.disable()
        fixture.fail(count: 50)
        #expect(fixture.breaker.state == .disabled)
        #expect(fixture.breaker.snapshot().window.calls == 0)
        #expect(fixture.observer.outcomes.isEmpty)
        #expect(fixture.observer.transitions.map(\.to) == [.disabled])
    }

    @Test("metrics-only records and reports every call but never trips")
    func metricsOnly() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 1))
        fixture.breaker.enableMetricsOnly()
        fixture.fail(count: 20)
        try fixture.succeed(count: 5)
        #expect(fixture.breaker.state == .metricsOnly)
        let snapshot = fixture.breaker.snapshot()
        #expect(snapshot.window == WindowCounts(calls: 25, failures: 20, slowCalls: 0))
        #expect(fixture.observer.outcomes.count == 25)
    }

    @Test("the snapshot keeps the last 20 transitions, oldest first, as observers saw them")
    func recentTransitions() throws {
        let fixture = try Fixture()
        #expect(fixture.breaker.snapshot().recentTransitions.isEmpty)
        #expect(fixture.breaker.snapshot().lastTransition == nil)
        for round in 0..<13 {
            fixture.trip()
            fixture.breaker.reset(reason: "round \(round)")
        }
        let snapshot = fixture.breaker.snapshot()
        #expect(fixture.observer.transitions.count == 26)
        #expect(snapshot.recentTransitions == Array(fixture.observer.transitions.suffix(20)))
        #expect(snapshot.recentTransitions.count == CircuitBreakerSnapshot.recentTransitionLimit)
        #expect(snapshot.recentTransitions.first?.to == .open)
        #expect(snapshot.lastTransition?.reason == .manual("round 12"))
    }

    @Test("reset closes the circuit with an empty window, from any state")
    func reset() throws {
        let fixture = try Fixture()
        for state in [CircuitState.open, .forcedOpen, .disabled, .metricsOnly, .closed] {
            switch state {
            case .open: fixture.trip()
            case .forcedOpen: fixture.breaker.forceOpen()
            case .disabled: fixture.breaker.disable()
            case .metricsOnly: fixture.breaker.enableMetricsOnly(); fixture.fail(count: 3)
            default: fixture.fail(count: 2)
            }
            #expect(fixture.breaker.state == state)
            fixture.breaker.reset()
            #expect(fixture.breaker.state == .closed)
            #expect(fixture.breaker.snapshot().window.calls == 0)
            #expect(fixture.breaker.snapshot().consecutiveFailures == 0)
            #expect(fixture.observer.transitions.last == fixture.breaker.snapshot().lastTransition)
            #expect(fixture.observer.transitions.last?.to == .closed)
        }
    }

    @Test("setting the state a circuit is already in is not a transition")
    func sameStateIsNoTransition() throws {
        let fixture = try Fixture()
        fixture.breaker.forceOpen()
        fixture.breaker.forceOpen()
        #expect(fixture.observer.transitions.count == 1)
    }
}
