/// The rules of a circuit breaker as a value: what to admit, what to record, when to change state.
///
/// It does no locking and calls nobody: ``CircuitBreaker`` keeps it under a lock, passes in the
/// time, and acts on the ``Effects`` of a transition after the lock is released. It reads its
/// clock's wall time only to stamp a transition.
///
/// Everything that never changes sits behind one reference, ``Context``, which keeps the value
/// small: the call path passes it around without copying hundreds of bytes.
struct CircuitBreakerStateMachine {
    /// What the breaker must do after a transition, outside the lock.
    struct Effects {
        /// The transition.
        var transition: StateTransition
        /// When the new state wants a timer: the automatic move out of open or half-open.
        var timerDeadline: BreakerInstant?
        /// The generation the step left the circuit in.
        var generation: UInt64 = 0
    }

    enum Admission {
        /// `probe` numbers a half-open probe within its generation, from 1; 0 for other calls.
        case admitted(generation: UInt64, state: CircuitState, probe: UInt32)
        case rejected(CircuitBreakerError)
    }

    /// The name, the configuration and the values derived from it, and the clock.
    final class Context: Sendable {
        let name: String
        let configuration: CircuitBreakerConfiguration
        let clock: any BreakerClock
        /// The clock as rejections keep it.
        let rejectionClock: RejectionClock
        let consecutiveFailureThreshold: Int?
        let minimumNumberOfCalls: Int
        let slowCallNanoseconds: Int64

        init(name: String, configuration: CircuitBreakerConfiguration, clock: any BreakerClock) {
            self.name = name
            self.configuration = configuration
            self.clock = clock
            rejectionClock = .register(clock)
            consecutiveFailureThreshold = configuration.effectiveConsecutiveFailureThreshold
            minimumNumberOfCalls = configuration.effectiveMinimumNumberOfCalls
            slowCallNanoseconds = configuration.slowCallDurationThreshold.nanoseconds
        }

        deinit {
            rejectionClock.unregister()
        }

        /// Whether a half-open state entered at `enteredAt` has waited too long by `now`.
        func halfOpenWaitExceeded(enteredAt: BreakerInstant, now: BreakerInstant) -> Bool {
            guard let maximumWait = configuration.maximumWaitInHalfOpen else { return false }
            return now >= enteredAt.advanced(by: maximumWait)
        }

        /// Why a closed circuit with this run of failures and this window must open, if it must.
        func tripReason(consecutiveFailures: Int, window counts: WindowCounts) -> TransitionReason? {
            if let threshold = consecutiveFailureThreshold, consecutiveFailures >= threshold {
                return .consecutiveFailures(consecutiveFailures)
            }
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

        /// What the probes decide: `true` to close, `false` to open again, `nil` while some are out.
        func probeVerdict(_ probes: WindowCounts) -> Bool? {
            let permitted = configuration.permittedCallsInHalfOpen
            guard configuration.hasRatePolicy else {
                if probes.failures > 0 { return false }
                return probes.calls >= permitted ? true : nil
            }
            guard probes.calls >= permitted else { return nil }
            if let threshold = configuration.failureRateThreshold,
                let rate = probes.failureRate(minimumCalls: permitted), rate >= threshold
            {
                return false
            }
            if let threshold = configuration.slowCallRateThreshold,
                let rate = probes.slowCallRate(minimumCalls: permitted), rate >= threshold
            {
                return false
            }
            return true
        }
    }

    /// A rejection, boxed once per transition so that throwing it allocates nothing.
    final class Rejection: Sendable {
        let error: CircuitBreakerError
        let boxed: any Error

        init(_ error: CircuitBreakerError) {
            self.error = error
            boxed = error
        }
    }

    // What every call reads or writes comes first, to share as few cache lines as it can.

    private(set) var state: CircuitState = .closed
    /// Bumped by every transition; a call's outcome counts only in the generation that admitted it.
    private(set) var generation: UInt64 = 0
    private(set) var consecutiveFailures = 0
    private var window: WindowRecorder
    let context: Context
    /// The last ``CircuitBreakerSnapshot/recentTransitionLimit`` transitions, oldest first.
    private(set) var recentTransitions: [StateTransition] = []
    /// When the current state began, on the breaker's clock and as Unix time.
    private(set) var stateEnteredAt: BreakerInstant
    private(set) var stateEnteredUnixTime: Double
    /// The end of the current open wait.
    private(set) var openUntil: BreakerInstant
    /// Opens since the circuit last closed; drives exponential backoff.
    private(set) var consecutiveOpens = 0

