import Breakwater

/// What the status page and `/circuits` show of one circuit: its snapshot beside the
/// configuration it runs with, read once so that every rendering agrees.
struct CircuitStatus: Equatable, Sendable {
    /// One change of state, as the page and the document show it.
    struct Transition: Hashable, Sendable {
        var from: CircuitState
        var to: CircuitState
        /// When it happened, in seconds since the Unix epoch.
        var unixTime: Double
        /// Why it happened, in words.
        var reason: String
        /// Whether somebody set the state by hand (in code or over HTTP).
        var isManual: Bool
    }

    /// The circuit's name.
    var name: String
    /// The state the circuit is in.
    var state: CircuitState
    /// The window's failure rate from 0 to 1, or `nil` until the window holds enough calls.
    var failureRate: Double?
    /// The window's slow-call rate from 0 to 1, or `nil` until the window holds enough calls.
    var slowCallRate: Double?
    /// The failure rate that opens the circuit, or `nil` when there is no such policy.
    var failureRateThreshold: Double?
    /// The slow-call rate that opens the circuit, or `nil` when there is no such policy.
    var slowCallRateThreshold: Double?
    /// The calls, failures and slow calls in the sliding window.
    var window: WindowCounts
    /// How long the circuit has been in its state, in seconds; never negative.
    var secondsInState: Double
    /// The calls the window must hold before its rates count.
    var minimumNumberOfCalls: Int = 1
    /// The current run of failures.
    var consecutiveFailures: Int = 0
    /// When the current state began, in seconds since the Unix epoch.
    var stateChangedAt: Double = 0
    /// The last transitions, newest first, at most ``CircuitBreakerSnapshot/recentTransitionLimit``.
    var recentTransitions: [Transition] = []
    /// How the circuit is configured.
    var configuration = CircuitBreakerConfiguration()

    /// Why the circuit last changed state, or `nil` if it never did.
    var lastTransitionReason: String? { recentTransitions.first?.reason }
}

// The initialisers sit in an extension so that the memberwise one remains, for tests.
extension CircuitStatus {
    /// The status of a circuit from its snapshot and configuration, at `now` seconds since the
    /// Unix epoch.
    init(snapshot: CircuitBreakerSnapshot, configuration: CircuitBreakerConfiguration, now: Double) {
        name = snapshot.name
        state = snapshot.state
        failureRate = snapshot.failureRate
        slowCallRate = snapshot.slowCallRate
        failureRateThreshold = configuration.failureRateThreshold
        slowCallRateThreshold = configuration.slowCallRateThreshold
        window = snapshot.window
        // The caller's clock and the breaker's may disagree slightly (or the wall clock may have
        // stepped back); a negative age would only confuse a reader.
        secondsInState = max(0, now - snapshot.stateChangedAt)
        minimumNumberOfCalls = configuration.effectiveMinimumNumberOfCalls
        consecutiveFailures = snapshot.consecutiveFailures
        stateChangedAt = snapshot.stateChangedAt
        recentTransitions = snapshot.recentTransitions.reversed().map(Transition.init)
        self.configuration = configuration
    }

    /// The status of `breaker` at `now` seconds since the Unix epoch, by default the present on
    /// the breaker's own clock (a ``ManualClock``'s virtual time included).
    init(_ breaker: CircuitBreaker, now: Double? = nil) {
        self.init(snapshot: breaker.snapshot(), configuration: breaker.configuration, now: now ?? breaker.clock.unixTime)
    }

    /// The status of every circuit in `registry`, each at the present on its own clock, those that
    /// need attention first (``CircuitOrder``); none without a registry.
    static func all(in registry: CircuitBreakerRegistry?) -> [CircuitStatus] {
        guard let registry else { return [] }
        return registry.breakers
            .map { CircuitStatus($0) }
            .sorted(by: CircuitOrder.precedes)
    }
}

extension CircuitStatus.Transition {
    /// The transition as the page shows it.
    init(_ transition: StateTransition) {
        from = transition.from
        to = transition.to
        unixTime = transition.unixTime
        reason = String(describing: transition.reason)
        if case .manual = transition.reason { isManual = true } else { isManual = false }
    }
}
