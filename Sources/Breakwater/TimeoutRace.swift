import Synchronization

/// Races an operation against a timer on a ``BreakerClock``; whichever finishes first wins.
///
/// The operation runs in its own task so that the caller can return at the timeout even when the
/// operation ignores cancellation; it is cancelled then, and its late result is dropped.
final class TimeoutRace<T: Sendable>: Sendable {
    private enum State {
        case running
        case waiting(CheckedContinuation<T?, any Error>)
        case finished(Result<T?, any Error>)
        case delivered
    }

    private let state = Guarded<State>(.running)

    /// Returns the operation's result, `nil` if `timeout` passed first, or throws its error.
    static func run(
        _ operation: @escaping @Sendable () async throws -> T,
        timeout: Duration,
        clock: any BreakerClock
    ) async throws -> T? {
        let race = TimeoutRace()
        let work = Task {
            do {
                race.finish(.success(try await operation()))
            } catch {
                race.finish(.failure(error))
            }
        }
        let timer = Task {
            guard (try? await clock.sleep(for: timeout)) != nil else { return }
            race.finish(.success(nil))
        }
        defer {
            work.cancel()
            timer.cancel()
        }
        return try await withTaskCancellationHandler {
            try await race.result()
        } onCancel: {
            work.cancel()
            timer.cancel()
        }
    }

    private func finish(_ result: Result<T?, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<T?, any Error>? in
            switch state {
            case .running:
                state = .finished(result)
                return nil
            case .waiting(let continuation):
                state = .delivered
                return continuation
            case .finished, .delivered:
                return nil
            }
        }
        waiter?.resume(with: result)
    }

    private func result() async throws -> T? {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<T?, any Error>? in
                guard case .finished(let result) = state else {
                    state = .waiting(continuation)
                    return nil
                }
                state = .delivered
                return result
            }
            if let ready {
                continuation.resume(with: ready)
            }
        }
    }
}
