import Breakwater
import CoreMetrics
import Metrics
import Synchronization

/// The swift-metrics instruments of one breaker, made once when it is bound: the breaker's
/// observer increments counters and records durations on them, and sets its snapshot gauges
/// from time to time (``SwiftMetricsBreakerBinding`` says when).
///
/// It holds its breaker weakly: the breaker holds it as an observer, and metrics must not keep a
/// breaker alive that its registry or the application has let go. When the breaker is freed, so
/// is this, and its metrics are destroyed.
final class BreakerInstruments: CircuitBreakerObserver {
    weak let breaker: CircuitBreaker?
    private let factory: any MetricsFactory
    /// The constant dimensions, then the circuit's name.
    private let circuitDimensions: [(String, String)]
    private let slowCallDurationThreshold: Duration
    private let clock: any BreakerClock
    private let refreshInterval: Int64
    /// When a call may next refresh the snapshot gauges, in nanoseconds on ``clock``: claimed
    /// with one compare-and-exchange, so that one call per interval pays for the refresh.
    private let nextRefresh = Atomic<Int64>(.min)
    /// Held while the snapshot gauges are read and set, so that refreshes on several threads
    /// set them in the order they read them: an older snapshot never overwrites a newer one.
    /// Its value, the number of refreshes, is not used: it is not `Void` because a zero-sized
    /// value shares its address with the next property, which ThreadSanitizer then reports as
    /// racing with the lock.
    private let refreshing = Guarded<Int>(0)
    /// The transitions seen so far, by ``transitionKey(_:_:)``, and whether the metrics are
    /// destroyed: a transition created after that would be a series nobody removes.
    private let transitions: Guarded<(counters: [Int: Counter], isDestroyed: Bool)>

    // One stored property per metric rather than arrays: reading an array element retains it,
    // and these are read on every call.
    private let successCalls: Counter
    private let failureCalls: Counter
    private let timeoutCalls: Counter
    private let ignoredCalls: Counter
    private let rejectedCalls: Counter
    /// The three are one timer when durations are not split by outcome.
    private let successDurations: Timer
    private let failureDurations: Timer
    private let timeoutDurations: Timer
    private let durationsByOutcome: Bool
    private let slowSuccesses: Counter
    private let slowFailures: Counter
    private let rejectedFallbacks: Counter
    private let failedFallbacks: Counter
    private let timedOutFallbacks: Counter
    /// Indexed by `CircuitState.rawValue`.
    private let states: [Meter]
    private let failureRate: Meter
    private let slowCallRate: Meter
    private let consecutiveFailures: Meter
    private let windowSuccesses: Meter
    private let windowFailures: Meter
    private let windowSlowCalls: Meter
    private let stateChangeTimestamp: Meter
    private let failureRateThreshold: Meter?
    private let slowCallRateThreshold: Meter?
    private let minimumCalls: Meter
    private let windowSize: Meter

    init(
        _ breaker: CircuitBreaker, factory: any MetricsFactory, constantDimensions: [(String, String)],
        options: SwiftMetricsBreakerBinding.Options, clock: any BreakerClock
    ) {
        self.breaker = breaker
        self.factory = factory
        let circuit = constantDimensions + [("circuit", breaker.name)]
        circuitDimensions = circuit
        let configuration = breaker.configuration
        slowCallDurationThreshold = configuration.slowCallDurationThreshold
        self.clock = clock
        refreshInterval = options.refreshInterval.nanoseconds

        func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
            Counter(label: label, dimensions: circuit + dimensions, factory: factory)
        }
        func meter(_ label: String, _ dimensions: [(String, String)] = []) -> Meter {
            Meter(label: label, dimensions: circuit + dimensions, factory: factory)
        }

