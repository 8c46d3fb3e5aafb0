import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The breakers of an application, by name: one per dependency.
///
/// ```swift
/// let registry = try CircuitBreakerRegistry(
///     defaultConfiguration: CircuitBreakerConfiguration(failureRateThreshold: 0.5),
///     overrides: ["search": CircuitBreakerConfiguration(slowCallRateThreshold: 0.8)]
/// )
/// let payments = try registry.breaker(named: "payments")
/// ```
public final class CircuitBreakerRegistry: Sendable {
    /// The configuration of breakers without an override.
    public let defaultConfiguration: CircuitBreakerConfiguration
    /// Configurations for particular names.
    public let overrides: [String: CircuitBreakerConfiguration]

    private let clock: any BreakerClock
    private let logger: Logger
    private let state = Guarded(State())
    /// Held while a change is made and announced, so that observers hear of changes one at a
    /// time, in the order they were made. Its value is not used: it is not `Void` because a
    /// zero-sized value shares its address with the next property, which ThreadSanitizer then
    /// reports as racing with the lock.
    private let announcing = Guarded<Bool>(false)
    /// The thread holding ``announcing``, or 0: a change that an observer makes while it is told
    /// of another is queued behind it rather than waiting for a lock its own thread holds.
    private let announcer = Atomic<UInt>(0)

    private struct State {
        var breakers: [String: CircuitBreaker] = [:]
        var observers: [(token: ObserverToken, observer: any CircuitBreakerRegistryObserver)] = []
        var nextObserverID: UInt64 = 0
        /// Changes made and not yet announced, oldest first.
        var unannounced: [Announcement] = []
    }

    /// A change, and the observers there were when it was made.
    private struct Announcement {
        enum Change {
            case added(CircuitBreaker)
            case removed(CircuitBreaker)
        }

        var change: Change
        var observers: [any CircuitBreakerRegistryObserver]
    }

    /// Creates an empty registry after checking every configuration and overridden name.
    ///
    /// - Throws: ``CircuitBreakerConfigurationError`` naming the first invalid field or name.
    public init(
        defaultConfiguration: CircuitBreakerConfiguration = CircuitBreakerConfiguration(),
        overrides: [String: CircuitBreakerConfiguration] = [:],
        clock: any BreakerClock = SystemClock(),
        logger: Logger = Logger(label: "breakwater")
    ) throws(CircuitBreakerConfigurationError) {
        try defaultConfiguration.validate()
        for (name, configuration) in overrides.sorted(by: { $0.key < $1.key }) {
            try configuration.validate(name: name)
        }
        self.defaultConfiguration = defaultConfiguration
        self.overrides = overrides
        self.clock = clock
        self.logger = logger
    }

    /// The breaker named `name`; if there is none yet, one is created with the override for that
    /// name or the default configuration.
    ///
    /// - Throws: ``CircuitBreakerConfigurationError`` when the name is invalid.
    public func breaker(named name: String) throws(CircuitBreakerConfigurationError) -> CircuitBreaker {
        if let existing = state.withLock({ $0.breakers[name] }) {
            return existing
        }
        return try add(CircuitBreaker(
            name: name, configuration: overrides[name] ?? defaultConfiguration, clock: clock, logger: logger))
    }

    /// The breaker named `name`, created with `configuration` if there is none yet.
    ///
    /// An existing breaker is returned when its configuration equals `configuration`. Equality
    /// leaves out the ``CircuitBreakerConfiguration/isFailure`` predicate, which cannot be
    /// compared: asking again with only another predicate returns the existing breaker, which
    /// keeps the predicate it was created with. To change a predicate, remove the breaker first.
    ///
    /// - Throws: ``CircuitBreakerRegistryError/invalid(_:)`` for an invalid name or configuration,
    ///   ``CircuitBreakerRegistryError/configurationConflict(name:)`` when a breaker of that name
    ///   exists with another configuration.
    public func breaker(
        named name: String,
        configuration: CircuitBreakerConfiguration
    ) throws(CircuitBreakerRegistryError) -> CircuitBreaker {
        let breaker: CircuitBreaker
        if let existing = state.withLock({ $0.breakers[name] }) {
            breaker = existing
        } else {
            do {
                breaker = add(try CircuitBreaker(name: name, configuration: configuration, clock: clock, logger: logger))
            } catch {
                throw .invalid(error)
            }
        }
        guard breaker.configuration == configuration else { throw .configurationConflict(name: name) }
        return breaker
    }

