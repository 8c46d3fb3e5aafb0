import Breakwater
import CoreMetrics

/// Records the breaker metrics contract through a swift-metrics `MetricsFactory`, so that a
/// service whose metrics go to swift-prometheus, swift-otel or any other backend gets its
/// breakers' metrics there, under the contract's names and dimensions.
///
/// ```swift
/// MetricsSystem.bootstrap(PrometheusMetricsFactory())          // the application's backend, once
/// let binding = try SwiftMetricsBreakerBinding(dimensions: ["service": "checkout"])
/// registry.addObserver(binding)                                 // or: try registry.recordMetrics()
/// ```
///
/// Counters (calls, transitions, slow calls, fallbacks) and the call duration `Timer` are updated
/// as calls happen; the four automatic transitions and the three fallback reasons exist at 0 from
/// the moment a breaker is bound. The thresholds, the minimum number of calls and the window size
/// are set once, when the breaker is bound.
///
/// swift-metrics has no way to compute a value when a backend exports, so the gauges that
/// describe a breaker's current condition (state, failure and slow-call rates, consecutive
/// failures, window counts, state change timestamp) are set from the breaker's snapshot: when it
/// is bound, at every transition, after a call when the last refresh is at least
/// ``Options/refreshInterval`` old (1 second by default), and whenever ``refresh()`` is called.
/// The state gauges are therefore never behind a transition; the others can miss the calls of
/// the last interval before the latest call, and a time-based window that empties while no
/// calls come stays as it was, until the next call or ``refresh()``. An application that wants
/// them exact at every scrape calls ``refresh()`` before it renders.
///
/// Every handler is made with the factory given at creation, `MetricsSystem.factory` by default:
/// create the binding after `MetricsSystem.bootstrap`, or its metrics go nowhere. A breaker
/// removed from the registry, or removed by hand, has its metrics destroyed through that factory,
/// so the backend exports no series for it; so does a breaker added by hand and freed by the
/// application. The binding never keeps a breaker alive. Circuit names must be unique among the
/// breakers of one binding, as they are in a registry: backends hand out one series per name
/// and dimensions.
///
/// Use this binding or `BreakwaterMetrics`' `MetricsCollector.recordMetrics(of:)`, not both on
/// the same backend: both register the same names.
public final class SwiftMetricsBreakerBinding: CircuitBreakerRegistryObserver {
    private struct Bound {
        weak let instruments: BreakerInstruments?
        let token: ObserverToken
    }

    private let factory: any MetricsFactory
    private let constantDimensions: [(String, String)]
    private let options: Options
    private let clock: any BreakerClock
    private let bound = Guarded<[ObjectIdentifier: Bound]>([:])

    /// The dimensions the contract's metrics have besides the constant ones: no constant
    /// dimension may take one.
    static let contractDimensionNames: Set<String> = ["circuit", "state", "from", "to", "outcome", "kind", "reason", "unit"]

    /// Creates a binding that makes its metrics with `factory`, with `dimensions` (such as
    /// `service`) on every one of them, recording call durations and refreshing snapshot gauges
    /// as `options` say.
    ///
    /// - Parameters:
    ///   - factory: The backend; by default the one `MetricsSystem` was bootstrapped with.
    ///   - dimensions: Constant dimensions, added before the contract's own.
    ///   - options: Whether durations are split by outcome, and how often calls refresh gauges.
    ///   - clock: The clock that spaces the refreshes calls cause; tests pass their
    ///     `ManualClock`.
    /// - Throws: ``SwiftMetricsBindingError`` when a dimension is one of the contract's own or
    ///   has an empty name, or when the refresh interval is negative.
    public init(
        factory: any MetricsFactory = MetricsSystem.factory,
        dimensions: [String: String] = [:],
        options: Options = Options(),
        clock: any BreakerClock = SystemClock()
    ) throws(SwiftMetricsBindingError) {
        let names = dimensions.keys.sorted()
        let contract = Self.contractDimensionNames
        if let clash = names.first(where: contract.contains) {
            throw SwiftMetricsBindingError(
                "dimension \"\(clash)\" is one of the breaker metrics' own: \(contract.sorted())")
        }
        if names.contains("") {
            throw SwiftMetricsBindingError("a dimension has an empty name")
        }
        guard options.refreshInterval >= .zero else {
            throw SwiftMetricsBindingError("refreshInterval is \(options.refreshInterval); it must be zero or more")
        }
        self.factory = factory
        constantDimensions = names.map { ($0, dimensions[$0] ?? "") }
        self.options = options
        self.clock = clock
    }

    /// Records `breaker`'s calls, fallbacks and transitions from now on; does nothing if it
    /// already is.
    public func add(_ breaker: CircuitBreaker) {
        let key = ObjectIdentifier(breaker)
        // An entry whose breaker was freed may remain, and a new breaker may take its address:
        // it is bound only if the entry is its own.
        let isBound = bound.withLock { bound -> Bool in
            guard let entry = bound[key] else { return false }
            if entry.instruments?.breaker === breaker { return true }
            bound[key] = nil
            return false
        }
        guard !isBound else { return }
        let instruments = BreakerInstruments(
            breaker, factory: factory, constantDimensions: constantDimensions, options: options, clock: clock)
        let token = breaker.addObserver(instruments)
        let raced = bound.withLock { bound -> Bool in
            if bound[key]?.instruments?.breaker === breaker { return true }
            // Entries of freed breakers go while the lock is held anyway.
            bound = bound.filter { $0.value.instruments != nil }
            bound[key] = Bound(instruments: instruments, token: token)
            return false
        }
        if raced {
            breaker.removeObserver(token)
            instruments.relinquish()
        }
    }

    /// Stops recording `breaker` and destroys its metrics.
    public func remove(_ breaker: CircuitBreaker) {
        guard let removed = bound.withLock({ $0.removeValue(forKey: ObjectIdentifier(breaker)) }) else { return }
        breaker.removeObserver(removed.token)
        removed.instruments?.destroy()
    }

    /// Sets every bound breaker's snapshot gauges from its snapshot now, whatever
    /// ``Options/refreshInterval`` says: call it before a backend exports to have them exact.
    public func refresh() {
        let all = bound.withLock { bound in
            if bound.values.contains(where: { $0.instruments == nil }) {
                bound = bound.filter { $0.value.instruments != nil }   // breakers freed since
            }
            return bound.values.compactMap(\.instruments)
        }
        for instruments in all {
            instruments.refresh()
        }
    }

    public func registry(_ registry: CircuitBreakerRegistry, didAdd breaker: CircuitBreaker) {
        add(breaker)
    }

    public func registry(_ registry: CircuitBreakerRegistry, didRemove breaker: CircuitBreaker) {
        remove(breaker)
    }
}
