import Synchronization

/// Events as an `AsyncSequence`, for applications that would rather iterate than implement
/// ``CircuitBreakerObserver``.
extension CircuitBreaker {
    /// A stream of every later call outcome and transition of this breaker.
    ///
    /// The stream keeps the newest `bufferSize` events when its reader falls behind, so a slow
    /// reader never slows callers. It ends when iteration is cancelled, when the stream is dropped,
    /// or when the breaker is freed (after it is removed from its registry, for example).
    ///
    /// ```swift
    /// for await case .transition(let circuit, let transition) in breaker.events() {
    ///     logger.notice("\(circuit): \(transition)")
    /// }
    /// ```
    public func events(bufferSize: Int = 1024) -> AsyncStream<CircuitBreakerEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: CircuitBreakerEvent.self, bufferingPolicy: .bufferingNewest(max(1, bufferSize)))
        let streams = eventStreams()
        let id = streams.add(continuation)
        continuation.onTermination = { [weak streams] _ in
            streams?.remove(id)
        }
        return stream
    }
}

/// The open event streams of one breaker, behind one observer added with the first stream:
/// opening and closing streams never changes the breaker's observer list.
final class EventStreams: CircuitBreakerObserver {
    private struct State {
        var continuations: [UInt64: AsyncStream<CircuitBreakerEvent>.Continuation] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Guarded(State())
    /// Whether any stream is open, so that events cost one atomic load while none is.
    private let open = Atomic<Bool>(false)

    /// Freed with its breaker: every stream still open ends.
    deinit {
        for continuation in state.withLock({ $0.continuations.values }) {
            continuation.finish()
        }
    }

    func add(_ continuation: AsyncStream<CircuitBreakerEvent>.Continuation) -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            state.continuations[state.nextID] = continuation
            open.store(true, ordering: .releasing)
            return state.nextID
        }
    }

    func remove(_ id: UInt64) {
        state.withLock { state in
            state.continuations[id] = nil
            open.store(!state.continuations.isEmpty, ordering: .releasing)
        }
    }

    /// How many streams are open.
    var count: Int {
        state.withLock { $0.continuations.count }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        yield(.call(circuit: breaker.name, outcome: outcome, duration: duration))
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        yield(.transition(circuit: breaker.name, transition))
    }

    private func yield(_ event: CircuitBreakerEvent) {
        guard open.load(ordering: .acquiring) else { return }
        for continuation in state.withLock({ Array($0.continuations.values) }) {
            continuation.yield(event)
        }
    }
}
