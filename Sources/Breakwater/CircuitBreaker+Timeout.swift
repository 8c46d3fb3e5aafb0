/// Calling through the breaker with a timeout.
///
/// A timed call returns to its caller no later than its timeout, whatever the operation does, and
/// promptly when the calling task is cancelled. Every admitted call is recorded exactly once: with
/// the operation's outcome, as ``CallOutcome/timeout`` at the timeout, or as
/// ``CallOutcome/ignored`` when the caller is cancelled, which gives a half-open probe's permit back.
extension CircuitBreaker {
    /// Runs `operation` through the breaker and gives up on it after `timeout`.
    ///
    /// A call that times out is recorded with the ``CallOutcome/timeout`` outcome, which counts as
    /// a failure, and the operation's task is cancelled. The caller gets
    /// ``CircuitBreakerTimeoutError`` at once, without waiting for the operation to notice. When
    /// the calling task is cancelled, the caller gets `CancellationError` at once and the call is
    /// recorded as ignored; a caller cancelled before the call is not admitted at all.
    ///
    /// The operation runs in a task of its own (so that the caller can leave without it), which
    /// inherits the caller's priority and task-local values.
    ///
    /// - Throws: ``CircuitBreakerError``, ``CircuitBreakerTimeoutError``, `CancellationError`, or
    ///   the operation's own error.
    public func run<T: Sendable>(
        timeout: Duration,
        failureWhen isFailureResult: (T) -> Bool = { _ in false },
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        switch await call(timeout: timeout, failureWhen: isFailureResult, operation) {
        case .returned(let value): return value
        case .rejected(let error): throw boxed(error)
        case .timedOut(let error): throw error
        case .threw(let error): throw error
        }
    }

    /// Runs `operation` through the breaker with a `timeout`, or returns what `fallback` makes of
    /// the reason it could not: a rejection, a timeout or the operation's error (a cancelled
    /// caller's is `CancellationError`).
    public func run<T: Sendable, F: Error>(
        timeout: Duration,
        _ operation: @escaping @Sendable () async throws -> T,
        fallback: (FallbackReason) async throws(F) -> T
    ) async throws(F) -> T {
        let reason: FallbackReason
        switch await call(timeout: timeout, failureWhen: { _ in false }, operation) {
        case .returned(let value): return value
        case .rejected(let error): reason = .rejected(error)
        case .timedOut(let error): reason = .timedOut(error)
        case .threw(let error): reason = .failed(error)
        }
        tellFallback(reason.kind)
        return try await fallback(reason)
    }

    /// How a timed call ended, told apart by how it ended rather than by the error's type: an
    /// operation may itself throw another breaker's ``CircuitBreakerError`` or
    /// ``CircuitBreakerTimeoutError``, even one of the same name.
    private enum TimedCallEnd<T> {
        case returned(T)
        case rejected(CircuitBreakerError)
        case timedOut(CircuitBreakerTimeoutError)
        case threw(any Error)
    }

    private func call<T: Sendable>(
        timeout: Duration,
        failureWhen isFailureResult: (T) -> Bool,
        _ operation: @escaping @Sendable () async throws -> T
    ) async -> TimedCallEnd<T> {
        guard !Task.isCancelled else { return .threw(CancellationError()) }
        let permission: CircuitBreakerPermission
        switch admit() {
        case .admitted(let admitted): permission = admitted
        case .rejected(let error): return .rejected(error)
        }
        switch await TimeoutRace.run(operation, timeout: timeout, clock: clock) {
        case .returned(let value):
            complete(permission, isFailureResult(value) ? .failure : .success)
            return .returned(value)
        case .threw(let error):
            complete(permission, error: error)
            return .threw(error)
        case .timedOut:
            complete(permission, .timeout)
            return .timedOut(CircuitBreakerTimeoutError(circuit: name, timeout: timeout))
        case .cancelled:
            complete(permission, .ignored)
            return .threw(CancellationError())
        }
    }
}
