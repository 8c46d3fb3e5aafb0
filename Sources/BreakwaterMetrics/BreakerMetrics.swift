import Breakwater

/// Records the breakers of a registry, and any breaker added by hand, in a collector: the
/// breaker metrics contract that the dashboard and the alert rules rely on.
///
/// ```swift
/// let collector = MetricsCollector()
/// try collector.recordMetrics(of: registry, constantLabels: ["service": "checkout"])
/// ```
///
/// Every call outcome, fallback and transition updates counters and a histogram as it happens;
/// the state, rates and window are read from each breaker's snapshot when the collector renders,
/// and the thresholds, minimum number of calls and window size are set once, when the breaker is bound.
/// A breaker removed from the registry takes its series with it; so does a breaker added by hand
/// and freed by the application, at the next scrape. The binding never keeps a breaker alive; the
/// collector keeps the binding alive, so the registry itself need not be kept.
public final class BreakerMetrics: CircuitBreakerRegistryObserver {
    private struct Bound {
        let series: BreakerSeries
        let token: ObserverToken
    }

    private let families: BreakerMetricFamilies
    private let constantLabelValues: [String]
    private let exemplarSource: ExemplarSource?
    private let bound = Guarded<[ObjectIdentifier: Bound]>([:])

    /// Registers the contract's families in `collector`, with `constantLabels` on every series and
    /// call durations exported as `options` say.
    ///
    /// With `exemplars`, each call that ends in a trace the source finds leaves that trace as an
    /// OpenMetrics exemplar on the bucket of `circuit_breaker_call_duration_seconds` its duration
    /// falls in, and, for failures and timeouts, on its `circuit_breaker_calls_total` series.
    /// The source is asked on the caller's task each time a call ends; without one, the call
    /// path is as before. BreakwaterTracing's `ExemplarSources.serviceContext` finds the span of
    /// swift-distributed-tracing's current `ServiceContext`.
    ///
    /// - Throws: ``MetricsRegistrationError`` when a constant label name is invalid or is one of
    ///   the contract's own, when the duration buckets do not increase or are not finite, or when
    ///   the collector already has a family of the same name that differs, for example one bound
    ///   with other constant labels or other ``BreakerMetricsOptions``.
    public init(
        collector: MetricsCollector, constantLabels: [String: String] = [:], options: BreakerMetricsOptions = BreakerMetricsOptions(),
        exemplars: ExemplarSource? = nil
    ) throws(MetricsRegistrationError) {
        exemplarSource = exemplars
        let names = constantLabels.keys.sorted()
        let contractLabels = BreakerMetricFamilies.contractLabelNames
        if let clash = names.first(where: contractLabels.contains) {
            throw MetricsRegistrationError(
                "constant label \(MetricName.quoted(clash)) is one of the breaker metrics' own labels: \(contractLabels.sorted())")
        }
        families = try BreakerMetricFamilies(in: collector, constantLabelNames: names, options: options)
        constantLabelValues = names.map { constantLabels[$0] ?? "" }
        // The collector keeps the binding alive: an application that lets go of the registry but
        // keeps its breakers (captured by its routes) still gets their state and rates at each
        // scrape. The binding holds no collector, so there is no cycle.
        collector.addCollectHook { [self] in
            update()
        }
    }

    /// Records `breaker`'s calls and transitions from now on; does nothing if it already is.
    public func add(_ breaker: CircuitBreaker) {
        let key = ObjectIdentifier(breaker)
        // A freed breaker's entry may remain until the next scrape, and a new breaker may take
        // its address: it is bound only if the entry is its own.
        let (isBound, freed) = bound.withLock { bound -> (Bool, Bound?) in
            guard let entry = bound[key] else { return (false, nil) }
            if entry.series.breaker === breaker { return (true, nil) }
            return (false, bound.removeValue(forKey: key))
        }
        guard !isBound else { return }
        freed?.series.remove()
        // Looking up a series fails only for a wrong number of label values, which the contract's
        // families and this type agree on by construction.
        guard let series = try? BreakerSeries(
            breaker, families: families, constantLabelValues: constantLabelValues, exemplarSource: exemplarSource) else {
            return
        }
        let token = breaker.addObserver(series)
        let raced = bound.withLock { bound -> Bool in
            guard bound[key]?.series.breaker !== breaker else { return true }
            bound[key] = Bound(series: series, token: token)
            return false
        }
        if raced {
            breaker.removeObserver(token)
        }
    }

    /// Stops recording `breaker` and removes its series.
    public func remove(_ breaker: CircuitBreaker) {
        guard let removed = bound.withLock({ $0.removeValue(forKey: ObjectIdentifier(breaker)) }) else { return }
        breaker.removeObserver(removed.token)
        removed.series.remove()
    }

    /// How many breakers are bound.
    var boundCount: Int {
        bound.withLock { $0.count }
    }

    public func registry(_ registry: CircuitBreakerRegistry, didAdd breaker: CircuitBreaker) {
        add(breaker)
    }

    public func registry(_ registry: CircuitBreakerRegistry, didRemove breaker: CircuitBreaker) {
        remove(breaker)
    }

    /// Reads every bound breaker's snapshot into its gauges, and removes the series of breakers
    /// that have been freed. Under the lock, to allocate nothing while no breaker was freed: a
    /// snapshot takes only its breaker's own lock, which is never held while this one is taken.
    private func update() {
        bound.withLock { bound in
            var freed: [ObjectIdentifier] = []
            for (key, entry) in bound where !entry.series.update() {
                entry.series.remove()
                freed.append(key)
            }
            for key in freed {
                bound[key] = nil
            }
        }
    }
}

extension MetricsCollector {
    /// Records every breaker of `registry`, those it has and those it will get, with
    /// `constantLabels` (such as `service`) on every series, call durations exported as
    /// `options` say, and the traces `exemplars` finds as exemplars.
    ///
    /// - Returns: the binding, to add breakers that are not in a registry.
    /// - Throws: ``MetricsRegistrationError``, as ``BreakerMetrics/init(collector:constantLabels:options:exemplars:)``.
    @discardableResult
    public func recordMetrics(
        of registry: CircuitBreakerRegistry, constantLabels: [String: String] = [:],
        options: BreakerMetricsOptions = BreakerMetricsOptions(), exemplars: ExemplarSource? = nil
    ) throws(MetricsRegistrationError) -> BreakerMetrics {
        let metrics = try BreakerMetrics(collector: self, constantLabels: constantLabels, options: options, exemplars: exemplars)
        registry.addObserver(metrics)
        return metrics
    }
}
