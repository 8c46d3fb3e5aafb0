import BreakwaterMetrics
import BreakwaterTracing
import Instrumentation
import ServiceContextModule

/// Traces for the demo's calls, as a tracer makes them: with `--traces`, each call to a
/// dependency runs in a sampled span of a trace of its own, which the tracer propagates as a W3C
/// `traceparent`. The breaker metrics read it back as exemplars, as they would swift-otel's spans.
enum SyntheticTraces {
    /// The span a context carries, as its `traceparent`.
    private enum Traceparent: ServiceContextKey {
        typealias Value = String
    }

    /// The tracer's propagation of the span.
    private struct Propagation: Instrument {
        func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
        where Extract: Extractor, Extract.Carrier == Carrier {}

        func inject<Carrier, Inject>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
        where Inject: Injector, Inject.Carrier == Carrier {
            guard let traceparent = context[Traceparent.self] else { return }
            injector.inject(traceparent, forKey: "traceparent", into: &carrier)
        }
    }

    /// The exemplars of the demo's spans.
    static let exemplars: ExemplarSource = ExemplarSources.serviceContext(through: Propagation())

    /// Runs `operation` in a new sampled span of a new trace.
    static func inSpan(_ operation: () async -> Void) async {
        let span = TraceReference(
            traceID: (.random(in: 1...UInt64.max), .random(in: 1...UInt64.max)), spanID: .random(in: 1...UInt64.max))
        var context = ServiceContext.topLevel
        context[Traceparent.self] = "00-\(span.traceID)-\(span.spanID)-01"
        await ServiceContext.withValue(context) { await operation() }
    }
}
