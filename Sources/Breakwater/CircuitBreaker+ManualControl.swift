/// Setting the state by hand, for emergencies and maintenance. Each change is a transition like
/// any other: logged, observed and counted.
extension CircuitBreaker {
    /// Rejects every call until ``reset(reason:)`` or another manual state.
    public func forceOpen(reason: String = "forced open") {
        setState(.forcedOpen, reason: reason)
    }

    /// Lets every call through and records nothing, until ``reset(reason:)`` or another manual state.
    public func disable(reason: String = "disabled") {
        setState(.disabled, reason: reason)
    }

    /// Lets every call through, records outcomes and tells observers, but never trips.
    public func enableMetricsOnly(reason: String = "metrics only") {
        setState(.metricsOnly, reason: reason)
    }

    /// Closes the circuit with an empty window, whatever state it is in.
    public func reset(reason: String = "reset") {
        setState(.closed, reason: reason)
    }

    private func setState(_ target: CircuitState, reason: String) {
        let now = clock.now
        withMachine { $0.transition(byHandTo: target, reason: reason, at: now) }
    }
}
