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
/// is admitted on one atomic load and recorded under one short lock; an open circuit rejects on
/// atomic loads alone. Observers are called after the lock is released.
public final class CircuitBreaker: Sendable {
    // Stored properties are laid out in this order. What every call reads but transitions alone
    // write comes first, then what never changes, and the lock that every call writes last, so
    // that a lock hand-off between cores does not evict the lines that admission reads.

    /// The state and generation, packed as `generation << 3 | state`, for lock-free admission.
    @usableFromInline let published: Atomic<UInt64>
    /// The end of the current open wait in nanoseconds, stored before ``published``.
    let openUntil: Atomic<Int64>
    /// The current ``ObserverList``, kept alive by ``Core/observers``.
    let observers: PublishedObservers
    /// The generation plus one while the state machine ``CircuitBreakerStateMachine/isQuiet``,
    /// zero otherwise: a success that is not slow, admitted in that generation, is not recorded
    /// under the lock. With a count-based window it changes nothing; with a time-based one it is
    /// counted by ``successStripes``. A healthy circuit's calls then share no cache line they write.
    let quietGeneration = Atomic<UInt64>(0)
    /// Per-thread success counters for a time-based window; `nil` for a count-based one.
    let successStripes: SuccessStripes?

    /// The circuit's name, as logs and metrics show it.
    public let name: String
    /// A number no other breaker of the process has (until 4 billion have been made), carried by
    /// its permissions.
    @usableFromInline let id: UInt32
    /// The configuration the breaker was created with.
    public let configuration: CircuitBreakerConfiguration
    /// The clock the breaker measures time on: open durations, windows, and when it changed state.
    @usableFromInline package let clock: any BreakerClock
    /// Whether ``clock`` is the ``SystemClock``, read then without going through the protocol:
    /// an open circuit's rejection reads the time and little else.
    let readsSystemClock: Bool
    let logger: Logger

    /// The rules that never change, shared with the state machine.
    let context: CircuitBreakerStateMachine.Context

    let core: Guarded<Core>
    /// The automatic transition's timer, armed and replaced by ``tellTransitions()`` alone.
    let timer = Guarded<Task<Void, Never>?>(nil)

    struct Core {
        var machine: CircuitBreakerStateMachine
        /// The observer list published now.
        var observers: ObserverList
        /// Lists replaced that a call may still be reading.
        var retiredObservers = PublishedObservers.Retired()
        var nextObserverID: UInt64 = 0
        var eventStreams: EventStreams?
        /// Transitions made and not yet told to the observers, oldest first.
        var untold: [CircuitBreakerStateMachine.Effects] = []
        /// Whether a thread is telling ``untold`` transitions; the others leave it to that thread.
        var telling = false
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
        id = Self.ids.wrappingAdd(1, ordering: .relaxed).newValue
        self.configuration = configuration
        self.clock = clock
        readsSystemClock = clock is SystemClock
        self.logger = logger
        context = CircuitBreakerStateMachine.Context(name: name, configuration: configuration, clock: clock)
        let machine = CircuitBreakerStateMachine(context: context)
        if let sliceWidth = machine.timeWindowSliceWidth {
            successStripes = SuccessStripes(sliceWidth: sliceWidth)
        } else {
            successStripes = nil
        }
        let list = ObserverList(tokens: observers.indices.map { ObserverToken(id: UInt64($0)) }, observers: observers)
        published = Atomic(Self.pack(machine))
        openUntil = Atomic(machine.openUntil.nanoseconds)
        self.observers = PublishedObservers(list)
        core = Guarded(Core(machine: machine, observers: list, nextObserverID: UInt64(observers.count)))
    }

    /// The last ``id`` handed out.
    private static let ids = Atomic<UInt32>(0)

    deinit {
        timer.withLock { $0?.cancel() }
    }

    /// The circuit's current state.
    public var state: CircuitState {
        Self.unpack(published.load(ordering: .acquiring)).state
    }

    // MARK: Observers

    /// Adds an observer of every later call outcome and transition.
    @discardableResult
    public func addObserver(_ observer: any CircuitBreakerObserver) -> ObserverToken {
        core.withLock { core in add(observer, in: &core) }.0
    }

    /// Removes the observer that `token` identifies; does nothing if it is already gone.
    public func removeObserver(_ token: ObserverToken) {
        // Lists released here are freed after the lock.
        _ = core.withLock { core -> [ObserverList] in
            guard let remaining = core.observers.removing(token) else { return [] }
            return publish(remaining, in: &core)
        }
    }

    /// The event fan-out behind ``events(bufferSize:)``, added as an observer on first use.
    func eventStreams() -> EventStreams {
        // Lists released here are freed after the lock.
        let (streams, _) = core.withLock { core -> (EventStreams, [ObserverList]) in
            if let streams = core.eventStreams { return (streams, []) }
            let streams = EventStreams()
            core.eventStreams = streams
            return (streams, add(streams, in: &core).1)
        }
        return streams
    }

