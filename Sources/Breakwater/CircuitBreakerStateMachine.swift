/// The rules of a circuit breaker as a value: what to admit, what to record, when to change state.
///
/// It does no locking, reads no clock and calls nobody: ``CircuitBreaker`` keeps it under a lock,
/// passes in the time, and acts on the ``Effects`` it returns after the lock is released.
struct CircuitBreakerStateMachine {
    /// What the breaker must do after a step, outside the lock.
    struct Effects {
        /// The transition the step made, if any.
        var transition: StateTransition?
        /// When the new state wants a timer: the automatic move out of open or half-open.
        var timerDeadline: BreakerInstant?
        /// The generation the step left the circuit in.
        var generation: UInt64 = 0
    }

    enum Admission {
        case admitted(generation: UInt64, state: CircuitState)
        /// The rejection as a value, and boxed once per state so that throwing it allocates nothing.
        case rejected(CircuitBreakerError, boxed: any Error)
    }

    let name: String
    let configuration: CircuitBreakerConfiguration
    private let consecutiveFailureThreshold: Int?
    private let minimumNumberOfCalls: Int
    private let slowCallNanoseconds: Int64

    private(set) var state: CircuitState = .closed
    /// Bumped by every transition; a call's outcome counts only in the generation that admitted it.
    private(set) var generation: UInt64 = 0
    private(set) var consecutiveFailures = 0
    private(set) var lastTransition: StateTransition?
    /// When the current state began, on the breaker's clock and as Unix time.
    private(set) var stateEnteredAt: BreakerInstant
    private(set) var stateEnteredUnixTime: Double
    /// The end of the current open wait.
    private(set) var openUntil: BreakerInstant
    /// Opens since the circuit last closed; drives exponential backoff.
    private(set) var consecutiveOpens = 0

    private var window: WindowRecorder
    /// Probe permits handed out in the current half-open state, and what the probes did.
    private(set) var probesAdmitted = 0
    private(set) var probeCounts = WindowCounts()
    private var rejection: (error: CircuitBreakerError, boxed: any Error)

    init(name: String, configuration: CircuitBreakerConfiguration, now: BreakerInstant, unixTime: Double) {
        self.name = name
        self.configuration = configuration
        consecutiveFailureThreshold = configuration.effectiveConsecutiveFailureThreshold
        if case .countBased(let size) = configuration.slidingWindow {
            minimumNumberOfCalls = min(configuration.minimumNumberOfCalls, size)
        } else {
            minimumNumberOfCalls = configuration.minimumNumberOfCalls
        }
        slowCallNanoseconds = configuration.slowCallDurationThreshold.nanoseconds
        window = WindowRecorder(configuration.slidingWindow)
        stateEnteredAt = now
        stateEnteredUnixTime = unixTime
        openUntil = now
        let error = CircuitBreakerError(circuit: name, state: .closed, nextAdmission: nil)
        rejection = (error, error)
    }

    // MARK: Admission

    /// Decides whether a call may start at `now`. Closed, disabled and metrics-only circuits admit
    /// without coming here; this settles open, half-open and forced-open ones.
    mutating func admit(at now: BreakerInstant, unixTime: @autoclosure () -> Double) -> (Admission, Effects) {
        var effects = Effects()
        if state == .open, now >= openUntil {
            effects = transition(to: .halfOpen, reason: .openDurationElapsed, at: now, unixTime: unixTime())
        } else if state == .halfOpen, halfOpenWaitExceeded(at: now) {
            effects = transition(to: .open, reason: .halfOpenWaitExceeded, at: now, unixTime: unixTime())
        }
        switch state {
        case .closed, .disabled, .metricsOnly:
            return (.admitted(generation: generation, state: state), effects)
        case .halfOpen where probesAdmitted < configuration.permittedCallsInHalfOpen:
            probesAdmitted += 1
            return (.admitted(generation: generation, state: state), effects)
        case .open, .halfOpen, .forcedOpen:
            return (.rejected(rejection.error, boxed: rejection.boxed), effects)
        }
    }

    /// Moves out of open or half-open when a timer armed for `generation` fires at `now`.
    mutating func timerFired(generation: UInt64, at now: BreakerInstant, unixTime: @autoclosure () -> Double) -> Effects {
        guard generation == self.generation else { return Effects() }
        if state == .open, now >= openUntil {
            return transition(to: .halfOpen, reason: .openDurationElapsed, at: now, unixTime: unixTime())
        }
        if state == .halfOpen, halfOpenWaitExceeded(at: now) {
            return transition(to: .open, reason: .halfOpenWaitExceeded, at: now, unixTime: unixTime())
        }
        return Effects()
    }

    private func halfOpenWaitExceeded(at now: BreakerInstant) -> Bool {
        guard let maximumWait = configuration.maximumWaitInHalfOpen else { return false }
        return now >= stateEnteredAt.advanced(by: maximumWait)
    }

    // MARK: Recording

