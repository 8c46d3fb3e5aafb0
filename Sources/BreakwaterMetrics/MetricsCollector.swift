import Breakwater
import Logging

/// Holds metric families and renders them in the Prometheus text formats.
///
/// Families register once, with names and labels checked then: a problem throws a
/// ``MetricsRegistrationError`` saying what is wrong, never a crash. Updating a series is lock-free.
/// A scrape renders families sorted by name and series sorted by label values, into a buffer the
/// caller keeps, so that after the first scrape it allocates nothing per series.
///
/// ```swift
/// let collector = MetricsCollector()
/// let queue = try collector.gauge(name: "jobs_queued", help: "Jobs waiting to run.")
/// try queue.labels().set(12)
/// var buffer: [UInt8] = []
/// collector.render(.prometheusText, into: &buffer)
/// ```
public final class MetricsCollector: Sendable {
    private struct State {
        /// Families sorted by name.
        var families: [any RenderableFamily] = []
        /// Every name a family writes, with the family that writes it.
        var claimedNames: [String: String] = [:]
        var hooks: [(id: UInt64, hook: @Sendable () -> Void)] = []
        var nextHookID: UInt64 = 0
        /// How to remove each series handed to swift-metrics, by the series' identity.
        var removals: [ObjectIdentifier: @Sendable () -> Void] = [:]
    }

    private let state = Guarded(State())
    /// Where problems with swift-metrics' labels are reported.
    let logger: Logger

    /// Creates a collector.
    ///
    /// - Parameters:
    ///   - processMetrics: whether to export the process's CPU time, memory, open file descriptors
    ///     and start time, with the names client_golang uses (`process_cpu_seconds_total`, ...),
    ///     read at each scrape. On by default.
    ///   - logger: where a swift-metrics label that cannot be registered is reported.
    public init(processMetrics: Bool = true, logger: Logger = Logger(label: "breakwater.metrics")) {
        self.logger = logger
        // An empty collector has no names to collide with: registering them cannot fail.
        if processMetrics, let metrics = try? ProcessMetrics(in: self) {
            addCollectHook { metrics.update() }
        }
    }

    // MARK: Registering

    /// Registers a counter, or returns the one already registered with the same name, help and
    /// labels. A trailing `_total` in `name` is optional: the samples are named `<name>_total`.
    public func counter(name: String, help: String, labelNames: [String] = []) throws(MetricsRegistrationError) -> CounterFamily {
        try register(.counter, name: Self.trimmingSuffix("_total", of: name), help: help, labelNames: labelNames) {
            FamilyMaker.counter($0)
        }
    }

    /// Registers a counter that counts in fractions, or returns the one already registered.
    public func floatingCounter(
        name: String, help: String, labelNames: [String] = []
    ) throws(MetricsRegistrationError) -> FloatingCounterFamily {
        try register(.counter, name: Self.trimmingSuffix("_total", of: name), help: help, labelNames: labelNames) {
            FamilyMaker.floatingCounter($0)
        }
    }

    /// Registers a gauge, or returns the one already registered with the same name, help and labels.
    public func gauge(name: String, help: String, labelNames: [String] = []) throws(MetricsRegistrationError) -> GaugeFamily {
        try register(.gauge, name: name, help: help, labelNames: labelNames) { FamilyMaker.gauge($0) }
    }

    /// Registers a histogram with the given bucket upper bounds (increasing and finite; `+Inf` is
    /// added), or returns the one already registered with the same name, help, labels and buckets.
    public func histogram(
        name: String,
        help: String,
        labelNames: [String] = [],
        buckets: [Double] = HistogramBuckets.latency
    ) throws(MetricsRegistrationError) -> HistogramFamily {
        try histogram(name: name, help: help, labelNames: labelNames, upperBounds: HistogramBuckets.validate(buckets, of: name))
    }

    /// Registers a histogram with bounds already validated, or returns the one already registered.
    func histogram(
        name: String, help: String, labelNames: [String], upperBounds: [Double]
    ) throws(MetricsRegistrationError) -> HistogramFamily {
        try register(.histogram, name: name, help: help, labelNames: labelNames, upperBounds: upperBounds) {
            FamilyMaker.histogram($0)
        }
    }

    /// Registers an info metric, labels that describe the target with the value 1, or returns the
    /// one already registered. A trailing `_info` in `name` is optional.
    public func info(name: String, help: String, labelNames: [String] = []) throws(MetricsRegistrationError) -> InfoFamily {
        try register(.info, name: Self.trimmingSuffix("_info", of: name), help: help, labelNames: labelNames) {
            FamilyMaker.info($0)
        }
    }

    /// Removes the family named `name` (as registered, `_total` or `_info` included or not) and
    /// every series of it; returns whether there was one.
    @discardableResult
    public func unregister(_ name: String) -> Bool {
        state.withLock { state in
            let owner = state.claimedNames[name] ?? name
            guard let index = state.families.firstIndex(where: { $0.descriptor.name == owner }) else { return false }
            let family = state.families.remove(at: index)
            state.claimedNames[family.descriptor.name] = nil
            for sample in family.descriptor.sampleNames {
                state.claimedNames[sample] = nil
            }
            return true
        }
    }

