/// Admitting calls and recording how they ended: the two halves every way of calling shares.
extension CircuitBreaker {
    @usableFromInline
    enum Admission {
        case admitted(CircuitBreakerPermission)
        /// The rejection as a value, and boxed once per state so that throwing it allocates nothing.
        case rejected(CircuitBreakerError, boxed: any Error)
    }

    /// Admits a call or says why not. A closed, disabled or metrics-only circuit admits on one
    /// atomic load; the others decide under the lock.
    @usableFromInline
    func admit() -> Admission {
        let (state, generation) = Self.unpack(published.load(ordering: .acquiring))
        switch state {
        case .closed, .metricsOnly:
            return .admitted(CircuitBreakerPermission(generation: generation, state: state, startedAt: clock.now))
        case .disabled:
            return .admitted(CircuitBreakerPermission(generation: generation, state: state, startedAt: BreakerInstant(nanoseconds: 0)))
        case .open, .halfOpen, .forcedOpen:
            return admitUnderLock()
        }
    }

    private func admitUnderLock() -> Admission {
        let now = clock.coarseNow
        let (admission, effects, observers) = step { machine in
            machine.admit(at: now, unixTime: clock.unixTime)
        }
        apply(effects, observers: observers)
        switch admission {
        case .admitted(let generation, let state):
            let startedAt = state == .disabled ? BreakerInstant(nanoseconds: 0) : clock.now
            return .admitted(CircuitBreakerPermission(generation: generation, state: state, startedAt: startedAt))
        case .rejected(let error, let boxed):
            for entry in observers {
                entry.observer.circuitBreaker(self, didRecord: .rejected, duration: .zero)
            }
            return .rejected(error, boxed: boxed)
        }
    }

    /// Admits a call, or throws the breaker's ``CircuitBreakerError`` without allocating.
    @inlinable
    func admitOrThrow() throws -> CircuitBreakerPermission {
        switch admit() {
        case .admitted(let permission): return permission
        case .rejected(_, let boxed): throw boxed
        }
    }

    /// Records that the call `permission` admitted ended with `outcome`.
    ///
    /// - Parameter duration: how long the call took; by default, the time since admission.
    @usableFromInline
    func complete(_ permission: CircuitBreakerPermission, _ outcome: CallOutcome, duration: Duration? = nil) {
        guard permission.state != .disabled else { return }
        let end = clock.now
        let nanoseconds = duration?.nanoseconds ?? (end.nanoseconds &- permission.startedAt.nanoseconds)
        let (_, effects, observers) = step { machine in
            let effects = machine.record(
                outcome,
                generation: permission.generation,
                durationNanoseconds: nanoseconds,
                at: end,
                unixTime: clock.unixTime
            )
            return ((), effects)
        }
        let measured = Duration.nanoseconds(nanoseconds)
        for entry in observers {
            entry.observer.circuitBreaker(self, didRecord: outcome, duration: measured)
        }
        apply(effects, observers: observers)
    }

    /// Records that the call `permission` admitted threw `error`: a failure or ignored, as the
    /// configuration's ``CircuitBreakerConfiguration/isFailure`` decides.
    @usableFromInline
    func complete(_ permission: CircuitBreakerPermission, error: any Error, duration: Duration? = nil) {
        complete(permission, configuration.isFailure(error) ? .failure : .ignored, duration: duration)
    }
}
