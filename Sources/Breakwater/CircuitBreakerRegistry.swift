import Logging
import Synchronization

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

    private struct State {
        var breakers: [String: CircuitBreaker] = [:]
        var observers: [(token: ObserverToken, observer: any CircuitBreakerRegistryObserver)] = []
        var nextObserverID: UInt64 = 0
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
        let (breaker, observers) = state.withLock { state in
            if let raced = state.breakers[created.name] {
                return (raced, [(token: ObserverToken, observer: any CircuitBreakerRegistryObserver)]())
            }
            state.breakers[created.name] = created
            return (created, state.observers)
        }
        for entry in observers {
            entry.observer.registry(self, didAdd: breaker)
        }
        return breaker
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
        let (removed, observers) = state.withLock { state in
            (state.breakers.removeValue(forKey: name), state.observers)
        }
        if let removed {
            for entry in observers {
                entry.observer.registry(self, didRemove: removed)
            }
        }
        return removed
    }

    /// Resets every breaker to closed with an empty window.
    public func resetAll(reason: String = "reset") {
        for breaker in breakers {
            breaker.reset(reason: reason)
        }
    }

    /// Adds an observer, tells it at once of every breaker already here, then of each breaker
    /// added or removed later.
    @discardableResult
    public func addObserver(_ observer: any CircuitBreakerRegistryObserver) -> ObserverToken {
        let (token, existing) = state.withLock { state in
            let token = ObserverToken(id: state.nextObserverID)
            state.nextObserverID += 1
            state.observers.append((token, observer))
            return (token, Array(state.breakers.values))
        }
        for breaker in existing.sorted(by: { $0.name < $1.name }) {
            observer.registry(self, didAdd: breaker)
        }
        return token
    }

    /// Removes the observer that `token` identifies.
    public func removeObserver(_ token: ObserverToken) {
        state.withLock { state in
            state.observers.removeAll { $0.token == token }
        }
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
