import Breakwater

/// Prints one line per state transition, with the seconds since the demo started.
struct TransitionPrinter: CircuitBreakerRegistryObserver, CircuitBreakerObserver {
    let start: BreakerInstant

    func registry(_ registry: CircuitBreakerRegistry, didAdd breaker: CircuitBreaker) {
        breaker.addObserver(self)
    }

    func registry(_ registry: CircuitBreakerRegistry, didRemove breaker: CircuitBreaker) {}

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        let tenths = start.duration(to: transition.instant) / .milliseconds(100)
        let stamp = "\(Int(tenths) / 10).\(Int(tenths) % 10)"
        let padding = String(repeating: " ", count: max(0, 6 - stamp.count))
        printLine("[\(padding)\(stamp) s] \(breaker.name): \(transition.from) -> \(transition.to) (\(transition.reason))")
    }
}
