/// Events as an `AsyncSequence`, for applications that would rather iterate than implement
/// ``CircuitBreakerObserver``.
extension CircuitBreaker {
    /// A stream of every later call outcome and transition of this breaker.
    ///
    /// The stream keeps the newest `bufferSize` events when its reader falls behind, so a slow
    /// reader never slows callers. It ends when iteration is cancelled or the stream is dropped.
    ///
    /// ```swift
    /// for await case .transition(let circuit, let transition) in breaker.events() {
    ///     print(circuit, transition)
    /// }
    /// ```
    public func events(bufferSize: Int = 1024) -> AsyncStream<CircuitBreakerEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: CircuitBreakerEvent.self, bufferingPolicy: .bufferingNewest(max(1, bufferSize)))
        let token = addObserver(EventStreamObserver(continuation: continuation))
        continuation.onTermination = { [weak self] _ in
            self?.removeObserver(token)
        }
        return stream
    }
}

private struct EventStreamObserver: CircuitBreakerObserver {
    let continuation: AsyncStream<CircuitBreakerEvent>.Continuation

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        continuation.yield(.call(circuit: breaker.name, outcome: outcome, duration: duration))
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        continuation.yield(.transition(circuit: breaker.name, transition))
    }
}