    /// Adds `observer` under a new token; returns the token and the lists to release after the lock.
    private func add(_ observer: any CircuitBreakerObserver, in core: inout Core) -> (ObserverToken, [ObserverList]) {
        let token = ObserverToken(id: core.nextObserverID)
        core.nextObserverID += 1
        return (token, publish(core.observers.adding(observer, as: token), in: &core))
    }

    /// Publishes `list` in place of the current one; returns the lists to release after the lock.
    private func publish(_ list: ObserverList, in core: inout Core) -> [ObserverList] {
        observers.publish(list, replacing: core.observers, retired: &core.retiredObservers)
        core.observers = list
        return observers.reclaim(&core.retiredObservers)
    }

    /// Runs `body` with the current observer list, without retaining it.
    @inline(__always)
    func withObservers<Result>(_ body: (ObserverList) -> Result) -> Result {
        observers.read(body)
    }

    // MARK: State publication and effects

    static func pack(_ machine: CircuitBreakerStateMachine) -> UInt64 {
        machine.generation << 3 | UInt64(machine.state.rawValue)
    }

    @usableFromInline
    static func unpack(_ word: UInt64) -> (state: CircuitState, generation: UInt64) {
        (CircuitState(rawValue: UInt8(truncatingIfNeeded: word & 7)) ?? .closed, word >> 3)
    }

    /// Runs `step` on the state machine under the lock, then tells any transition it made.
    func withMachine(_ step: (inout CircuitBreakerStateMachine) -> CircuitBreakerStateMachine.Effects?) {
        let mustTell = core.withLock { core in locked(&core) { ((), step(&$0)) } }.mustTell
        if mustTell { tellTransitions() }
    }

    /// What every step under the lock does: take in the successes counted without it, run `step`,
    /// then publish what lock-free callers read, under the lock so that it never goes back. A
    /// transition joins the untold ones; `mustTell` when the caller must tell them after the lock.
    func locked<Result>(
        _ core: inout Core,
        _ step: (inout CircuitBreakerStateMachine) -> (Result, CircuitBreakerStateMachine.Effects?)
    ) -> (result: Result, mustTell: Bool) {
        successStripes?.drain(into: &core.machine)
        let (result, effects) = step(&core.machine)
        successStripes?.prime(&core.machine, slice: core.machine.lockFreeSuccessSlice)
        var mustTell = false
        if let effects {
            openUntil.store(core.machine.openUntil.nanoseconds, ordering: .relaxed)
            published.store(Self.pack(core.machine), ordering: .releasing)
            core.untold.append(effects)
            mustTell = !core.telling
            core.telling = true
        }
        let quiet = core.machine.isQuiet ? core.machine.generation &+ 1 : 0
        // Written only when it changes, so that readers on other cores keep their copy.
        if quietGeneration.load(ordering: .relaxed) != quiet {
            quietGeneration.store(quiet, ordering: .releasing)
        }
        return (result, mustTell)
    }

    /// Tells every untold transition, oldest first, until none is left: one thread at a time, so
    /// that observers, event streams and the log see a breaker's transitions in the order they
    /// happened. A transition made meanwhile, on another thread or by an observer, is told too.
    func tellTransitions() {
        while let effects = core.withLock({ core -> CircuitBreakerStateMachine.Effects? in
            guard !core.untold.isEmpty else {
                core.telling = false
                return nil
            }
            return core.untold.removeFirst()
        }) {
            apply(effects)
        }
    }

    /// Logs a transition, tells the observers, and arms or disarms the automatic timer.
    private func apply(_ effects: CircuitBreakerStateMachine.Effects) {
        log(effects.transition)
        withObservers { $0.notify(self, didTransition: effects.transition) }
        scheduleTimer(at: effects.timerDeadline, generation: effects.generation)
    }

    /// Logs a transition as swift-log's guide asks of a library: `info` when the circuit starts
    /// rejecting calls (the one thing a caller learns only from its errors), `debug` otherwise;
    /// the values in metadata, the message constant.
    private func log(_ transition: StateTransition) {
        let level: Logger.Level = transition.to.rejectsCalls ? .info : .debug
        logger.log(
            level: level,
            "circuit breaker changed state",
            metadata: [
                "circuit": "\(name)",
                "from": "\(transition.from)",
                "to": "\(transition.to)",
                "reason": "\(transition.reason)",
            ]
        )
    }

    /// Arms the timer for `generation`, replacing the earlier one; `nil` disarms it. Transitions are
    /// told one at a time, in order, so the timer replaced is always an older generation's.
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
            defer { pending = task }
            return pending
        }
        replaced?.cancel()
    }

    private func timerFired(generation: UInt64) {
        let now = clock.now
        withMachine { $0.timerFired(generation: generation, at: now) }
    }
}
