import BreakwaterMetrics
import Instrumentation
import ServiceContextModule

/// Exemplar sources for the breaker metrics from swift-distributed-tracing: the span of the
/// caller's `ServiceContext`, as the bootstrapped tracer (swift-otel, for one) propagates it.
///
/// ```swift
/// import BreakwaterTracing
///
/// InstrumentationSystem.bootstrap(tracer)   // as the application does for its tracing
/// try collector.recordMetrics(of: registry, exemplars: ExemplarSources.serviceContext)
/// ```
///
/// The trace and span are read the way a tracer hands them to the next service: its W3C
/// `traceparent`, so any tracer that propagates W3C Trace Context works, without Breakwater
/// depending on one. Only sampled traces give exemplars (the `traceparent`'s sampled flag):
/// an unsampled trace is never stored, so a link to it would lead nowhere. A call with no
/// `ServiceContext` costs one task-local read and allocates nothing.
public enum ExemplarSources {
    /// The span of the current `ServiceContext`, through `InstrumentationSystem.instrument`,
    /// read at each call, so the source works whether it is made before or after the bootstrap.
    public static let serviceContext: ExemplarSource = {
        guard let context = ServiceContext.current else { return nil }
        return reference(in: context, through: InstrumentationSystem.instrument)
    }

    /// The span of the current `ServiceContext`, through `instrument` rather than the
    /// bootstrapped one.
    public static func serviceContext(through instrument: any Instrument) -> ExemplarSource {
        {
            guard let context = ServiceContext.current else { return nil }
            return reference(in: context, through: instrument)
        }
    }

    /// The sampled span `instrument` propagates for `context`, if any.
    static func reference(in context: ServiceContext, through instrument: any Instrument) -> TraceReference? {
        var carrier = TraceparentCarrier()
        instrument.inject(context, into: &carrier, using: TraceparentCarrier.Injector())
        return carrier.reference
    }
}

/// Receives what an instrument propagates and keeps the sampled span of its `traceparent`.
struct TraceparentCarrier: Sendable {
    var reference: TraceReference?

    struct Injector: Instrumentation.Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout TraceparentCarrier) {
            guard key.utf8.elementsEqual("traceparent".utf8) else { return }
            carrier.reference = Self.sampledSpan(inTraceparent: value)
        }

        /// The trace and parent IDs of a version-00 `traceparent`
        /// (`00-<32 hex trace ID>-<16 hex parent ID>-<2 hex flags>`), when its sampled flag is set.
        static func sampledSpan(inTraceparent value: String) -> TraceReference? {
            let fields = value.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
            guard fields.count == 4, fields[0].elementsEqual("00".utf8), fields[3].count == 2,
                let flags = UInt8(Substring(fields[3]), radix: 16), flags & 1 == 1
            else { return nil }
            return TraceReference(traceID: Substring(fields[1]), spanID: Substring(fields[2]))
        }
    }
}