    /// Adds `created` unless another caller added a breaker of its name first, and returns the
    /// breaker that is in the registry.
    private func add(_ created: CircuitBreaker) -> CircuitBreaker {
        change { state in
            if let raced = state.breakers[created.name] {
                return raced
            }
            state.breakers[created.name] = created
            state.unannounced.append(Announcement(change: .added(created), observers: state.observers.map(\.observer)))
            return created
        }
    }

    /// The breaker named `name` if the registry holds one; unlike ``breaker(named:)``, it never
    /// creates one, so a name from outside (a URL, a command) cannot add circuits.
    public func existingBreaker(named name: String) -> CircuitBreaker? {
        state.withLock { $0.breakers[name] }
    }

    /// Every breaker, sorted by name.
    public var breakers: [CircuitBreaker] {
        state.withLock { Array($0.breakers.values) }.sorted { $0.name < $1.name }
    }

    /// A snapshot of every breaker, sorted by name.
    public func snapshots() -> [CircuitBreakerSnapshot] {
        breakers.map { $0.snapshot() }
    }

    /// Removes the breaker named `name` and returns it, or `nil` if there is none.
    @discardableResult
    public func remove(named name: String) -> CircuitBreaker? {
        change { state in
            let removed = state.breakers.removeValue(forKey: name)
            if let removed {
                state.unannounced.append(
                    Announcement(change: .removed(removed), observers: state.observers.map(\.observer)))
            }
            return removed
        }
    }

    /// Resets every breaker to closed with an empty window.
    public func resetAll(reason: String = "reset") {
        for breaker in breakers {
            breaker.reset(reason: reason)
        }
    }

    /// Adds an observer, tells it at once of every breaker already here, then of each breaker
    /// added or removed later.
    ///
    /// Observers hear of the changes one at a time, in the order the registry made them, on the
    /// thread that made each change, before the call that made it returns; all but one exception:
    /// a change that an observer itself makes is announced once the observer returns. An observer
    /// may read the registry and change it, but must not wait for another thread that changes it.
    @discardableResult
    public func addObserver(_ observer: any CircuitBreakerRegistryObserver) -> ObserverToken {
        change { state in
            let token = ObserverToken(id: state.nextObserverID)
            state.nextObserverID += 1
            state.observers.append((token, observer))
            for breaker in state.breakers.values.sorted(by: { $0.name < $1.name }) {
                state.unannounced.append(Announcement(change: .added(breaker), observers: [observer]))
            }
            return token
        }
    }

    /// Removes the observer that `token` identifies. It may still hear of a change made before.
    public func removeObserver(_ token: ObserverToken) {
        state.withLock { state in
            state.observers.removeAll { $0.token == token }
        }
    }

    /// Makes a change with `body`, which queues its announcements, then announces every queued
    /// change in order, unless this thread is announcing already: then the change is announced
    /// after the one being announced.
    private func change<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        let thread = Self.currentThread()
        if announcer.load(ordering: .relaxed) == thread {
            return state.withLock { body(&$0) }
        }
        return announcing.withLock { _ in
            announcer.store(thread, ordering: .relaxed)
            defer { announcer.store(0, ordering: .relaxed) }
            let result = state.withLock { body(&$0) }
            while let next = state.withLock({ $0.unannounced.isEmpty ? nil : $0.unannounced.removeFirst() }) {
                for observer in next.observers {
                    switch next.change {
                    case .added(let breaker): observer.registry(self, didAdd: breaker)
                    case .removed(let breaker): observer.registry(self, didRemove: breaker)
                    }
                }
            }
            return result
        }
    }

    /// The calling thread, as a number no other running thread has and never 0.
    private static func currentThread() -> UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }
}

/// Learns of the breakers a ``CircuitBreakerRegistry`` gains and loses; how metrics bind to every
/// breaker of an application, present and future.
public protocol CircuitBreakerRegistryObserver: Sendable {
    /// `breaker` joined `registry`, or was already there when this observer was added.
    func registry(_ registry: CircuitBreakerRegistry, didAdd breaker: CircuitBreaker)
    /// `breaker` was removed from `registry`.
    func registry(_ registry: CircuitBreakerRegistry, didRemove breaker: CircuitBreaker)
}

/// Why a ``CircuitBreakerRegistry`` could not give a breaker.
public enum CircuitBreakerRegistryError: Error, Hashable, CustomStringConvertible {
    /// The name or the configuration is invalid.
    case invalid(CircuitBreakerConfigurationError)
    /// A breaker of this name exists with a different configuration; it is not replaced.
    case configurationConflict(name: String)

    public var description: String {
        switch self {
        case .invalid(let error):
            error.description
        case .configurationConflict(let name):
            "circuit '\(name)' already exists with a different configuration; remove it first to replace it"
        }
    }
}
