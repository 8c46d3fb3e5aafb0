import Breakwater
import Logging
import Testing

@testable import BreakwaterHTTP

@Suite struct CircuitStatusTests {
    /// A logger that drops everything, so transitions do not fill the test output.
    static let silentLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    let clock = ManualClock()

    /// Records `failures` failed and then `successes` successful calls on `breaker`.
    func record(failures: Int, successes: Int, on breaker: CircuitBreaker) throws {
        for completion in Array(repeating: CallCompletion.failure, count: failures)
            + Array(repeating: .success, count: successes) {
            breaker.record(completion, for: try breaker.acquirePermission())
        }
    }

    /// A breaker on ``clock`` that opens at a failure rate of `failureRateThreshold` over 4 calls.
    func breaker(_ name: String = "payments", failureRateThreshold: Double? = 0.5) throws -> CircuitBreaker {
        try CircuitBreaker(
            name: name,
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: failureRateThreshold, slidingWindow: .countBased(size: 4),
                minimumNumberOfCalls: 4),
            clock: clock, logger: Self.silentLogger)
    }

    @Test func carriesTheSnapshotBesideTheThresholds() throws {
        let payments = try breaker()
        try record(failures: 2, successes: 2, on: payments)

        let status = CircuitStatus(payments, now: clock.unixTime)

        #expect(status.name == "payments")
        #expect(status.state == .open)
        #expect(status.failureRate == 0.5)
        #expect(status.slowCallRate == 0)
        #expect(status.failureRateThreshold == 0.5)
        #expect(status.slowCallRateThreshold == nil)
        #expect(status.window == WindowCounts(calls: 4, failures: 2, slowCalls: 0))
        #expect(status.lastTransitionReason == "failure rate 0.5 reached its threshold")
    }

    @Test func ratesAreNilUntilTheWindowHoldsTheMinimumNumberOfCalls() throws {
        let payments = try breaker()
        try record(failures: 1, successes: 1, on: payments)

        let status = CircuitStatus(payments, now: clock.unixTime)

        #expect(status.failureRate == nil)
        #expect(status.slowCallRate == nil)
        #expect(status.window.calls == 2)
    }

    @Test func secondsInStateCountFromTheLastTransition() throws {
        let payments = try breaker()
        clock.advance(by: .seconds(100))
        try record(failures: 4, successes: 0, on: payments)
        clock.advance(by: .milliseconds(12_500))

        #expect(CircuitStatus(payments, now: clock.unixTime).secondsInState == 12.5)
    }

    @Test func secondsInStateAreNeverNegative() throws {
        let payments = try breaker()

        #expect(CircuitStatus(payments, now: clock.unixTime - 30).secondsInState == 0)
    }

    @Test func aCircuitThatNeverChangedStateHasNoTransitionReason() throws {
        let status = CircuitStatus(try breaker(), now: clock.unixTime)

        #expect(status.state == .closed)
        #expect(status.lastTransitionReason == nil)
    }

    @Test func aManualTransitionGivesItsReason() throws {
        let payments = try breaker()
        payments.forceOpen(reason: "maintenance")

        #expect(CircuitStatus(payments, now: clock.unixTime).lastTransitionReason == "set by hand: maintenance")
    }

    @Test func timeInStateIsMeasuredOnTheBreakersOwnClock() throws {
        let payments = try breaker()
        try record(failures: 4, successes: 0, on: payments)
        clock.advance(by: .seconds(30))

        #expect(CircuitStatus(payments).secondsInState == 30)
    }

    @Test func allSortsCircuitsOfOneStateByTheBytesOfTheirNamesBesideDigits() throws {
        let registry = try CircuitBreakerRegistry(clock: clock, logger: Self.silentLogger)
        // By bytes, "Z" < "a" and a decomposed "e\u{301}x" (65 CC 81 78) < "é" (C3 A9), while
        // `String` comparison, which normalises, puts "é" first.
        for name in ["é", "a", "e\u{301}x", "Z"] {
            _ = try registry.breaker(named: name)
        }

        let names = CircuitStatus.all(in: registry).map(\.name)

        #expect(names.map { Array($0.utf8) } == ["Z", "a", "e\u{301}x", "é"].map { Array($0.utf8) })
    }

    @Test func noRegistryMeansNoCircuits() {
        #expect(CircuitStatus.all(in: nil).isEmpty)
    }
}
