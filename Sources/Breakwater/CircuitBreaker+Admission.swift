import Synchronization

/// Admitting calls and recording how they ended: the two halves every way of calling shares.
extension CircuitBreaker {
    @usableFromInline
    enum Admission {
        case admitted(CircuitBreakerPermission)
        case rejected(CircuitBreakerError)
    }

    /// Admits a call or says why not, on atomic loads alone unless the circuit is half-open or its
    /// open wait is over.
    @inlinable
    func admit() -> Admission {
        let (state, generation) = Self.unpack(published.load(ordering: .acquiring))
        if state == .closed || state == .metricsOnly {
            return .admitted(CircuitBreakerPermission(generation: generation, state: state, breaker: id, startedAt: clock.now))
        }
        return admitOutsideClosedState(state, generation: generation)
    }

    @usableFromInline
    func admitOutsideClosedState(_ state: CircuitState, generation: UInt64) -> Admission {
        switch state {
        case .disabled:
            return .admitted(CircuitBreakerPermission(
                generation: generation, state: state, breaker: id, startedAt: BreakerInstant(nanoseconds: 0)))
        case .forcedOpen:
            return reject(CircuitBreakerError(circuit: name, state: state, nextAdmission: nil, rejectionClock: context.rejectionClock))
        case .open:
            let deadline = openUntil.load(ordering: .relaxed)
            let now = readsSystemClock ? SystemClock().coarseNow : clock.coarseNow
            if now.nanoseconds < deadline {
                return reject(CircuitBreakerError(
                    circuit: name, state: state, nextAdmission: BreakerInstant(nanoseconds: deadline),
                    rejectionClock: context.rejectionClock))
            }
            return admitUnderLock()
        case .closed, .metricsOnly, .halfOpen:
            return admitUnderLock()
        }
    }

    private func reject(_ error: CircuitBreakerError) -> Admission {
        // `.nanoseconds(0)` folds to a constant; `Duration.zero` is a call into the standard library.
        withObservers { $0.notify(self, didRecord: .rejected, duration: .nanoseconds(0)) }
        return .rejected(error)
    }

    private func admitUnderLock() -> Admission {
        let now = clock.coarseNow
        let (admission, mustTell) = core.withLock { core in
            locked(&core) { $0.admit(at: now) }
        }
        if mustTell { tellTransitions() }
        switch admission {
        case .admitted(let generation, let state, let probe):
            let startedAt = state == .disabled ? BreakerInstant(nanoseconds: 0) : clock.now
            return .admitted(CircuitBreakerPermission(
                generation: generation, state: state, probe: probe, breaker: id, startedAt: startedAt))
        case .rejected(let error):
            return reject(error)
        }
    }

    /// Admits a call, or throws the breaker's ``CircuitBreakerError``.
    @inlinable
    func admitOrThrow() throws -> CircuitBreakerPermission {
        switch admit() {
        case .admitted(let permission): return permission
        case .rejected(let error): throw boxed(error)
        }
    }

    /// `error` as an `any Error`: the box made once at the transition when it still describes the
    /// circuit, so that rejecting allocates nothing.
    @usableFromInline
    func boxed(_ error: CircuitBreakerError) -> any Error {
        let cached = core.withLock { $0.machine.rejection }
        return cached.error == error ? cached.boxed : error
    }

    /// Records that the call `permission` admitted ended with `outcome`.
    ///
    /// - Parameter duration: how long the call took; by default, the time since admission.
    @usableFromInline
    func complete(_ permission: CircuitBreakerPermission, _ outcome: CallOutcome, duration: Duration? = nil) {
        guard permission.state != .disabled else { return }
        let end = clock.now
        let nanoseconds = duration?.nanoseconds ?? (end.nanoseconds &- permission.startedAt.nanoseconds)
        var mustTell = false
        if outcome == .success, nanoseconds <= context.slowCallNanoseconds,
            quietGeneration.load(ordering: .acquiring) == permission.generation &+ 1,
            successStripes?.add(generation: permission.generation, endedAt: end.nanoseconds) ?? true
        {
            // Counted without the lock.
        } else {
            mustTell = core.withLock { core in
                locked(&core) { machine in
                    ((), machine.record(
                        outcome, generation: permission.generation, probe: permission.probe, durationNanoseconds: nanoseconds, at: end))
                }
            }.mustTell
        }
        let measured = Duration.nanoseconds(nanoseconds)
        withObservers { $0.notify(self, didRecord: outcome, duration: measured) }
        if mustTell { tellTransitions() }
    }

    /// Records that the call `permission` admitted threw `error`: a failure or ignored, as the
    /// configuration's ``CircuitBreakerConfiguration/isFailure`` decides.
    @usableFromInline
    func complete(_ permission: CircuitBreakerPermission, error: any Error, duration: Duration? = nil) {
        complete(permission, configuration.isFailure(error) ? .failure : .ignored, duration: duration)
    }
}
