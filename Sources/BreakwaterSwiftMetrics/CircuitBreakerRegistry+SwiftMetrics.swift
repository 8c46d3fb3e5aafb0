import Breakwater
import CoreMetrics

extension CircuitBreakerRegistry {
    /// Records every breaker of this registry, those it has and those it will get, through
    /// `factory`: by default the one the application bootstrapped `MetricsSystem` with, so call
    /// it after `MetricsSystem.bootstrap`.
    ///
    /// ```swift
    /// MetricsSystem.bootstrap(PrometheusMetricsFactory())
    /// try registry.recordMetrics(dimensions: ["service": "checkout"])
    /// ```
    ///
    /// - Returns: the binding, to add breakers that are not in a registry or to
    ///   ``SwiftMetricsBreakerBinding/refresh()`` its gauges before a scrape.
    /// - Throws: ``SwiftMetricsBindingError``, as
    ///   ``SwiftMetricsBreakerBinding/init(factory:dimensions:options:clock:)``.
    @discardableResult
    public func recordMetrics(
        through factory: any MetricsFactory = MetricsSystem.factory,
        dimensions: [String: String] = [:],
        options: SwiftMetricsBreakerBinding.Options = SwiftMetricsBreakerBinding.Options()
    ) throws(SwiftMetricsBindingError) -> SwiftMetricsBreakerBinding {
        let binding = try SwiftMetricsBreakerBinding(factory: factory, dimensions: dimensions, options: options)
        addObserver(binding)
        return binding
    }
}
