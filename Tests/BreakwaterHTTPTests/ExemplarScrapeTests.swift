import Breakwater
import BreakwaterHTTP
import BreakwaterMetrics
import BreakwaterTestSupport
import BreakwaterTracing
import Logging
import ServiceContextModule
import Testing

/// A real Prometheus with exemplar storage scrapes calls made in traced requests and returns
/// their trace IDs through `/api/v1/query_exemplars`.
@Suite struct ExemplarScrapeTests {
    struct Failure: Error {}

    /// Calls `payments` in a request of trace `traceID`: a failure taking `milliseconds`.
    static func failingCall(_ payments: CircuitBreaker, traceID: String, spanID: String, clock: ManualClock, milliseconds: Int) {
        var context = ServiceContext.topLevel
        context[TestTraceparentKey.self] = "00-\(traceID)-\(spanID)-01"
        ServiceContext.withValue(context) {
            _ = try? payments.run { () throws(Failure) in
                clock.advance(by: .milliseconds(milliseconds))
                throw Failure()
            }
        }
    }

    @Test func aRealPrometheusStoresTheTraceIDsOfTracedCalls() async throws {
        let clock = ManualClock()
        let collector = MetricsCollector(processMetrics: false)
        let registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 100),
            clock: clock, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try collector.recordMetrics(of: registry, exemplars: ExemplarSources.serviceContext(through: TraceparentInstrument()))
        let payments = try registry.breaker(named: "payments")
        let slow = (traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7")
        let fast = (traceID: "0af7651916cd43dd8448eb211c80319c", spanID: "b7ad6b7169203331")
        Self.failingCall(payments, traceID: slow.traceID, spanID: slow.spanID, clock: clock, milliseconds: 800)
        Self.failingCall(payments, traceID: fast.traceID, spanID: fast.spanID, clock: clock, milliseconds: 3)

        try await withServer(collector: collector, registry: registry) { _, port in
            try await withPrometheus(scrapingPort: port, job: "breakwater-exemplars", features: ["exemplar-storage"]) { prometheus in
                let durations = try await prometheus.eventually("exemplars of the call durations are stored") {
                    let series = try await prometheus.exemplars(#"circuit_breaker_call_duration_seconds_bucket{circuit="payments"}"#)
                    return series.count >= 2 ? series : nil
                }
                let byBucket = Dictionary(
                    durations.flatMap { series in series.exemplars.map { (series.seriesLabels["le"] ?? "", $0) } },
                    uniquingKeysWith: { first, _ in first })
                #expect(byBucket["1.0"]?.labels == ["trace_id": slow.traceID, "span_id": slow.spanID], "\(durations)")
                #expect(byBucket["1.0"]?.value == "0.8")
                #expect(byBucket["0.005"]?.labels == ["trace_id": fast.traceID, "span_id": fast.spanID], "\(durations)")

                let failures = try await prometheus.eventually("an exemplar of the failure count is stored") {
                    try await prometheus.exemplars(#"circuit_breaker_calls_total{circuit="payments",outcome="failure"}"#).first
                }
                // The latest failure's trace.
                #expect(failures.exemplars.last?.labels["trace_id"] == fast.traceID)
            }
        }
    }
}
