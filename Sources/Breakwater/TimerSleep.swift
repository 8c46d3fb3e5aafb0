import Dispatch

/// A sleep on a Dispatch timer that is gone as soon as the sleeping task is cancelled.
///
/// `Task.sleep` on Linux leaves a cancelled sleep's timer pending until its deadline: a timed call
/// whose operation returns at once still holds about a kilobyte until its timeout passes, so a
/// service making 10,000 timed calls a second with a 60-second timeout would hold 600 MB of
/// cancelled timers. This timer is cancelled, and released, with the task.
final class TimerSleep: Sendable {
    private enum Outcome {
        case fired
        case cancelled
    }

    private struct State {
        var continuation: CheckedContinuation<Void, any Error>?
        var timer: Timer?
        var outcome: Outcome?
    }

    /// A Dispatch timer: Dispatch sources are safe to use from any thread; the type only lacks the
    /// annotation.
    private struct Timer: @unchecked Sendable {
        let source: any DispatchSourceTimer
    }

    private let state = Guarded(State())

    /// Sleeps for `duration`, or throws `CancellationError` as soon as the task is cancelled.
    static func sleep(for duration: Duration) async throws {
        let sleep = TimerSleep()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                sleep.start(continuation, after: duration)
            }
        } onCancel: {
            sleep.end(.cancelled)
        }
    }

    /// Arms the timer (a Dispatch source must be active before it is released), then waits for it,
    /// unless the sleep already ended: cancelled before it began, or fired before it was stored.
    private func start(_ continuation: CheckedContinuation<Void, any Error>, after duration: Duration) {
        let source = DispatchSource.makeTimerSource(queue: .global())
        source.schedule(deadline: .now() + .nanoseconds(Int(duration.nanoseconds)))
        source.setEventHandler { [self] in end(.fired) }
        source.activate()
        let ended = state.withLock { state -> Outcome? in
            guard state.outcome == nil else { return state.outcome }
            state.continuation = continuation
            state.timer = Timer(source: source)
            return nil
        }
        if let ended {
            source.cancel()
            Self.resume(continuation, ended)
        }
    }

    /// Ends the sleep the first time it is called, and resumes the sleeper once it waits.
    private func end(_ outcome: Outcome) {
        let (continuation, timer, ended) = state.withLock { state in
            if state.outcome == nil {
                state.outcome = outcome
            }
            defer {
                state.continuation = nil
                state.timer = nil
            }
            return (state.continuation, state.timer, state.outcome ?? outcome)
        }
        timer?.source.cancel()
        if let continuation {
            Self.resume(continuation, ended)
        }
    }

    private static func resume(_ continuation: CheckedContinuation<Void, any Error>, _ outcome: Outcome) {
        switch outcome {
        case .fired: continuation.resume()
        case .cancelled: continuation.resume(throwing: CancellationError())
        }
    }
}
