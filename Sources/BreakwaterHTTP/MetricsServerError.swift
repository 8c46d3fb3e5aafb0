import BreakwaterMetrics

/// Why a ``MetricsServer`` or a ``MetricsEndpoint`` could not be created, or a server started.
public enum MetricsServerError: Error, Hashable, CustomStringConvertible {
    /// A configuration field is outside what it allows.
    case invalidConfiguration(field: String, value: String, allowed: String)
    /// The listener's own metrics clash with families already in the collector.
    case selfMetricsConflict(MetricsRegistrationError)
    /// ``MetricsServer/start()`` or ``MetricsServer/run()`` was called on a server that already
    /// ran; a server serves once.
    case alreadyStarted

    /// What went wrong, in a sentence.
    public var description: String {
        switch self {
        case .invalidConfiguration(let field, let value, let allowed):
            "invalid configuration for serving metrics: \(field) is \(value), allowed: \(allowed)"
        case .selfMetricsConflict(let error):
            "cannot register the listener's own metrics (breakwater_scrape_*): \(error)"
        case .alreadyStarted:
            "the metrics server was already started; create a new one to serve again"
        }
    }
}
