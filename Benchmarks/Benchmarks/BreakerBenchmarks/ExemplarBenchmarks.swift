import Benchmark
import Breakwater
import BreakwaterMetrics
import BreakwaterTracing
import ServiceContextModule

/// The call path with exemplars: ``Breakers/withMetrics(_:)`` with BreakwaterTracing's source,
/// outside any trace (what every untraced call pays) and inside a sampled span (the trace and
/// span read through the tracer's W3C `traceparent`, kept as the exemplar of the duration's
/// bucket). Read them against `Metrics: run succeeds, breaker metrics bound`.
func registerExemplarBenchmarks() {
    Benchmark("Exemplars: run succeeds, breaker metrics bound, no ServiceContext (registry, SystemClock)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            blackHole(try breaker.run { trivialOperation(iteration) })
        }
    } setup: {
        try Breakers.withMetrics(HeldSeries.circuit, exemplars: ExemplarSources.serviceContext(through: SpanInstrument()))
    }

    for preformatted in [false, true] {
        let name = preformatted ? "traceparent formatted once" : "traceparent formatted per call"
        Benchmark("Exemplars: run succeeds, breaker metrics bound, in a sampled span, \(name) (registry, SystemClock)") {
            (benchmark: Benchmark, breaker: CircuitBreaker) in
            var context = ServiceContext.topLevel
            context[SpanInstrument.Span.self] = span
            ServiceContext.withValue(context) {
                for iteration in benchmark.scaledIterations {
                    blackHole(try? breaker.run { trivialOperation(iteration) })
                }
            }
        } setup: {
            let instrument = SpanInstrument(preformatting: preformatted ? span : nil)
            return try Breakers.withMetrics(HeldSeries.circuit, exemplars: ExemplarSources.serviceContext(through: instrument))
        }
    }
}

/// The span the traced calls run in.
private let span = SpanInstrument.Span(traceID: (0x4bf9_2f35_77b3_4da6, 0xa3ce_929d_0e0e_4736), spanID: 0x00f0_67aa_0ba9_02b7)
