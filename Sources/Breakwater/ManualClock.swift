import Synchronization

/// A ``BreakerClock`` that moves only when told to: virtual time for tests.
///
/// ```swift
/// let clock = ManualClock()
/// let breaker = try CircuitBreaker(name: "payments", clock: clock)
/// clock.advance(by: .seconds(60))   // the open duration passes at once
/// ```
public final class ManualClock: BreakerClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: BreakerInstant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: BreakerInstant
        var unixTime: Double
        var nextSleeperID: UInt64 = 0
        var sleepers: [Sleeper] = []
    }

    private let state: Guarded<State>

    /// Creates a clock that starts at `start`, which is `unixTime` seconds after the Unix epoch.
    public init(start: BreakerInstant = BreakerInstant(nanoseconds: 0), unixTime: Double = 1_700_000_000) {
        state = Guarded(State(now: start, unixTime: unixTime))
    }

    public var now: BreakerInstant {
        state.withLock { $0.now }
    }

    public var unixTime: Double {
        state.withLock { $0.unixTime }
    }

    /// The number of tasks suspended in ``sleep(until:)``.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// Moves time forward by `duration` and resumes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            state.unixTime += duration.seconds
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due {
            sleeper.continuation.resume()
        }
    }

    public func sleep(until deadline: BreakerInstant) async throws {
        let id = state.withLock { state in
            defer { state.nextSleeperID += 1 }
            return state.nextSleeperID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.now >= deadline { return true }
                    if Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow {
                    continuation.resume()
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
