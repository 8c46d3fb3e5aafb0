/// Calling an operation through the breaker.
///
/// Each `run` admits the call or throws ``CircuitBreakerError``, runs the operation, records its
/// outcome and duration, and returns its result or rethrows its error unchanged.
extension CircuitBreaker {
    /// Runs `operation` through the breaker.
    ///
    /// - Parameters:
    ///   - isFailureResult: counts a returned value as a failure, such as an HTTP 503 that did not
    ///     throw; the value is still returned.
    ///   - operation: the call to protect.
    /// - Throws: ``CircuitBreakerError`` when the circuit rejects the call, or the operation's own
    ///   error.
    @inlinable
    public func run<T, E: Error>(
        failureWhen isFailureResult: (T) -> Bool = { _ in false },
        _ operation: () throws(E) -> T
    ) throws -> T {
        let permission = try admitOrThrow()
        let result: T
        do {
            result = try operation()
        } catch {
            let boxed = existential(error)
            complete(permission, error: boxed)
            throw boxed
        }
        complete(permission, isFailureResult(result) ? .failure : .success)
        return result
    }

    /// Runs an asynchronous `operation` through the breaker.
    ///
    /// - Parameters:
    ///   - isFailureResult: counts a returned value as a failure; the value is still returned.
    ///   - operation: the call to protect.
    /// - Throws: ``CircuitBreakerError`` when the circuit rejects the call, or the operation's own
    ///   error.
    @inlinable
    public func run<T, E: Error>(
        failureWhen isFailureResult: (T) -> Bool = { _ in false },
        _ operation: () async throws(E) -> T
    ) async throws -> T {
        let permission = try admitOrThrow()
        let result: T
        do {
            result = try await operation()
        } catch {
            let boxed = existential(error)
            complete(permission, error: boxed)
            throw boxed
        }
        complete(permission, isFailureResult(result) ? .failure : .success)
        return result
    }
}

/// `error` as an `any Error`, without boxing it again when it already is one: an operation that
/// throws untyped errors hands over an `any Error`, and boxing that would allocate on every failure.
@inlinable
func existential<E: Error>(_ error: E) -> any Error {
    if E.self == (any Error).self {
        return unsafeBitCast(error, to: (any Error).self)
    }
    return error
}