    /// Records how a call admitted in `generation` ended at `end` after `durationNanoseconds`.
    mutating func record(
        _ outcome: CallOutcome,
        generation: UInt64,
        durationNanoseconds: Int64,
        at end: BreakerInstant,
        unixTime: @autoclosure () -> Double
    ) -> Effects {
        // A probe that ends past the half-open wait finds the circuit open, as it would have with
        // the timer or any other call in between.
        if state == .halfOpen, halfOpenWaitExceeded(at: end) {
            return transition(to: .open, reason: .halfOpenWaitExceeded, at: end, unixTime: unixTime())
        }
        guard generation == self.generation else { return Effects() }
        let sample = WindowSample(failed: outcome.isFailure, slow: durationNanoseconds > slowCallNanoseconds)
        switch state {
        case .closed, .metricsOnly:
            guard outcome != .ignored else { return Effects() }
            window.record(sample, at: end)
            consecutiveFailures = sample.failed ? consecutiveFailures + 1 : 0
            guard state == .closed, let reason = tripReason() else { return Effects() }
            return transition(to: .open, reason: reason, at: end, unixTime: unixTime())
        case .halfOpen:
            guard outcome != .ignored else {
                probesAdmitted -= 1
                return Effects()
            }
            probeCounts.add(sample)
            consecutiveFailures = sample.failed ? consecutiveFailures + 1 : 0
            guard let recovered = probeVerdict() else { return Effects() }
            return recovered
                ? transition(to: .closed, reason: .probesSucceeded, at: end, unixTime: unixTime())
                : transition(to: .open, reason: .probesFailed, at: end, unixTime: unixTime())
        case .open, .forcedOpen, .disabled:
            return Effects()
        }
    }

    private func tripReason() -> TransitionReason? {
        if let threshold = consecutiveFailureThreshold, consecutiveFailures >= threshold {
            return .consecutiveFailures(consecutiveFailures)
        }
        let counts = window.counts
        if let threshold = configuration.failureRateThreshold,
            let rate = counts.failureRate(minimumCalls: minimumNumberOfCalls), rate >= threshold
        {
            return .failureRate(rate)
        }
        if let threshold = configuration.slowCallRateThreshold,
            let rate = counts.slowCallRate(minimumCalls: minimumNumberOfCalls), rate >= threshold
        {
            return .slowCallRate(rate)
        }
        return nil
    }

    /// `true` to close, `false` to open again, `nil` while probes are still out.
    private func probeVerdict() -> Bool? {
        let permitted = configuration.permittedCallsInHalfOpen
        guard configuration.hasRatePolicy else {
            if probeCounts.failures > 0 { return false }
            return probeCounts.calls >= permitted ? true : nil
        }
        guard probeCounts.calls >= permitted else { return nil }
        if let threshold = configuration.failureRateThreshold,
            let rate = probeCounts.failureRate(minimumCalls: permitted), rate >= threshold
        {
            return false
        }
        if let threshold = configuration.slowCallRateThreshold,
            let rate = probeCounts.slowCallRate(minimumCalls: permitted), rate >= threshold
        {
            return false
        }
        return true
    }

    // MARK: Transitions

    /// Sets a state by hand. Returns no transition when the circuit is already in `target`, except
    /// for a reset to closed, which always empties the window.
    mutating func transition(byHandTo target: CircuitState, reason: String, at now: BreakerInstant, unixTime: @autoclosure () -> Double) -> Effects {
        guard target != state || target == .closed else { return Effects() }
        return transition(to: target, reason: .manual(reason), at: now, unixTime: unixTime())
    }

    private mutating func transition(
        to target: CircuitState,
        reason: TransitionReason,
        at now: BreakerInstant,
        unixTime: @autoclosure () -> Double
    ) -> Effects {
        let unixTime = unixTime()
        let change = StateTransition(from: state, to: target, instant: now, unixTime: unixTime, reason: reason)
        state = target
        generation &+= 1
        stateEnteredAt = now
        stateEnteredUnixTime = unixTime
        lastTransition = change
        probesAdmitted = 0
        probeCounts = WindowCounts()
        var timerDeadline: BreakerInstant?
        switch target {
        case .closed, .disabled, .metricsOnly:
            window.reset()
            consecutiveFailures = 0
            consecutiveOpens = 0
        case .open:
            consecutiveOpens += 1
            openUntil = now.advanced(by: configuration.openDuration.wait(afterOpens: consecutiveOpens))
            timerDeadline = openUntil
        case .halfOpen:
            consecutiveFailures = 0
            timerDeadline = configuration.maximumWaitInHalfOpen.map { now.advanced(by: $0) }
        case .forcedOpen:
            break
        }
        let error = CircuitBreakerError(circuit: name, state: target, nextAdmission: target == .open ? openUntil : nil)
        rejection = (error, error)
        return Effects(
            transition: change,
            timerDeadline: configuration.automaticTransitionFromOpenToHalfOpen ? timerDeadline : nil,
            generation: generation
        )
    }

    // MARK: Reading

    /// The window's counts at `now`, after dropping what a time-based window has aged out.
    mutating func windowCounts(at now: BreakerInstant) -> WindowCounts {
        window.advance(to: now)
        return window.counts
    }

    /// The rates' minimum number of calls in force: a count-based window caps it at its size.
    var effectiveMinimumNumberOfCalls: Int { minimumNumberOfCalls }
}
