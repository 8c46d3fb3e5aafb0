import Testing

@testable import Breakwater

@Suite("Open duration and backoff")
struct OpenDurationTests {
    private func openWaits(_ openDuration: OpenDuration, opens: Int) throws -> [Duration] {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(consecutiveFailureThreshold: 1, openDuration: openDuration, permittedCallsInHalfOpen: 1))
        var waits: [Duration] = []
        fixture.trip()
        for _ in 0..<opens {
            let snapshot = fixture.breaker.snapshot()
            let wait = fixture.clock.now.duration(to: try #require(snapshot.nextAdmission))
            waits.append(wait)
            fixture.clock.advance(by: wait)
            fixture.fail()
        }
        return waits
    }

    @Test("a fixed open duration is the same every time")
    func fixed() throws {
        #expect(try openWaits(.fixed(.seconds(7)), opens: 3) == [.seconds(7), .seconds(7), .seconds(7)])
    }

    @Test("exponential backoff grows with consecutive re-opens up to its maximum")
    func exponential() throws {
        let waits = try openWaits(.exponential(initial: .seconds(1), multiplier: 2, maximum: .seconds(10)), opens: 6)
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test("backoff starts again from the initial wait once the circuit closes")
    func backoffResetsOnClose() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1, openDuration: .exponential(initial: .seconds(1), maximum: .seconds(60)),
                permittedCallsInHalfOpen: 1))
        fixture.trip()
        fixture.clock.advance(by: .seconds(1))
        fixture.fail()
        fixture.clock.advance(by: .seconds(2))
        try fixture.succeed()
        #expect(fixture.breaker.state == .closed)
        fixture.trip()
        let wait = fixture.clock.now.duration(to: try #require(fixture.breaker.snapshot().nextAdmission))
        #expect(wait == .seconds(1))
    }

    @Test("jitter spreads the wait within its bounds")
    func jitter() {
        let backoff = OpenDuration.exponential(initial: .seconds(10), maximum: .seconds(100), jitter: 0.5)
        let waits = (0..<500).map { _ in backoff.wait(afterOpens: 1) }
        #expect(waits.allSatisfy { $0 >= .seconds(5) && $0 <= .seconds(15) })
        #expect(Set(waits).count > 100, "the waits differ")
        #expect(waits.contains { $0 < .seconds(9) } && waits.contains { $0 > .seconds(11) })
    }

    @Test("a huge maximum does not overflow")
    func hugeMaximum() {
        let backoff = OpenDuration.exponential(initial: .seconds(1), multiplier: 1000, maximum: .seconds(Int64.max))
        #expect(backoff.wait(afterOpens: 100) > .seconds(1_000_000))
    }
}
