import Logging
import Synchronization

/// Protects callers from a dependency that fails or slows down.
///
/// While the circuit is closed, calls pass and their outcomes fill a sliding window. When failures
/// or slow calls reach a configured threshold the circuit opens and rejects calls at once with a
/// ``CircuitBreakerError``, sparing the dependency and the callers. After the open duration, the
/// circuit is half-open: a fixed number of probe calls go through, and their outcomes close the
/// circuit or open it again.
///
/// ```swift
/// let payments = try CircuitBreaker(name: "payments")
/// let receipt = try await payments.run { try await gateway.charge(order) }
/// ```
///
/// A breaker is safe to share between any number of tasks and threads. A call in a closed circuit
/// reads one atomic to be admitted and takes one short lock to be recorded; observers are called
/// after the lock is released.
public final class CircuitBreaker: Sendable {
    /// The circuit's name, as logs and metrics show it.
    public let name: String
    /// The configuration the breaker was created with.
    public let configuration: CircuitBreakerConfiguration

    @usableFromInline let clock: any BreakerClock
    let logger: Logger
    /// The state and generation, packed as `generation << 3 | state`, for lock-free admission.
    @usableFromInline let published: Atomic<UInt64>
    let core: Guarded<Core>
    let timer: Guarded<PendingTimer>

    struct Core {
        var machine: CircuitBreakerStateMachine
        var observers: [(token: ObserverToken, observer: any CircuitBreakerObserver)] = []
        var nextObserverID: UInt64 = 0
    }

    struct PendingTimer {
        var generation: UInt64 = 0
        var task: Task<Void, Never>?
    }

    /// Creates a breaker after checking its name and configuration.
    ///
    /// - Parameters:
    ///   - name: 1 to 128 UTF-8 bytes; logs, errors and metrics show it.
    ///   - configuration: when to trip, how long to stay open and how to recover.
    ///   - clock: the source of time; a ``ManualClock`` in tests.
    ///   - logger: where state transitions are logged.
    ///   - observers: observers to add at once, before any call.
    /// - Throws: ``CircuitBreakerConfigurationError`` naming the first invalid field.
    public init(
        name: String,
        configuration: CircuitBreakerConfiguration = CircuitBreakerConfiguration(),
        clock: any BreakerClock = SystemClock(),
        logger: Logger = Logger(label: "breakwater"),
        observers: [any CircuitBreakerObserver] = []
    ) throws(CircuitBreakerConfigurationError) {
        try configuration.validate(name: name)
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        var core = Core(
            machine: CircuitBreakerStateMachine(
                name: name, configuration: configuration, now: clock.now, unixTime: clock.unixTime)
        )
        for observer in observers {
            core.observers.append((ObserverToken(id: core.nextObserverID), observer))
            core.nextObserverID += 1
        }
        published = Atomic(Self.pack(core.machine))
        self.core = Guarded(core)
        timer = Guarded(PendingTimer())
    }

    deinit {
        timer.withLock { $0.task?.cancel() }
    }

    /// The circuit's current state.
    public var state: CircuitState {
        Self.unpack(published.load(ordering: .acquiring)).state
    }

    // MARK: Observers

    /// Adds an observer of every later call outcome and transition.
    @discardableResult
    public func addObserver(_ observer: any CircuitBreakerObserver) -> ObserverToken {
        core.withLock { core in
            let token = ObserverToken(id: core.nextObserverID)
            core.nextObserverID += 1
            core.observers.append((token, observer))
            return token
        }
    }

    /// Removes the observer that `token` identifies; does nothing if it is already gone.
    public func removeObserver(_ token: ObserverToken) {
        core.withLock { core in
            core.observers.removeAll { $0.token == token }
        }
    }

    // MARK: Internals shared by every way of calling

    static func pack(_ machine: CircuitBreakerStateMachine) -> UInt64 {
        machine.generation << 3 | UInt64(machine.state.rawValue)
    }

    @usableFromInline
    static func unpack(_ word: UInt64) -> (state: CircuitState, generation: UInt64) {
        (CircuitState(rawValue: UInt8(truncatingIfNeeded: word & 7)) ?? .closed, word >> 3)
    }

    /// Runs a step of the state machine under the lock, publishes the state it leaves, and returns
    /// the step's result with the observers to tell, for the caller to act on after unlocking.
    func step<Result>(
        _ body: (inout CircuitBreakerStateMachine) -> (Result, CircuitBreakerStateMachine.Effects)
    ) -> (Result, CircuitBreakerStateMachine.Effects, [(token: ObserverToken, observer: any CircuitBreakerObserver)]) {
        core.withLock { core in
            let (result, effects) = body(&core.machine)
            if effects.transition != nil {
                published.store(Self.pack(core.machine), ordering: .releasing)
            }
            return (result, effects, core.observers)
        }
    }

    /// Logs a transition, tells the observers, and arms or disarms the automatic timer.
    func apply(
        _ effects: CircuitBreakerStateMachine.Effects,
        observers: [(token: ObserverToken, observer: any CircuitBreakerObserver)]
    ) {
        guard let transition = effects.transition else { return }
        log(transition)
        for entry in observers {
            entry.observer.circuitBreaker(self, didTransition: transition)
        }
        scheduleTimer(at: effects.timerDeadline, generation: effects.generation)
    }

    private func log(_ transition: StateTransition) {
        let level: Logger.Level = transition.to.rejectsCalls ? .warning : .info
        logger.log(
            level: level,
            "circuit \(name) is \(transition.to)",
            metadata: [
                "circuit": "\(name)",
                "from": "\(transition.from)",
                "to": "\(transition.to)",
                "reason": "\(transition.reason)",
            ]
        )
    }

    /// Arms the timer for `generation`, replacing any earlier one; `nil` disarms it.
    private func scheduleTimer(at deadline: BreakerInstant?, generation: UInt64) {
        let task = deadline.map { deadline in
            Task { [weak self, clock] in
                do {
                    try await clock.sleep(until: deadline)
                } catch {
                    return
                }
                self?.timerFired(generation: generation)
            }
        }
        let replaced = timer.withLock { pending -> Task<Void, Never>? in
            // Two transitions can race to arm their timers; the newer generation wins.
            guard generation >= pending.generation else { return task }
            defer { pending = PendingTimer(generation: generation, task: task) }
            return pending.task
        }
        replaced?.cancel()
    }

    private func timerFired(generation: UInt64) {
        let now = clock.now
        let (_, effects, observers) = step { machine in
            ((), machine.timerFired(generation: generation, at: now, unixTime: clock.unixTime))
        }
        apply(effects, observers: observers)
    }
}