        successCalls = counter(Names.calls, [("outcome", "success")])
        failureCalls = counter(Names.calls, [("outcome", "failure")])
        timeoutCalls = counter(Names.calls, [("outcome", "timeout")])
        ignoredCalls = counter(Names.calls, [("outcome", "ignored")])
        rejectedCalls = counter(Names.calls, [("outcome", "rejected")])
        durationsByOutcome = options.durationsByOutcome
        if options.durationsByOutcome {
            successDurations = Timer(label: Names.callDuration, dimensions: circuit + [("outcome", "success")], factory: factory)
            failureDurations = Timer(label: Names.callDuration, dimensions: circuit + [("outcome", "failure")], factory: factory)
            timeoutDurations = Timer(label: Names.callDuration, dimensions: circuit + [("outcome", "timeout")], factory: factory)
        } else {
            let all = Timer(label: Names.callDuration, dimensions: circuit, factory: factory)
            successDurations = all
            failureDurations = all
            timeoutDurations = all
        }
        slowSuccesses = counter(Names.slowCalls, [("outcome", "success")])
        slowFailures = counter(Names.slowCalls, [("outcome", "failure")])
        // All three exist from the start, at 0, for the same reason as the automatic transitions.
        rejectedFallbacks = counter(Names.fallbacks, [("reason", FallbackReason.Kind.rejected.description)])
        failedFallbacks = counter(Names.fallbacks, [("reason", FallbackReason.Kind.failed.description)])
        timedOutFallbacks = counter(Names.fallbacks, [("reason", FallbackReason.Kind.timedOut.description)])
        states = CircuitState.allCases.map { meter(Names.state, [("state", $0.description)]) }
        failureRate = meter(Names.failureRate)
        slowCallRate = meter(Names.slowCallRate)
        consecutiveFailures = meter(Names.consecutiveFailures)
        windowSuccesses = meter(Names.windowCalls, [("kind", "success")])
        windowFailures = meter(Names.windowCalls, [("kind", "failure")])
        windowSlowCalls = meter(Names.windowCalls, [("kind", "slow")])
        stateChangeTimestamp = meter(Names.stateChangeTimestamp)

        // The transitions a breaker makes by itself exist from the start, at 0, so that the first
        // open is an increase Prometheus sees (`increase` needs a sample before it) and not a
        // series born at 1. Manual transitions appear when they happen.
        var transitions: [Int: Counter] = [:]
        for (from, to) in Self.automaticTransitions {
            transitions[Self.transitionKey(from, to)] = counter(
                Names.transitions, [("from", from.description), ("to", to.description)])
        }
        self.transitions = Guarded((transitions, false))

