/// The text formats a ``MetricsCollector`` renders.
public enum ExpositionFormat: Sendable, Hashable, CaseIterable {
    /// Prometheus text format 0.0.4, which every Prometheus server and most tools read.
    case prometheusText
    /// OpenMetrics 1.0.0, which Prometheus asks for first when it scrapes.
    case openMetrics

    /// The `Content-Type` of a response in this format.
    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }
}