    /// Probe permits held in the current half-open state, and what the probes did.
    private(set) var probesAdmitted = 0
    /// The number of the last probe permit handed out in the current half-open state, and the
    /// numbers of those not yet recorded: a probe recorded twice counts once.
    private var probesIssued: UInt32 = 0
    private var probesOutstanding: [UInt32]
    private(set) var probeCounts = WindowCounts()
    /// The rejection of the current state.
    private(set) var rejection: Rejection

    init(context: Context) {
        self.context = context
        window = WindowRecorder(context.configuration.slidingWindow)
        probesOutstanding = []
        probesOutstanding.reserveCapacity(min(context.configuration.permittedCallsInHalfOpen, 64))
        stateEnteredAt = context.clock.now
        stateEnteredUnixTime = context.clock.unixTime
        openUntil = stateEnteredAt
        rejection = Rejection(CircuitBreakerError(circuit: context.name, state: .closed, nextAdmission: nil))
    }

    // MARK: Admission

    /// Decides whether a call may start at `now`. Closed, disabled and metrics-only circuits admit
    /// without coming here; this settles open, half-open and forced-open ones.
    mutating func admit(at now: BreakerInstant) -> (Admission, Effects?) {
        var effects: Effects?
        if state == .open, now >= openUntil {
            effects = transition(to: .halfOpen, reason: .openDurationElapsed, at: now)
        } else if state == .halfOpen, context.halfOpenWaitExceeded(enteredAt: stateEnteredAt, now: now) {
            effects = transition(to: .open, reason: .halfOpenWaitExceeded, at: now)
        }
        switch state {
        case .closed, .disabled, .metricsOnly:
            return (.admitted(generation: generation, state: state, probe: 0), effects)
        case .halfOpen where probesAdmitted < context.configuration.permittedCallsInHalfOpen:
            probesAdmitted += 1
            probesIssued = probesIssued == .max ? 1 : probesIssued + 1
            probesOutstanding.append(probesIssued)
            return (.admitted(generation: generation, state: state, probe: probesIssued), effects)
        case .open, .halfOpen, .forcedOpen:
            return (.rejected(rejection.error), effects)
        }
    }

    /// Moves out of open or half-open when a timer armed for `generation` fires at `now`.
    mutating func timerFired(generation: UInt64, at now: BreakerInstant) -> Effects? {
        guard generation == self.generation else { return nil }
        if state == .open, now >= openUntil {
            return transition(to: .halfOpen, reason: .openDurationElapsed, at: now)
        }
        if state == .halfOpen, context.halfOpenWaitExceeded(enteredAt: stateEnteredAt, now: now) {
            return transition(to: .open, reason: .halfOpenWaitExceeded, at: now)
        }
        return nil
    }

    // MARK: Recording

    /// Records how a call admitted in `generation` (as its `probe`, when half-open) ended at `end`
    /// after `durationNanoseconds`.
    mutating func record(
        _ outcome: CallOutcome,
        generation: UInt64,
        probe: UInt32,
        durationNanoseconds: Int64,
        at end: BreakerInstant
    ) -> Effects? {
        // A probe that ends past the half-open wait finds the circuit open, as it would have with
        // the timer or any other call in between.
        if state == .halfOpen, context.halfOpenWaitExceeded(enteredAt: stateEnteredAt, now: end) {
            return transition(to: .open, reason: .halfOpenWaitExceeded, at: end)
        }
        guard generation == self.generation else { return nil }
        let sample = WindowSample(failed: outcome.isFailure, slow: durationNanoseconds > context.slowCallNanoseconds)
        switch state {
        case .closed, .metricsOnly:
            guard outcome != .ignored else { return nil }
            window.record(sample, at: end)
            if sample.failed {
                consecutiveFailures += 1
            } else if consecutiveFailures != 0 {
                consecutiveFailures = 0
            }
            guard state == .closed, let reason = context.tripReason(consecutiveFailures: consecutiveFailures, window: window.counts) else { return nil }
            return transition(to: .open, reason: reason, at: end)
        case .halfOpen:
            // A probe recorded a second time, by mistake, must not give back a permit twice.
            guard let index = probesOutstanding.firstIndex(of: probe) else { return nil }
            probesOutstanding.remove(at: index)
            guard outcome != .ignored else {
                probesAdmitted -= 1
                return nil
            }
            probeCounts.add(sample)
            consecutiveFailures = sample.failed ? consecutiveFailures + 1 : 0
            guard let recovered = context.probeVerdict(probeCounts) else { return nil }
            return recovered
                ? transition(to: .closed, reason: .probesSucceeded, at: end)
                : transition(to: .open, reason: .probesFailed, at: end)
        case .open, .forcedOpen, .disabled:
            return nil
        }
    }