    func register<Series>(
        _ type: MetricType,
        name: String,
        help: String,
        labelNames: [String],
        upperBounds: [Double] = [],
        make: (FamilyDescriptor) -> MetricFamily<Series>
    ) throws(MetricsRegistrationError) -> MetricFamily<Series> {
        try MetricName.validate(metric: name)
        let reserved: Set<String> = type == .histogram ? ["le"] : []
        let schema = try LabelSchema(labelNames, of: name, reserved: reserved)
        let descriptor = FamilyDescriptor(name: name, help: help, type: type, schema: schema, upperBounds: upperBounds)
        return try state.withLock { state throws(MetricsRegistrationError) -> MetricFamily<Series> in
            if let existing = state.families.first(where: { $0.descriptor.name == name }) {
                guard existing.descriptor == descriptor, let family = existing as? MetricFamily<Series> else {
                    throw MetricsRegistrationError(
                        "metric \(MetricName.quoted(name)) is already registered \(existing.descriptor.difference(from: descriptor))")
                }
                return family
            }
            for claimed in [name] + descriptor.sampleNames {
                if let owner = state.claimedNames[claimed] {
                    throw MetricsRegistrationError(
                        "metric \(MetricName.quoted(name)) would write \(MetricName.quoted(claimed)), which metric \(MetricName.quoted(owner)) already writes")
                }
            }
            let family = make(descriptor)
            for claimed in [name] + descriptor.sampleNames {
                state.claimedNames[claimed] = name
            }
            let index = state.families.firstIndex { $0.descriptor.name > name } ?? state.families.count
            state.families.insert(family, at: index)
            return family
        }
    }

    private static func trimmingSuffix(_ suffix: String, of name: String) -> String {
        name.hasSuffix(suffix) && name.count > suffix.count ? String(name.dropLast(suffix.count)) : name
    }

    /// Remembers how to remove `series` when swift-metrics destroys its handler.
    func rememberRemoval(of series: AnyObject, _ removal: @escaping @Sendable () -> Void) {
        state.withLock { $0.removals[ObjectIdentifier(series)] = removal }
    }

    /// Removes the series behind a swift-metrics handler.
    func destroy(_ handler: AnyObject) {
        state.withLock { $0.removals.removeValue(forKey: ObjectIdentifier(handler)) }?()
    }

    // MARK: Collect hooks

    /// Adds `hook`, run at the start of every render: the place to set gauges that are read rather
    /// than updated, such as the state of a breaker or the memory of the process.
    @discardableResult
    public func addCollectHook(_ hook: @escaping @Sendable () -> Void) -> CollectHookToken {
        state.withLock { state in
            defer { state.nextHookID += 1 }
            state.hooks.append((state.nextHookID, hook))
            return CollectHookToken(id: state.nextHookID)
        }
    }

    /// Removes the hook that `token` identifies.
    public func removeCollectHook(_ token: CollectHookToken) {
        state.withLock { state in
            state.hooks.removeAll { $0.id == token.id }
        }
    }

    // MARK: Rendering

    /// Appends every family in `format` to `buffer`; OpenMetrics ends with `# EOF`.
    ///
    /// Reuse the buffer from scrape to scrape (`removeAll(keepingCapacity: true)`): once it has
    /// grown to the size of an exposition, rendering allocates nothing per series.
    public func render(_ format: ExpositionFormat, into buffer: inout [UInt8]) {
        render(format, into: &buffer, chunkSize: .max) { _ in }
    }

    /// Renders every family in `format` in pieces, handing each to `consume` as soon as it is
    /// written, so that a response can be compressed or sent while it is rendered and the whole
    /// text is never held at once.
    ///
    /// A piece ends after the first series that brings it to `chunkSize` bytes or more, so each is
    /// at least `chunkSize` bytes but the last, and exceeds it by at most one series. The pieces
    /// put together are exactly what ``render(_:into:)`` appends. `consume` runs while a family's
    /// series are locked: series can be updated meanwhile, but a new series of that family waits.
    public func render(_ format: ExpositionFormat, chunkSize: Int, _ consume: (UnsafeRawBufferPointer) -> Void) {
        let chunkSize = max(1, chunkSize)
        var buffer: [UInt8] = []
        // Room for a piece and the series that ends it, without growing, for any sensible size.
        buffer.reserveCapacity(min(chunkSize, 1 << 20) / 4 * 5)
        withoutActuallyEscaping(consume) { consume in
            let flush = { (pending: inout [UInt8]) in
                pending.withUnsafeBytes(consume)
                pending.removeAll(keepingCapacity: true)
            }
            render(format, into: &buffer, chunkSize: chunkSize, flush: flush)
            if !buffer.isEmpty {
                flush(&buffer)
            }
        }
    }

    private func render(
        _ format: ExpositionFormat, into buffer: inout [UInt8], chunkSize: Int, flush: (inout [UInt8]) -> Void
    ) {
        let (families, hooks) = state.withLock { ($0.families, $0.hooks) }
        for entry in hooks {
            entry.hook()
        }
        for family in families {
            family.render(format, into: &buffer, chunkSize: chunkSize, flush: flush)
        }
        if format == .openMetrics {
            buffer.append("# EOF\n")
        }
    }

    /// The exposition in `format`, as text.
    public func render(_ format: ExpositionFormat) -> String {
        var buffer: [UInt8] = []
        render(format, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Identifies a collect hook, to remove it.
public struct CollectHookToken: Sendable, Hashable {
    let id: UInt64
}

/// What the collector needs of a family of any series type.
protocol RenderableFamily: Sendable {
    var descriptor: FamilyDescriptor { get }
    func render(_ format: ExpositionFormat, into buffer: inout [UInt8], chunkSize: Int, flush: (inout [UInt8]) -> Void)
}

extension MetricFamily: RenderableFamily {}
