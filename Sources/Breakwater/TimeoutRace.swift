/// Races an operation against a timer on a ``BreakerClock`` and against the caller's
/// cancellation; whichever ends first decides.
///
/// The timer is a child task of the caller. The operation runs in a task of its own, which
/// inherits the caller's priority and task-local values, because a caller must get its answer at
/// the timeout or at its cancellation even when the operation ignores cancellation: a child task
/// would hold its group open until the operation returned. The operation's task is cancelled as
/// soon as the race is decided, and its late result is dropped.
final class TimeoutRace<T: Sendable>: Sendable {
    /// How the race ended.
    enum End {
        case returned(T)
        case threw(any Error)
        case timedOut
        case cancelled
    }

    private enum State {
        case running
        case waiting(CheckedContinuation<End, Never>)
        case finished(End)
        case delivered
    }

    private let state = Guarded<State>(.running)

    /// Runs `operation` until it ends, `timeout` passes or the calling task is cancelled.
    static func run(
        _ operation: @escaping @Sendable () async throws -> T,
        timeout: Duration,
        clock: any BreakerClock
    ) async -> End {
        let race = TimeoutRace()
        let work = Task {
            do {
                race.finish(.returned(try await operation()))
            } catch {
                race.finish(.threw(error))
            }
        }
        defer { work.cancel() }
        return await withTaskGroup(of: Void.self) { timer in
            timer.addTask {
                guard (try? await clock.sleep(for: timeout)) != nil else { return }
                race.finish(.timedOut)
            }
            defer { timer.cancelAll() }
            return await withTaskCancellationHandler {
                await race.end()
            } onCancel: {
                race.finish(.cancelled)
            }
        }
    }

    /// Settles the race with `end`, unless it is settled already.
    private func finish(_ end: End) {
        let waiter = state.withLock { state -> CheckedContinuation<End, Never>? in
            switch state {
            case .running:
                state = .finished(end)
                return nil
            case .waiting(let continuation):
                state = .delivered
                return continuation
            case .finished, .delivered:
                return nil
            }
        }
        waiter?.resume(returning: end)
    }

    private func end() async -> End {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> End? in
                guard case .finished(let end) = state else {
                    state = .waiting(continuation)
                    return nil
                }
                state = .delivered
                return end
            }
            if let ready {
                continuation.resume(returning: ready)
            }
        }
    }
}
