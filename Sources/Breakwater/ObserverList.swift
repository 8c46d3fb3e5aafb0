/// The observers of a breaker at one moment: immutable, so calls read it without a lock.
///
/// A breaker publishes its current list through an atomic pointer and keeps every list it ever
/// published alive until it is freed: a call that loaded the pointer just before a change may
/// still be reading the old list, and reading without retaining is what keeps the call path free
/// of shared reference counting. Adding and removing observers is setup work; each change keeps
/// one small array.
final class ObserverList: Sendable {
    let tokens: [ObserverToken]
    let observers: [any CircuitBreakerObserver]

    init(tokens: [ObserverToken], observers: [any CircuitBreakerObserver]) {
        self.tokens = tokens
        self.observers = observers
    }

    /// Reaches each observer in place: copying an existential out of the array costs more than
    /// calling an observer that does nothing.
    func notify(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        observers.withUnsafeBufferPointer { observers in
            for index in observers.indices {
                observers[index].circuitBreaker(breaker, didRecord: outcome, duration: duration)
            }
        }
    }

    func notify(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        observers.withUnsafeBufferPointer { observers in
            for index in observers.indices {
                observers[index].circuitBreaker(breaker, didTransition: transition)
            }
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
