/// A consistent picture of one breaker at one instant, for status pages, metrics and tests.
public struct CircuitBreakerSnapshot: Sendable, Hashable {
    /// The circuit's name.
    public var name: String
    /// The state the circuit is in.
    public var state: CircuitState
    /// The calls in the sliding window. It keeps the calls that opened the circuit until the
    /// circuit closes again, and is emptied on closing, on a reset, and when disabled or set to
    /// metrics-only.
    public var window: WindowCounts
    /// The window's failure rate from 0 to 1, or `nil` until it holds the minimum number of calls.
    public var failureRate: Double?
    /// The window's slow-call rate from 0 to 1, or `nil` until it holds the minimum number of calls.
    public var slowCallRate: Double?
    /// The current run of failures; a success ends it.
    public var consecutiveFailures: Int
    /// The probe calls admitted so far in half-open, and what those that ended did.
    public var probesAdmitted: Int
    /// Outcomes of the probe calls that have ended in the current half-open state.
    public var probes: WindowCounts
    /// The last state transition, or `nil` if the circuit never changed state.
    public var lastTransition: StateTransition? { recentTransitions.last }
    /// The circuit's last transitions, at most ``recentTransitionLimit``, oldest first: why it is
    /// in its state, and whether it has been flapping.
    public var recentTransitions: [StateTransition]
    /// When the current state began (the breaker's creation if it never changed), in seconds since
    /// the Unix epoch.
    public var stateChangedAt: Double
    /// When an open circuit will admit probes, on the breaker's clock; `nil` in other states.
    public var nextAdmission: BreakerInstant?

    /// How many transitions a breaker keeps for ``recentTransitions``: 20, enough to tell a
    /// flapping circuit from one that opened once, at a few kilobytes per circuit at most.
    public static let recentTransitionLimit = 20
}

extension CircuitBreaker {
    /// The breaker's state, window and rates, read together under its lock.
    public func snapshot() -> CircuitBreakerSnapshot {
        let now = clock.now
        // Lists released here are freed after the lock.
        let (snapshot, _) = core.withLock { core in
            let snapshot = locked(&core) { machine in
                let window = machine.windowCounts(at: now)
                let minimum = machine.effectiveMinimumNumberOfCalls
                let snapshot = CircuitBreakerSnapshot(
                    name: name,
                    state: machine.state,
                    window: window,
                    failureRate: window.failureRate(minimumCalls: minimum),
                    slowCallRate: window.slowCallRate(minimumCalls: minimum),
                    consecutiveFailures: machine.consecutiveFailures,
                    probesAdmitted: machine.probesAdmitted,
                    probes: machine.probeCounts,
                    recentTransitions: machine.recentTransitions,
                    stateChangedAt: machine.stateEnteredUnixTime,
                    nextAdmission: machine.state == .open ? machine.openUntil : nil
                )
                return (snapshot, nil)
            }.result
            // Reading a snapshot is the regular occasion to release observer lists replaced
            // while calls were reading them.
            return (snapshot, observers.reclaim(&core.retiredObservers))
        }
        return snapshot
    }
}
