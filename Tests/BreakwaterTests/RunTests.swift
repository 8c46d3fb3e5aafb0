import Testing

@testable import Breakwater

@Suite("Calling through a breaker")
struct RunTests {
    @Test("the result comes back, and the operation's own error comes back unchanged")
    func resultsAndErrors() async throws {
        let fixture = try Fixture()
        #expect(try fixture.breaker.run { 42 } == 42)
        #expect(try await fixture.breaker.run { await Task.yield(); return "async" } == "async")
        let error = #expect(throws: DependencyError.self) {
            try fixture.breaker.run { () throws(DependencyError) -> Int in throw DependencyError(code: 7) }
        }
        #expect(error == DependencyError(code: 7))
        let asyncError = await #expect(throws: DependencyError.self) {
            try await fixture.breaker.run { () async throws -> Int in throw DependencyError(code: 8) }
        }
        #expect(asyncError == DependencyError(code: 8))
        #expect(fixture.observer.outcomes == [.success, .success, .failure, .failure])
    }

    @Test("durations are measured on the breaker's clock")
    func durations() throws {
        let fixture = try Fixture()
        try fixture.breaker.run { fixture.clock.advance(by: .milliseconds(250)) }
        #expect(fixture.observer.durations == [.milliseconds(250)])
    }

    @Test("a call that exceeds its timeout fails with a timeout error and counts as a failure")
    func timeout() async throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 1))
        let call = await fixture.timingOut(by: .seconds(2)) {
            try await fixture.breaker.run(timeout: .seconds(2)) {
                try await fixture.clock.sleep(until: BreakerInstant(nanoseconds: .max))
                return 1
            }
        }
        let error = await #expect(throws: CircuitBreakerTimeoutError.self) { try await call.value }
        #expect(error?.timeout == .seconds(2))
        #expect(error?.circuit == "dependency")
        #expect(fixture.observer.outcomes == [.timeout])
        #expect(fixture.observer.durations == [.seconds(2)])
        #expect(fixture.breaker.state == .open)
    }

    @Test("a call that finishes within its timeout returns its result")
    func withinTimeout() async throws {
        let fixture = try Fixture()
        let value = try await fixture.breaker.run(timeout: .seconds(5)) { 7 }
        #expect(value == 7)
        #expect(fixture.observer.outcomes == [.success])
    }

    @Test("a cancelled caller is not a sick dependency")
    func cancellationIsIgnored() async throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 1))
        let task = Task {
            try await fixture.breaker.run {
                try await fixture.clock.sleep(until: BreakerInstant(nanoseconds: .max))
            }
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(fixture.observer.outcomes == [.ignored])
        #expect(fixture.breaker.state == .closed)
    }

    @Test("the fallback learns why: rejected, failed or timed out")
    func fallback() async throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 2))
        @Sendable func reason(_ reason: FallbackReason) -> String {
            switch reason {
            case .rejected(let error): "rejected \(error.state)"
            case .failed(let error): "failed \(error)"
            case .timedOut(let error): "timed out after \(error.timeout)"
            }
        }
        #expect(fixture.breaker.run({ "live" }, fallback: reason) == "live")
        #expect(fixture.breaker.run({ throw DependencyError(code: 1) }, fallback: reason) == "failed DependencyError(code: 1)")
        let timedOut = await fixture.timingOut(by: .milliseconds(1)) {
            await fixture.breaker.run(
                timeout: .milliseconds(1),
                { try await fixture.clock.sleep(until: BreakerInstant(nanoseconds: .max)); return "late" },
                fallback: { reason($0) })
        }
        #expect(try await timedOut.value == "timed out after 0.001 seconds")
        #expect(fixture.breaker.state == .open)
        let rejected = await fixture.breaker.run({ () async in "live" }, fallback: { reason($0) })
        #expect(rejected == "rejected open")
    }

    @Test("a wrapped function calls through the breaker every time")
    func wrap() async throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 3))
        let double = fixture.breaker.wrap { (value: Int) async throws -> Int in
            guard value >= 0 else { throw DependencyError() }
            return value * 2
        }
        #expect(try await double(21) == 42)
        for _ in 0..<3 {
            await #expect(throws: DependencyError.self) { try await double(-1) }
        }
        await #expect(throws: CircuitBreakerError.self) { try await double(1) }
        let square = fixture.breaker.wrap { (value: Int) throws -> Int in value * value }
        #expect(throws: CircuitBreakerError.self) { try square(3) }
    }

    @Test("the two-step API records the reported outcome and duration")
    func twoStep() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 2))
        let first = try fixture.breaker.acquirePermission()
        fixture.clock.advance(by: .milliseconds(40))
        fixture.breaker.record(.success, for: first)
        let second = try fixture.breaker.acquirePermission()
        fixture.breaker.record(.failure, for: second, duration: .milliseconds(900))
        let third = try fixture.breaker.acquirePermission()
        fixture.breaker.record(error: DependencyError(), for: third)
        #expect(fixture.observer.outcomes == [.success, .failure, .failure])
        #expect(fixture.observer.durations.prefix(2) == [.milliseconds(40), .milliseconds(900)])
        #expect(fixture.breaker.state == .open)
        #expect(throws: CircuitBreakerError.self) { try fixture.breaker.acquirePermission() }
    }
}
