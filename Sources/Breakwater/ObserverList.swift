/// The observers of a breaker at one moment: immutable, so calls read it without a lock.
///
/// A breaker publishes its current list through ``PublishedObservers``, which calls read without
/// retaining it: reading without retaining is what keeps the call path free of shared reference
/// counting. A replaced list is released once no call can still be reading it. It is
/// `@unchecked Sendable` for ``unretainedBoxes``, memory that it owns and never changes after `init`.
final class ObserverList: @unchecked Sendable {
    let tokens: [ObserverToken]
    let observers: [any CircuitBreakerObserver]
    /// Each observer in a box of its concrete type, so that a call reaches it through one
    /// indirect call, without copying an existential or retaining anything.
    private let boxes: [ObserverBox]
    /// ``boxes`` unretained, in memory this list owns and never changes after `init`: reading an
    /// array would retain its storage, which costs more than calling an observer that does nothing.
    private let unretainedBoxes: UnsafeMutableBufferPointer<Unmanaged<ObserverBox>>

    init(tokens: [ObserverToken], observers: [any CircuitBreakerObserver]) {
        self.tokens = tokens
        self.observers = observers
        boxes = observers.map { ObserverBox.boxing($0) }
        unretainedBoxes = .allocate(capacity: boxes.count)
        _ = unretainedBoxes.initialize(from: boxes.map { Unmanaged.passUnretained($0) })
    }

    deinit {
        unretainedBoxes.deallocate()
    }

    func notify(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        for box in unretainedBoxes {
            box._withUnsafeGuaranteedRef { $0.record(breaker, outcome, duration) }
        }
    }

    func notify(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        for box in unretainedBoxes {
            box._withUnsafeGuaranteedRef { $0.transition(breaker, transition) }
        }
    }

    func notify(_ breaker: CircuitBreaker, didFallBack reason: FallbackReason.Kind) {
        for box in unretainedBoxes {
            box._withUnsafeGuaranteedRef { $0.fallBack(breaker, reason) }
        }
    }

    /// This list with `observer` added under `token`.
    func adding(_ observer: any CircuitBreakerObserver, as token: ObserverToken) -> ObserverList {
        ObserverList(tokens: tokens + [token], observers: observers + [observer])
    }

    /// This list without the observer added under `token`, or `nil` if it has none.
    func removing(_ token: ObserverToken) -> ObserverList? {
        guard let index = tokens.firstIndex(of: token) else { return nil }
        var tokens = tokens
        var observers = observers
        tokens.remove(at: index)
        observers.remove(at: index)
        return ObserverList(tokens: tokens, observers: observers)
    }
}

/// One observer, reached through a class method that its concrete type overrides.
class ObserverBox: @unchecked Sendable {
    /// A box for `observer`, of its concrete type.
    static func boxing(_ observer: some CircuitBreakerObserver) -> ObserverBox {
        TypedObserverBox(observer)
    }

    func record(_ breaker: CircuitBreaker, _ outcome: CallOutcome, _ duration: Duration) {}
    func transition(_ breaker: CircuitBreaker, _ transition: StateTransition) {}
    func fallBack(_ breaker: CircuitBreaker, _ reason: FallbackReason.Kind) {}
}

private final class TypedObserverBox<Observer: CircuitBreakerObserver>: ObserverBox, @unchecked Sendable {
    private let observer: Observer

    init(_ observer: Observer) {
        self.observer = observer
    }

    override func record(_ breaker: CircuitBreaker, _ outcome: CallOutcome, _ duration: Duration) {
        observer.circuitBreaker(breaker, didRecord: outcome, duration: duration)
    }

    override func transition(_ breaker: CircuitBreaker, _ transition: StateTransition) {
        observer.circuitBreaker(breaker, didTransition: transition)
    }

    override func fallBack(_ breaker: CircuitBreaker, _ reason: FallbackReason.Kind) {
        observer.circuitBreaker(breaker, didFallBack: reason)
    }
}
