/// A metric: a name, help text, type and label names, and one series per set of label values.
///
/// ```swift
/// let calls = try collector.counter(name: "http_requests_total", help: "Requests served.", labelNames: ["code"])
/// let ok = try calls.labels("200")   // look the series up once...
/// ok.increment()                     // ...and update it on the hot path
/// ```
public final class MetricFamily<Series: AnyObject & Sendable>: Sendable {
    /// The name, without the `_total` of a counter or the `_info` of an info metric.
    public let name: String
    /// The help text.
    public let help: String
    /// The label names, in the order ``labels(_:)-(String...)`` takes values.
    public var labelNames: [String] { descriptor.schema.names }

    let descriptor: FamilyDescriptor
    let table: SeriesTable<Series>
    private let makeSeries: @Sendable ([UInt8]) -> Series
    private let renderSeries: @Sendable (Series, [UInt8], inout [UInt8], ExpositionFormat) -> Void
    private let headers: [ExpositionFormat: [UInt8]]
    private let nameBytes: [UInt8]

    /// - Parameter createsUnlabelledSeries: whether a family without label names starts with its one
    ///   series; a family whose series carry their own labels (from swift-metrics) does not.
    init(
        _ descriptor: FamilyDescriptor,
        createsUnlabelledSeries: Bool = true,
        makeSeries: @escaping @Sendable ([UInt8]) -> Series,
        renderSeries: @escaping @Sendable (Series, [UInt8], inout [UInt8], ExpositionFormat) -> Void
    ) {
        self.descriptor = descriptor
        name = descriptor.name
        help = descriptor.help
        nameBytes = Array(descriptor.name.utf8)
        table = SeriesTable(metric: descriptor.name, schema: descriptor.schema)
        self.makeSeries = makeSeries
        self.renderSeries = renderSeries
        headers = Dictionary(uniqueKeysWithValues: ExpositionFormat.allCases.map { ($0, descriptor.header(for: $0)) })
        if createsUnlabelledSeries, descriptor.schema.names.isEmpty {
            // A metric without labels has its one series from the start, so it shows before any update.
            _ = try? table.series(for: [], make: makeSeries)
        }
    }

    /// The series for `values`, one per label name in declaration order; created on first use.
    ///
    /// - Throws: ``MetricsRegistrationError`` when the number of values does not match the labels.
    public func labels(_ values: String...) throws(MetricsRegistrationError) -> Series {
        try labels(values)
    }

    /// The series for `values`, one per label name in declaration order; created on first use.
    ///
    /// - Throws: ``MetricsRegistrationError`` when the number of values does not match the labels.
    public func labels(_ values: [String]) throws(MetricsRegistrationError) -> Series {
        try table.series(for: values, make: makeSeries)
    }

    /// Removes the series for `values`, so that it no longer shows; returns whether there was one.
    @discardableResult
    public func remove(labels values: String...) -> Bool {
        table.remove(values)
    }

    /// Removes the series for `values`; returns whether there was one.
    @discardableResult
    public func remove(labels values: [String]) -> Bool {
        table.remove(values)
    }

    /// The series for `labels`, label names and values that the family did not declare, as
    /// swift-metrics gives them; the names must be valid and sorted. Returns the series with the
    /// key that removes it.
    func series(labels: [(name: String, value: String)]) -> (series: Series, sortKey: [String]) {
        let key = labels.flatMap { [$0.name, $0.value] }
        let series = table.series(sortKey: key) { makeSeries(LabelSchema.render(labels)) }
        return (series, key)
    }

    /// Appends the family in `format`: its help and type, then every series in label order.
    /// A family without series renders nothing, as in client_golang.
    ///
    /// Whenever `buffer` reaches `chunkSize` bytes after a series, `flush` takes its contents.
    func render(_ format: ExpositionFormat, into buffer: inout [UInt8], chunkSize: Int, flush: (inout [UInt8]) -> Void) {
        guard table.count > 0, let header = headers[format] else { return }
        buffer.append(contentsOf: header)
        table.forEach { series in
            renderSeries(series, nameBytes, &buffer, format)
            if buffer.count >= chunkSize {
                flush(&buffer)
            }
        }
    }
}

/// A family of ``CounterSeries``.
public typealias CounterFamily = MetricFamily<CounterSeries>
/// A family of ``FloatingCounterSeries``.
public typealias FloatingCounterFamily = MetricFamily<FloatingCounterSeries>
/// A family of ``GaugeSeries``.
public typealias GaugeFamily = MetricFamily<GaugeSeries>
/// A family of ``HistogramSeries``.
public typealias HistogramFamily = MetricFamily<HistogramSeries>
/// A family of ``InfoSeries``.
public typealias InfoFamily = MetricFamily<InfoSeries>