    /// Whether a success that is not slow can be left out of the lock, because it cannot trip the
    /// circuit: a closed or metrics-only circuit with no run of failures, whose count-based window
    /// is full of such successes (rotating a ring of equal samples leaves it as it was), or whose
    /// time-based window has no failure and no slow call, or holds the minimum number of calls at
    /// rates below the thresholds (a success only lowers them). A time-based window's success is
    /// counted by ``SuccessStripes`` in the newest slice; a later slice, whose arrival can drop
    /// calls and raise the rates, goes through the lock again.
    var isQuiet: Bool {
        guard (state == .closed || state == .metricsOnly) && consecutiveFailures == 0 else { return false }
        if window.isFullOfFastSuccesses { return true }
        guard window.isTimeBased else { return false }
        let counts = window.counts
        if counts.failures == 0 && counts.slowCalls == 0 { return true }
        return counts.calls >= effectiveMinimumNumberOfCalls
            && context.tripReason(consecutiveFailures: 0, window: counts) == nil
    }

    /// The slice of a time-based window that successes may be counted in without the lock, or
    /// `nil` when they may not.
    var lockFreeSuccessSlice: Int64? {
        isQuiet ? window.headSlice : nil
    }

    /// The slice width of a time-based window in nanoseconds; `nil` for a count-based one.
    var timeWindowSliceWidth: Int64? {
        window.sliceWidth
    }

    /// Adds successes counted without the lock (see ``SuccessStripes``) to the window.
    mutating func absorbSuccesses(_ count: Int, sliceTag: Int64) {
        window.addSuccesses(count, sliceTag: sliceTag, mask: Int64(SuccessStripes.sliceMask))
    }

    // MARK: Transitions

    /// Sets a state by hand. Returns no transition when the circuit is already in `target`, except
    /// for a reset to closed, which always empties the window.
    mutating func transition(byHandTo target: CircuitState, reason: String, at now: BreakerInstant) -> Effects? {
        guard target != state || target == .closed else { return nil }
        return transition(to: target, reason: .manual(reason), at: now)
    }

    private mutating func transition(
        to target: CircuitState,
        reason: TransitionReason,
        at now: BreakerInstant
    ) -> Effects {
        let unixTime = context.clock.unixTime
        let change = StateTransition(from: state, to: target, instant: now, unixTime: unixTime, reason: reason)
        state = target
        generation &+= 1
        stateEnteredAt = now
        stateEnteredUnixTime = unixTime
        if recentTransitions.count == CircuitBreakerSnapshot.recentTransitionLimit {
            recentTransitions.removeFirst()
        }
        recentTransitions.append(change)
        probesAdmitted = 0
        probesIssued = 0
        probesOutstanding.removeAll(keepingCapacity: true)
        probeCounts = WindowCounts()
        var timerDeadline: BreakerInstant?
        switch target {
        case .closed, .disabled, .metricsOnly:
            window.reset()
            consecutiveFailures = 0
            consecutiveOpens = 0
        case .open:
            consecutiveOpens += 1
            openUntil = now.advanced(by: context.configuration.openDuration.wait(afterOpens: consecutiveOpens))
            timerDeadline = openUntil
        case .halfOpen:
            consecutiveFailures = 0
            timerDeadline = context.configuration.maximumWaitInHalfOpen.map { now.advanced(by: $0) }
        case .forcedOpen:
            break
        }
        rejection = Rejection(
            CircuitBreakerError(
                circuit: context.name, state: target, nextAdmission: target == .open ? openUntil : nil,
                rejectionClock: context.rejectionClock))
        return Effects(
            transition: change,
            timerDeadline: context.configuration.automaticTransitionFromOpenToHalfOpen ? timerDeadline : nil,
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
    var effectiveMinimumNumberOfCalls: Int { context.minimumNumberOfCalls }
}
