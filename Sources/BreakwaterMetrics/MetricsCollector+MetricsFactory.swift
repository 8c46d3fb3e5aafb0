import CoreMetrics

/// The collector as a swift-metrics backend: `MetricsSystem.bootstrap(collector)` puts the
/// metrics of the application, and of Vapor, Hummingbird or any library that uses swift-metrics,
/// on the same endpoint as the breakers'.
///
/// | swift-metrics | Prometheus |
/// |---|---|
/// | `Counter` | counter (`<label>_total`) |
/// | `FloatingPointCounter` | counter |
/// | `Meter`, `Recorder` that does not aggregate | gauge |
/// | `Recorder` that aggregates | histogram, buckets ``HistogramBuckets/values`` |
/// | `Timer` | histogram in seconds, buckets ``HistogramBuckets/latency`` |
///
/// Labels and dimension names that are not valid Prometheus names are sanitised the same way every
/// time: each character outside `[a-zA-Z0-9_]` becomes `_`, a leading digit gets a `_` before it,
/// and a dimension name loses the `__` Prometheus reserves (`__x` is `_x`); a dimension named `le`
/// on a histogram becomes `le_`. Two dimensions that sanitise to the same name keep both, the later
/// with `_` appended. A label that names a metric of another type, for example one registered
/// directly, gets a handler that discards its values, and a warning is logged.
extension MetricsCollector: MetricsFactory {
    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        handler(label, dimensions, type: .counter, make: { FamilyMaker.counter($0, createsUnlabelledSeries: false) }, adapt: CounterAdapter.init)
            ?? DiscardingHandler()
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        handler(
            label, dimensions, type: .counter, make: { FamilyMaker.floatingCounter($0, createsUnlabelledSeries: false) },
            adapt: FloatingCounterAdapter.init) ?? DiscardingHandler()
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        handler(label, dimensions, type: .gauge, make: { FamilyMaker.gauge($0, createsUnlabelledSeries: false) }, adapt: GaugeAdapter.init)
            ?? DiscardingHandler()
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else {
            return handler(
                label, dimensions, type: .gauge, make: { FamilyMaker.gauge($0, createsUnlabelledSeries: false) }, adapt: GaugeAdapter.init)
                ?? DiscardingHandler()
        }
        return handler(
            label, dimensions, type: .histogram, upperBounds: HistogramBuckets.values,
            make: { FamilyMaker.histogram($0, createsUnlabelledSeries: false) }, adapt: HistogramAdapter.init) ?? DiscardingHandler()
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        handler(
            label, dimensions, type: .histogram, upperBounds: HistogramBuckets.latency,
            make: { FamilyMaker.histogram($0, createsUnlabelledSeries: false) }, adapt: HistogramAdapter.init) ?? DiscardingHandler()
    }

    public func destroyCounter(_ handler: any CounterHandler) { destroy(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { destroy(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { destroy(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { destroy(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { destroy(handler) }

    /// A handler around the series for a swift-metrics label and dimensions, in a family of
    /// `type` registered on first use; `nil` when the name is taken by a family of another kind.
    private func handler<Series: AnyObject & Sendable, Handler: AnyObject>(
        _ label: String,
        _ dimensions: [(String, String)],
        type: MetricType,
        upperBounds: [Double] = [],
        make: (FamilyDescriptor) -> MetricFamily<Series>,
        adapt: (Series) -> Handler
    ) -> Handler? {
        let name = MetricName.sanitize(label)
        let family: MetricFamily<Series>
        do {
            family = try register(
                type, name: name, help: "\(label), recorded through swift-metrics.", labelNames: [],
                upperBounds: upperBounds, make: make)
        } catch {
            logger.warning(
                "swift-metrics \(type) \(MetricName.quoted(label)) discards its values: \(error)",
                metadata: ["metric": "\(name)"])
            return nil
        }
        let (series, sortKey) = family.series(labels: Self.labels(dimensions, reservingLe: type == .histogram))
        let handler = adapt(series)
        rememberRemoval(of: handler) { family.table.remove(sortKey: sortKey) }
        return handler
    }

    /// Dimensions as label names and values: sanitised, made unique, sorted by name.
    static func labels(_ dimensions: [(String, String)], reservingLe: Bool) -> [(name: String, value: String)] {
        var taken: Set<String> = []
        var labels: [(name: String, value: String)] = []
        for (key, value) in dimensions {
            var name = MetricName.sanitize(key, isLabel: true)
            if reservingLe, name == "le" {
                name = "le_"
            }
            while taken.contains(name) {
                name += "_"
            }
            taken.insert(name)
            labels.append((name, value))
        }
        return labels.sorted { $0.name < $1.name }
    }
}

/// Takes the values of a swift-metrics metric that could not be registered.
final class DiscardingHandler: CounterHandler, FloatingPointCounterHandler, MeterHandler, RecorderHandler, TimerHandler {
    func increment(by: Int64) {}
    func increment(by: Double) {}
    func reset() {}
    func set(_ value: Int64) {}
    func set(_ value: Double) {}
    func decrement(by: Double) {}
    func record(_ value: Int64) {}
    func record(_ value: Double) {}
    func recordNanoseconds(_ duration: Int64) {}
}
