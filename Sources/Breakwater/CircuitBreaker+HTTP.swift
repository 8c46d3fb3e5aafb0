/// Sending an HTTP request through the breaker: what the outbound integrations share, whatever
/// their client's request and response types.
extension CircuitBreaker {
    /// Sends a request with `send` when the breaker admits it, records how it ended and returns
    /// the response unchanged, whatever its status.
    ///
    /// A response is recorded as `classification` says of its status. A thrown error is rethrown
    /// unchanged and recorded as ``CircuitBreakerConfiguration/isFailure`` judges its
    /// `underlyingError`, except in two cases where it is ignored: the calling task was cancelled
    /// (a client may then throw an error of its own, or its last connection error, rather than
    /// `CancellationError`), or another breaker further down rejected the request, which then
    /// never reached the dependency.
    ///
    /// - Parameter underlyingError: the error a client's own wrapper carries, such as an OpenAPI
    ///   `ClientError`'s, so that ``CircuitBreakerConfiguration/isFailure`` judges the cause.
    /// - Throws: ``RequestRejectedError`` when the breaker rejects the request, which is then not
    ///   sent; or the error `send` threw.
    package func send<Response>(
        classifiedBy classification: HTTPResponseClassification,
        status: (Response) -> Int,
        underlyingError: (any Error) -> any Error = { $0 },
        _ send: () async throws -> Response
    ) async throws -> Response {
        let permission: CircuitBreakerPermission
        do {
            permission = try acquirePermission()
        } catch {
            throw RequestRejectedError(error)
        }
        let response: Response
        do {
            response = try await send()
        } catch {
            let cause = underlyingError(error)
            if Task.isCancelled || cause is RequestRejectedError {
                record(.ignored, for: permission)
            } else {
                record(error: cause, for: permission)
            }
            throw error
        }
        record(classification.completion(forStatus: status(response)), for: permission)
        return response
    }
}
