/// Bucket bounds for histograms.
public enum HistogramBuckets {
    /// Bounds for call latencies in seconds, from 1 ms to 10 s: client_golang's defaults with
    /// 1 ms and 2.5 ms added for fast dependencies.
    public static let latency: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// client_golang's default bounds, for swift-metrics recorders that aggregate values of any kind.
    public static let values: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// `count` bounds starting at `start`, each `factor` times the one before.
    public static func exponential(start: Double, factor: Double, count: Int) -> [Double] {
        guard count > 0 else { return [] }
        return (1..<count).reduce(into: [start]) { bounds, _ in bounds.append(bounds[bounds.count - 1] * factor) }
    }

    /// The bounds without a final `+Inf`, after checking that they increase and are finite.
    ///
    /// - Parameter allowingNone: whether no finite bound at all is accepted, for a histogram of
    ///   only `+Inf`, `_count` and `_sum`.
    static func validate(_ buckets: [Double], of metric: String, allowingNone: Bool = false) throws(MetricsRegistrationError) -> [Double] {
        var bounds = buckets
        if bounds.last == .infinity {
            bounds.removeLast()
        }
        guard allowingNone || !bounds.isEmpty else {
            throw MetricsRegistrationError("histogram \(MetricName.quoted(metric)) needs at least one finite bucket bound")
        }
        guard bounds.allSatisfy(\.isFinite) else {
            throw MetricsRegistrationError(
                "histogram \(MetricName.quoted(metric)) has a bucket bound that is not finite: \(buckets); +Inf is added by itself")
        }
        guard zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw MetricsRegistrationError("histogram \(MetricName.quoted(metric)) needs strictly increasing bucket bounds: \(buckets)")
        }
        return bounds
    }

    /// The `le` values of a histogram's buckets in both formats, rendered once: 0.0.4 writes
    /// `le="1"`, OpenMetrics its canonical `le="1.0"`.
    struct RenderedBounds: Sendable {
        let text: [[UInt8]]
        let openMetrics: [[UInt8]]

        init(_ bounds: [Double]) {
            text = bounds.map { bound in
                var bytes: [UInt8] = []
                bytes.appendGoFloat(bound)
                return bytes
            } + [Array("+Inf".utf8)]
            openMetrics = bounds.map { bound in
                var bytes: [UInt8] = []
                bytes.appendCanonicalFloat(bound)
                return bytes
            } + [Array("+Inf".utf8)]
        }

        func values(for format: ExpositionFormat) -> [[UInt8]] {
            format == .openMetrics ? openMetrics : text
        }
    }
}
