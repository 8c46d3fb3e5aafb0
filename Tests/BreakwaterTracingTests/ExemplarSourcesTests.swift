import Breakwater
import BreakwaterMetrics
import BreakwaterTestSupport
import Logging
import ServiceContextModule
import Synchronization
import Testing

@testable import BreakwaterTracing

@Suite("Exemplars from ServiceContext")
struct ExemplarSourcesTests {
    let instrument = TraceparentInstrument()

    func reference(traceparent: String?) -> TraceReference? {
        var context = ServiceContext.topLevel
        context[TestTraceparentKey.self] = traceparent
        return ServiceContext.withValue(context) { ExemplarSources.serviceContext(through: instrument)() }
    }

    @Test("a sampled span's trace and span IDs are read from its traceparent")
    func sampledSpan() {
        let reference = reference(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(reference?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(reference?.spanID == "00f067aa0ba902b7")
        #expect(self.reference(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03") != nil)
    }

    @Test("no exemplar for an unsampled span, a context without one, or a traceparent that is not version 00's")
    func noExemplar() {
        #expect(reference(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00") == nil)
        #expect(reference(traceparent: nil) == nil)
        for malformed in [
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
            "",
        ] {
            #expect(reference(traceparent: malformed) == nil, "\(malformed)")
        }
    }

    @Test("without a ServiceContext the instrument is not asked")
    func noContext() {
        #expect(ServiceContext.current == nil)
        #expect(ExemplarSources.serviceContext(through: instrument)() == nil)
        #expect(ExemplarSources.serviceContext() == nil)
        #expect(instrument.injections.load(ordering: .relaxed) == 0)
    }

    @Test("a call in a traced request leaves the request's trace in the breaker metrics")
    func throughTheBreakerMetrics() async throws {
        let collector = MetricsCollector(processMetrics: false)
        let registry = try CircuitBreakerRegistry(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try collector.recordMetrics(of: registry, exemplars: ExemplarSources.serviceContext(through: instrument))
        let payments = try registry.breaker(named: "payments")
        var context = ServiceContext.topLevel
        context[TestTraceparentKey.self] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        try ServiceContext.withValue(context) {
            payments.record(.failure, for: try payments.acquirePermission(), duration: .milliseconds(12))
        }
        let families = try await parseWithPrometheusClient(collector.render(.openMetrics), format: .openMetrics)
        let failures = families.sample(named: "circuit_breaker_calls_total", labels: ["circuit": "payments", "outcome": "failure"])
        #expect(failures?.exemplar?.labels == ["trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331"])
    }
}
