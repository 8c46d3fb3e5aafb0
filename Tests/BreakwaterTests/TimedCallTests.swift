import Testing

@testable import Breakwater

/// An operation that ignores cancellation: every run of it returns only when the test lets it.
final class StubbornOperation: Sendable {
    private let state = Guarded<(started: Bool, waiters: [CheckedContinuation<Void, Never>], released: Bool)>(
        (false, [], false))

    /// Waits, cancelled or not, until ``release()``.
    func run() async -> Int {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                state.started = true
                guard !state.released else { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return 1
    }

    var started: Bool { state.withLock { $0.started } }

    func release() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.released = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// `run(timeout:)`: every admitted call recorded exactly once, and a caller that gets its answer at
/// the timeout or at its cancellation whatever the operation does.
@Suite(.timeLimit(.minutes(1)))
struct TimedCallTests {
    @Test("an operation that throws a timeout error of another breaker of the same name is recorded, and the probe slot comes back")
    func foreignTimeoutErrorIsRecorded() async throws {
        let fixture = try Fixture.halfOpenWithOneProbe()
        let foreign = CircuitBreakerTimeoutError(circuit: "dependency", timeout: .seconds(1))
        let thrown = await #expect(throws: CircuitBreakerTimeoutError.self) {
            try await fixture.breaker.run(timeout: .seconds(2)) { () async throws -> Int in throw foreign }
        }
        #expect(thrown == foreign)
        #expect(fixture.observer.outcomes.last == .failure)
        #expect(fixture.breaker.state == .open, "the failed probe opens the circuit again")
        fixture.clock.advance(by: .seconds(30))
        let value = try await fixture.breaker.run(timeout: .seconds(2)) { 5 }
        #expect(value == 5)
        #expect(fixture.breaker.state == .closed)
    }

    @Test("the fallback tells the operation's own breaker errors apart from this breaker's")
    func fallbackClassifiesByWhatHappened() async throws {
        let fixture = try Fixture(.oneProbe)
        let reason = await fixture.breaker.run(
            timeout: .seconds(2),
            { () async throws -> String in
                throw CircuitBreakerError(circuit: "dependency", state: .open, nextAdmission: nil)
            },
            fallback: { reason in
                if case .failed(let error as CircuitBreakerError) = reason { return "failed with \(error.state)" }
                return "\(reason)"
            })
        #expect(reason == "failed with open")
        #expect(fixture.observer.outcomes == [.failure])
    }

    @Test("a cancelled caller gets CancellationError at once, the call is ignored and the probe's permit comes back")
    func cancellingTheCallerReturnsPromptly() async throws {
        let fixture = try Fixture.halfOpenWithOneProbe()
        let operation = StubbornOperation()
        let caller = Task { try await fixture.breaker.run(timeout: .seconds(2)) { await operation.run() } }
        while !operation.started { await Task.yield() }
        caller.cancel()
        // The manual clock never reaches the timeout: only the cancellation can end the call.
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(fixture.observer.outcomes.last == .ignored)
        #expect(fixture.breaker.state == .halfOpen)
        #expect(!fixture.isRejected(), "the probe's permit was given back")
        operation.release()
    }

    @Test("a caller whose operation ignores cancellation returns at its timeout")
    func stubbornOperationTimesOut() async throws {
        let fixture = try Fixture.halfOpenWithOneProbe()
        let operation = StubbornOperation()
        let caller = Task { try await fixture.breaker.run(timeout: .seconds(2)) { await operation.run() } }
        while !operation.started || fixture.clock.sleeperCount < 1 { await Task.yield() }
        fixture.clock.advance(by: .seconds(2))
        await #expect(throws: CircuitBreakerTimeoutError.self) { try await caller.value }
        #expect(fixture.observer.outcomes.last == .timeout)
        #expect(fixture.breaker.state == .open)
        operation.release()
        // The operation's late result is dropped: nothing more is recorded.
        try await Task.sleep(for: .milliseconds(10))
        #expect(fixture.observer.outcomes.last == .timeout)
    }

    @Test("a caller cancelled before the call is not admitted and runs nothing")
    func cancelledBeforeTheCall() async throws {
        let fixture = try Fixture.halfOpenWithOneProbe()
        let operation = StubbornOperation()
        operation.release()
        let caller = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await fixture.breaker.run(timeout: .seconds(2)) { await operation.run() }
        }
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(!operation.started)
        #expect(fixture.observer.outcomes == [.failure], "only the call that tripped the circuit")
        #expect(!fixture.isRejected())
    }

    @Test("callers cancelled while their stubborn probes run, round after round, never leave half-open wedged")
    func cancelledProbesUnderContention() async throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(30)), permittedCallsInHalfOpen: 3))
        for _ in 0..<50 {
            fixture.trip()
            fixture.clock.advance(by: .seconds(30))
            let operation = StubbornOperation()
            let callers = (0..<8).map { _ in
                Task { try await fixture.breaker.run(timeout: .seconds(5)) { await operation.run() } }
            }
            while fixture.breaker.snapshot().probesAdmitted < 3 { await Task.yield() }
            for caller in callers { caller.cancel() }
            for caller in callers {
                let result = await caller.result
                #expect(throws: (any Error).self) { try result.get() }
            }
            #expect(fixture.breaker.state == .halfOpen)
            #expect(fixture.breaker.snapshot().probesAdmitted == 0, "every cancelled probe gave its permit back")
            operation.release()
            try fixture.succeed(count: 3)
            #expect(fixture.breaker.state == .closed)
        }
        let counts = Dictionary(grouping: fixture.observer.outcomes, by: { $0 }).mapValues(\.count)
        #expect(counts[.ignored] == 150)
        #expect(counts[.rejected, default: 0] <= 250, "callers cancelled before their call are not even rejected")
        #expect(counts[.timeout] == nil)
    }
}