        failureRateThreshold = configuration.failureRateThreshold.map { threshold in
            let gauge = meter(Names.failureRateThreshold)
            gauge.set(threshold)
            return gauge
        }
        slowCallRateThreshold = configuration.slowCallRateThreshold.map { threshold in
            let gauge = meter(Names.slowCallRateThreshold)
            gauge.set(threshold)
            return gauge
        }
        minimumCalls = meter(Names.minimumCalls)
        minimumCalls.set(configuration.effectiveMinimumNumberOfCalls)
        let (unit, size) = configuration.slidingWindow.exportedSize
        windowSize = meter(Names.windowSize, [("unit", unit)])
        windowSize.set(size)
        refresh()
    }

    deinit {
        destroy()
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        switch outcome {
        case .success:
            successCalls.increment()
            record(duration, in: successDurations, slow: slowSuccesses)
        case .failure:
            failureCalls.increment()
            record(duration, in: failureDurations, slow: slowFailures)
        case .timeout:
            timeoutCalls.increment()
            record(duration, in: timeoutDurations, slow: slowFailures)
        case .ignored:
            ignoredCalls.increment()
        case .rejected:
            rejectedCalls.increment()
        }
        refreshIfDue()
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didFallBack reason: FallbackReason.Kind) {
        switch reason {
        case .rejected: rejectedFallbacks.increment()
        case .failed: failedFallbacks.increment()
        case .timedOut: timedOutFallbacks.increment()
        }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        let key = Self.transitionKey(transition.from, transition.to)
        // A transition between two given states is rare: its counter is made when it first happens.
        let counter = transitions.withLock { transitions -> Counter? in
            if let existing = transitions.counters[key] { return existing }
            guard !transitions.isDestroyed else { return nil }
            let created = Counter(
                label: Names.transitions,
                dimensions: circuitDimensions + [("from", transition.from.description), ("to", transition.to.description)],
                factory: factory)
            transitions.counters[key] = created
            return created
        }
        counter?.increment()
        refresh()
    }

    private func record(_ duration: Duration, in timer: Timer, slow: Counter) {
        timer.record(duration: duration)
        if duration > slowCallDurationThreshold {
            slow.increment()
        }
    }

    /// Refreshes the snapshot gauges if the last refresh that a call caused is at least the
    /// refresh interval old: a clock reading and an atomic load on most calls, no allocation.
    private func refreshIfDue() {
        let now = clock.coarseNow.nanoseconds
        let due = nextRefresh.load(ordering: .relaxed)
        guard now >= due else { return }
        let (next, overflow) = now.addingReportingOverflow(refreshInterval)
        guard nextRefresh.compareExchange(expected: due, desired: overflow ? .max : next, ordering: .relaxed).exchanged else {
            return   // another call took this refresh
        }
        refresh()
    }

    /// Sets the snapshot gauges from the breaker's snapshot now. A snapshot takes only the
    /// breaker's own lock, which is never held while ``refreshing`` is taken.
    func refresh() {
        refreshing.withLock { count in
            guard let snapshot = breaker?.snapshot() else { return }
            for state in CircuitState.allCases {
                states[Int(state.rawValue)].set(state == snapshot.state ? 1.0 : 0.0)
            }
            failureRate.set(snapshot.failureRate ?? .nan)
            slowCallRate.set(snapshot.slowCallRate ?? .nan)
            consecutiveFailures.set(snapshot.consecutiveFailures)
            windowSuccesses.set(snapshot.window.successes)
            windowFailures.set(snapshot.window.failures)
            windowSlowCalls.set(snapshot.window.slowCalls)
            stateChangeTimestamp.set(snapshot.stateChangedAt)
            count += 1
        }
    }

    /// Destroys every metric of this breaker in the backend; the first call only.
    func destroy() {
        guard let transitionCounters = retire() else { return }
        for counter in transitionCounters + [
            successCalls, failureCalls, timeoutCalls, ignoredCalls, rejectedCalls, slowSuccesses, slowFailures,
            rejectedFallbacks, failedFallbacks, timedOutFallbacks,
        ] {
            counter.destroy()
        }
        successDurations.destroy()
        if durationsByOutcome {
            failureDurations.destroy()
            timeoutDurations.destroy()
        }
        for meter in states + [
            failureRate, slowCallRate, consecutiveFailures, windowSuccesses, windowFailures, windowSlowCalls,
            stateChangeTimestamp, minimumCalls, windowSize,
        ] {
            meter.destroy()
        }
        failureRateThreshold?.destroy()
        slowCallRateThreshold?.destroy()
    }

    /// Leaves the metrics to another binding of the same breaker, which made them first: a
    /// backend hands out one handler per name and dimensions, so destroying these would destroy its.
    func relinquish() {
        _ = retire()
    }

    /// Marks the metrics destroyed, so that none is made or destroyed again, and returns the
    /// transition counters, or `nil` if they were already.
    private func retire() -> [Counter]? {
        transitions.withLock { transitions -> [Counter]? in
            guard !transitions.isDestroyed else { return nil }
            transitions.isDestroyed = true
            return Array(transitions.counters.values)
        }
    }

    /// The `unit` dimension and the size of `window`: calls for a count-based window, seconds for
    /// a time-based one.

    /// The transitions of the automatic cycle: closed to open, open to half-open, half-open to
    /// closed or open.
    static let automaticTransitions: [(CircuitState, CircuitState)] = [
        (.closed, .open), (.open, .halfOpen), (.halfOpen, .closed), (.halfOpen, .open),
    ]

    private static func transitionKey(_ from: CircuitState, _ to: CircuitState) -> Int {
        Int(from.rawValue) << 8 | Int(to.rawValue)
    }
}
