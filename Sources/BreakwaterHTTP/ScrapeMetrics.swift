import BreakwaterMetrics

/// The listener's own metrics, kept in the collector it serves, named after client_golang's
/// promhttp (`promhttp_metric_handler_requests_total` and friends). A ``MetricsEndpoint`` served
/// from an application's router counts its requests in them too.
struct ScrapeMetrics: Sendable {
    /// Requests to the metrics path, by HTTP status code.
    private let requests: CounterFamily
    /// Responses holding a place under the shared limit: being rendered, waiting for a render, or
    /// being written.
    let inFlight: GaugeSeries
    /// Time from a scrape's routing to its response body being ready, a shared render included.
    let duration: HistogramSeries
    /// Response body bytes sent for scrapes, by content encoding.
    private let responseBytes: CounterFamily

    /// Registers the families in `collector`, or finds those a previous server registered.
    init(collector: MetricsCollector) throws(MetricsRegistrationError) {
        requests = try collector.counter(
            name: "breakwater_scrape_requests_total",
            help: "Requests to the metrics path, by HTTP status code.",
            labelNames: ["code"]
        )
        inFlight = try collector.gauge(
            name: "breakwater_scrape_requests_in_flight",
            help: "Responses of the metrics path, status page and /circuits being rendered or written."
        ).labels()
        duration = try collector.histogram(
            name: "breakwater_scrape_duration_seconds",
            help: "Time to get a scrape's response body: rendering and compressing it, or waiting for a shared render.",
            buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
        ).labels()
        // Like promhttp, the codes a healthy listener answers exist from the start, at 0, so the
        // first 503 is an increase Prometheus sees.
        for code in ["200", "503"] {
            _ = try requests.labels(code)
        }
        responseBytes = try collector.counter(
            name: "breakwater_scrape_response_bytes_total",
            help: "Bytes of scrape response bodies, after compression, by content encoding.",
            labelNames: ["encoding"]
        )
    }

    /// Counts one answered request to the metrics path.
    func countRequest(status: Int) {
        (try? requests.labels(String(status)))?.increment()
    }

    /// Counts the body bytes of one scrape response.
    func countResponseBytes(_ count: Int, gzip: Bool) {
        (try? responseBytes.labels(gzip ? "gzip" : "identity"))?.increment(by: UInt64(count))
    }
}
