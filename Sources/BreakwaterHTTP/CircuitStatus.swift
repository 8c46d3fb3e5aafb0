import Breakwater

/// What the status page and `GET /circuits` show of one circuit: its snapshot beside the
/// thresholds it is held to, read once so that both renderings agree.
struct CircuitStatus: Hashable, Sendable {
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
    /// Why the circuit last changed state, or `nil` if it never did.
    var lastTransitionReason: String?
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
        lastTransitionReason = snapshot.lastTransition.map { String(describing: $0.reason) }
    }

    /// The status of `breaker` at `now` seconds since the Unix epoch.
    init(_ breaker: CircuitBreaker, now: Double) {
        self.init(snapshot: breaker.snapshot(), configuration: breaker.configuration, now: now)
    }

    /// The status of every circuit in `registry` at `now` seconds since the Unix epoch, sorted by
    /// the UTF-8 bytes of their names; none without a registry.
    static func all(in registry: CircuitBreakerRegistry?, now: Double) -> [CircuitStatus] {
        guard let registry else { return [] }
        // Byte order rather than `String`'s Unicode ordering: it is what `sort` and most tools
        // show, and it does not depend on normalisation.
        return registry.breakers
            .map { CircuitStatus($0, now: now) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
}
